#pragma once
// Persistence of periodic reviews: the only code that knows the reviews table (each kept as
// its Review, both answers and their comments inside, with the columns queries filter on).
// The database holds one open review per relationship.
#include <absl/status/statusor.h>
#include <absl/time/time.h>

#include <optional>
#include <string>
#include <vector>

#include "evaluation_rules.h"
#include "mentoring/runtime/store.h"

namespace mentoring::evaluation {

class ReviewStore : public pg::DocumentTable<v1::Review> {
 public:
  ReviewStore();

  // The relationship's open review, locked; nullopt when none is open.
  absl::StatusOr<std::optional<v1::Review>> OpenOf(pg::Transaction& txn, const std::string& relationship_id) const;
  // The relationship's latest review (the one health reads); nullopt when it has had none.
  absl::StatusOr<std::optional<v1::Review>> LatestOf(pg::Executor& db, const std::string& relationship_id) const;
  // A relationship's or a programme's reviews (of one state, when given), oldest first,
  // after `after` (opened_at in microseconds, review id).
  absl::StatusOr<std::vector<v1::Review>> OfRelationship(pg::Executor& db, const std::string& relationship_id,
                                                         v1::ReviewState state, const std::optional<PageKey>& after,
                                                         int limit) const;
  absl::StatusOr<std::vector<v1::Review>> OfProgramme(pg::Executor& db, const std::string& programme_id,
                                                      v1::ReviewState state, const std::optional<PageKey>& after,
                                                      int limit) const;
  // One open review unanswered past its second answer period, locked (other replicas skip
  // it); nullopt when there is none.
  absl::StatusOr<std::optional<v1::Review>> NextUndecided(pg::Transaction& txn, absl::Time now) const;
  // Every review of these relationships, locked (an erasure clears one party's answers).
  absl::StatusOr<std::vector<v1::Review>> OfRelationshipsForUpdate(pg::Transaction& txn,
                                                                   const std::vector<std::string>& ids) const;
  absl::StatusOr<int> CountUndecided(pg::Executor& db, const std::string& programme_id) const;
};

}  // namespace mentoring::evaluation
