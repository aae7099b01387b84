#pragma once
// Use cases of mentorship requests: a mentee asks a specific mentor (inside a programme or
// not), the mentor accepts (a proposed relationship) or declines, the mentee may withdraw.
#include <absl/status/statusor.h>

#include <functional>
#include <string>
#include <vector>

#include "directory.h"
#include "enrollment_store.h"
#include "matching_rules.h"
#include "mentee_contexts.h"
#include "mentoring/events/v1/envelope.pb.h"
#include "mentoring/matching/v1/matching.pb.h"
#include "mentoring/runtime/call_context.h"
#include "mentoring/runtime/clock.h"
#include "mentoring/runtime/postgres.h"
#include "programme_store.h"
#include "relationship_store.h"
#include "request_store.h"

namespace mentoring::matching {

class RequestsApp {
 public:
  RequestsApp(pg::Pool& pool, Directory& directory, const Clock& clock)
      : pool_(pool), directory_(directory), clock_(clock) {}

  absl::StatusOr<v1::MentorshipRequest> CreateMentorshipRequest(const CallContext& call,
                                                                const v1::CreateMentorshipRequestRequest& request);
  absl::StatusOr<v1::MentorshipRequest> AcceptRequest(const CallContext& call, const v1::DecideRequestRequest& request);
  absl::StatusOr<v1::MentorshipRequest> DeclineRequest(const CallContext& call,
                                                       const v1::DecideRequestRequest& request);
  absl::StatusOr<v1::MentorshipRequest> WithdrawRequest(const CallContext& call,
                                                        const v1::WithdrawRequestRequest& request);
  absl::StatusOr<v1::ListRequestsResponse> ListRequests(const CallContext& call,
                                                        const v1::ListRequestsRequest& request);

 private:
  using Answer =
      std::function<absl::Status(pg::Transaction&, v1::MentorshipRequest&, std::vector<events::v1::EventEnvelope>&)>;
  // A pending request answered by `who` (its version already bumped for the events).
  absl::StatusOr<v1::MentorshipRequest> AnswerRequest(const CallContext& call, const std::string& request_id, Party who,
                                                      const Answer& answer);
  // The programme a request is made in; nullopt for one outside programmes.
  absl::StatusOr<std::optional<v1::Programme>> ProgrammeOf(pg::Executor& db, const v1::MentorshipRequest& request);

  pg::Pool& pool_;
  Directory& directory_;
  const Clock& clock_;
  ProgrammeStore programmes_;
  EnrollmentStore enrollments_;
  RequestStore requests_;
  RelationshipStore relationships_;
  MenteeContexts contexts_;
};

}  // namespace mentoring::matching
