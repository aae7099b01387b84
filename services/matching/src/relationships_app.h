#pragma once
// Use cases of relationships: reading them as the caller may see them, and the lifecycle
// (accepting the agreement or an amendment, declining a match, proposing an amendment,
// pausing, resuming, closing, moving to alumni), each a versioned change with its event.
#include <absl/status/statusor.h>

#include <functional>
#include <string>
#include <vector>

#include "matching_rules.h"
#include "mentoring/events/v1/envelope.pb.h"
#include "mentoring/matching/v1/matching.pb.h"
#include "mentoring/runtime/call_context.h"
#include "mentoring/runtime/clock.h"
#include "mentoring/runtime/postgres.h"
#include "relationship_store.h"
#include "rematch_store.h"

namespace mentoring::matching {

class RelationshipsApp {
 public:
  RelationshipsApp(pg::Pool& pool, const Clock& clock) : pool_(pool), clock_(clock) {}

  absl::StatusOr<v1::Relationship> GetRelationship(const CallContext& call, const v1::GetRelationshipRequest& request);
  absl::StatusOr<v1::ListRelationshipsResponse> ListRelationships(const CallContext& call,
                                                                  const v1::ListRelationshipsRequest& request);
  absl::StatusOr<v1::Relationship> AcceptAgreement(const CallContext& call, const v1::AcceptAgreementRequest& request);
  absl::StatusOr<v1::Relationship> DeclineMatch(const CallContext& call, const v1::DeclineMatchRequest& request);
  absl::StatusOr<v1::Relationship> ProposeAmendment(const CallContext& call,
                                                    const v1::ProposeAmendmentRequest& request);
  absl::StatusOr<v1::Relationship> PauseRelationship(const CallContext& call,
                                                     const v1::PauseRelationshipRequest& request);
  absl::StatusOr<v1::Relationship> ResumeRelationship(const CallContext& call, const v1::RelationshipCommand& request);
  absl::StatusOr<v1::Relationship> CloseRelationship(const CallContext& call,
                                                     const v1::CloseRelationshipRequest& request);
  absl::StatusOr<v1::Relationship> MoveToAlumni(const CallContext& call, const v1::RelationshipCommand& request);

 private:
  using Mutation = std::function<absl::Status(v1::Relationship&, Party, std::vector<events::v1::EventEnvelope>&)>;
  // Changes a relationship under its row lock, for one of its two people or an admin, at
  // the expected version (0: any); returns it as the caller may see it.
  absl::StatusOr<v1::Relationship> Mutate(const CallContext& call, const std::string& relationship_id, int64_t expected,
                                          const Mutation& mutation);

  pg::Pool& pool_;
  const Clock& clock_;
  RelationshipStore relationships_;
  RematchStore rematches_;
};

}  // namespace mentoring::matching
