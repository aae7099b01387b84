#pragma once
// The matching service's use cases. Each runs in one PostgreSQL transaction with the events
// it causes (outbox), checks who is calling, and leaves nothing half-written on error.
// The rules live in matching_rules, pair_scorer and the solver; this class orchestrates.
#include <absl/status/statusor.h>
#include <absl/synchronization/mutex.h>

#include <map>
#include <memory>

#include <string>
#include <vector>

#include "directory.h"
#include "matching_rules.h"
#include "mentoring/events/v1/envelope.pb.h"
#include "mentoring/runtime/call_context.h"
#include "mentoring/runtime/clock.h"
#include "mentoring/runtime/postgres.h"

namespace mentoring::matching {

class MatchingApp {
 public:
  MatchingApp(pg::Pool& pool, Directory& directory, const Clock& clock, int solver_threads)
      : pool_(pool), directory_(directory), clock_(clock), solver_threads_(solver_threads) {}

  absl::StatusOr<v1::Programme> CreateProgramme(const CallContext& call, v1::Programme programme);
  absl::StatusOr<v1::Programme> GetProgramme(const CallContext& call, const std::string& programme_id);
  absl::StatusOr<v1::Programme> UpdateProgramme(const CallContext& call, v1::Programme programme, int64_t expected);
  absl::StatusOr<std::vector<v1::Programme>> ListProgrammes(const CallContext& call);

  absl::StatusOr<v1::Enrollment> Enroll(const CallContext& call, v1::Enrollment enrollment);
  absl::Status WithdrawEnrollment(const CallContext& call, const v1::WithdrawEnrollmentRequest& request);
  absl::StatusOr<std::vector<v1::Enrollment>> ListEnrollments(const CallContext& call,
                                                              const v1::ListEnrollmentsRequest& request);

  absl::StatusOr<v1::RecommendResponse> RecommendMentors(const CallContext& call, const v1::RecommendRequest& request);
  absl::StatusOr<v1::RecommendResponse> RecommendMentees(const CallContext& call, const v1::RecommendRequest& request);

  absl::StatusOr<v1::MatchDraft> RunCohortMatching(const CallContext& call, const std::string& programme_id);
  absl::StatusOr<v1::MatchDraft> GetDraft(const CallContext& call, const v1::GetDraftRequest& request);
  absl::StatusOr<v1::MatchDraft> EditDraft(const CallContext& call, const v1::EditDraftRequest& request);
  absl::StatusOr<v1::MatchDraft> PublishDraft(const CallContext& call, const std::string& draft_id, int64_t expected);
  absl::StatusOr<v1::MatchDraft> DiscardDraft(const CallContext& call, const std::string& draft_id, int64_t expected);

  absl::StatusOr<v1::MentorshipRequest> CreateRequest(const CallContext& call, v1::MentorshipRequest request);
  absl::StatusOr<v1::MentorshipRequest> AcceptRequest(const CallContext& call, const std::string& request_id);
  absl::StatusOr<v1::MentorshipRequest> DeclineRequest(const CallContext& call, const std::string& request_id,
                                                       const std::string& reason);
  absl::StatusOr<v1::MentorshipRequest> WithdrawRequest(const CallContext& call, const std::string& request_id);
  absl::StatusOr<std::vector<v1::MentorshipRequest>> ListRequests(const CallContext& call,
                                                                  const v1::ListRequestsRequest& request);

  absl::StatusOr<v1::Relationship> GetRelationship(const CallContext& call, const std::string& id,
                                                   v1::RelationshipView view);
  absl::StatusOr<std::vector<v1::Relationship>> ListRelationships(const CallContext& call,
                                                                  const v1::ListRelationshipsRequest& request);
  absl::StatusOr<v1::Relationship> AcceptAgreement(const CallContext& call, const v1::AcceptAgreementRequest& request);
  absl::StatusOr<v1::Relationship> DeclineMatch(const CallContext& call, const v1::DeclineMatchRequest& request);
  absl::StatusOr<v1::Relationship> ProposeAmendment(const CallContext& call,
                                                    const v1::ProposeAmendmentRequest& request);
  absl::StatusOr<v1::Relationship> Pause(const CallContext& call, const v1::PauseRelationshipRequest& request);
  absl::StatusOr<v1::Relationship> Resume(const CallContext& call, const v1::RelationshipCommand& request);
  absl::StatusOr<v1::Relationship> Close(const CallContext& call, const v1::CloseRelationshipRequest& request);
  absl::StatusOr<v1::Relationship> MoveToAlumni(const CallContext& call, const v1::RelationshipCommand& request);

  absl::StatusOr<std::vector<v1::RematchOffer>> ListRematchOffers(const CallContext& call,
                                                                  const std::string& mentee_id);

  // Consumed events: profile.* keep the read model (fetching facts from `profiles`) and
  // close a departed person's relationships; rapport.at_risk raises a rematch offer.
  absl::Status OnEvent(pg::Transaction& txn, const events::v1::EventEnvelope& event, const ProfilesSource& profiles);

 private:
  struct Seats;
  struct Pool;
  using Mutation = std::function<absl::Status(v1::Relationship&, Party, std::vector<events::v1::EventEnvelope>&)>;
  using RequestMutation =
      std::function<absl::Status(pg::Transaction&, v1::MentorshipRequest&, std::vector<events::v1::EventEnvelope>&)>;
  using DraftMutation = std::function<absl::Status(pg::Transaction&, v1::MatchDraft&)>;
  // A pending request answered by `who` (its version already bumped for the events).
  absl::StatusOr<v1::MentorshipRequest> AnswerRequest(const CallContext& call, const std::string& request_id, Party who,
                                                      const RequestMutation& mutation);
  // An open draft changed by an admin, at the expected version; `action` names it in errors.
  absl::StatusOr<v1::MatchDraft> ChangeDraft(const CallContext& call, const std::string& draft_id, int64_t expected,
                                             const char* action, const DraftMutation& mutation);
  absl::StatusOr<v1::Relationship> Mutate(const CallContext& call, const std::string& id, int64_t expected,
                                          const Mutation& mutation);
  absl::StatusOr<v1::RecommendResponse> Recommend(const CallContext& call, const v1::RecommendRequest& request,
                                                  bool mentors_for_mentee);
  absl::StatusOr<std::vector<v1::Recommendation>> RecommendationsFor(const v1::Programme& programme,
                                                                     const std::string& mentee_id, int limit,
                                                                     v1::RecommendResponse* diagnostics,
                                                                     const std::string& being_replaced = "");

  // The programme's enrolled mentors with a free seat, as PeopleIndex indexes: cached per
  // programme, rebuilt when the roster or the people snapshot changed, or after 2 s (seats).
  absl::StatusOr<std::shared_ptr<const std::vector<int32_t>>> AvailableMentors(
      const std::string& programme_id, const std::shared_ptr<const PeopleIndex>& people);

  pg::Pool& pool_;
  Directory& directory_;
  const Clock& clock_;
  int solver_threads_;

  struct MentorPool {
    std::shared_ptr<const PeopleIndex> people;
    int64_t roster_version = -1;
    absl::Time built_at;
    std::shared_ptr<const std::vector<int32_t>> mentors;
  };
  absl::Mutex pools_mu_;
  std::map<std::string, MentorPool> pools_ ABSL_GUARDED_BY(pools_mu_);
};

}  // namespace mentoring::matching
