#pragma once
// Persistence of goal progress observations: the only code that knows the goal_observations
// table. The evidence note is the pair's; an erasure deletes what a person recorded and
// everything recorded about their goals.
#include <absl/status/statusor.h>

#include <optional>
#include <string>
#include <vector>

#include "evaluation_rules.h"
#include "mentoring/runtime/postgres.h"

namespace mentoring::evaluation {

class ProgressStore {
 public:
  absl::Status Insert(pg::Executor& db, const v1::GoalProgress& observation) const;
  // A relationship's observations (of one goal, when given), oldest first, after `after`
  // (recorded_at in microseconds, observation id).
  absl::StatusOr<std::vector<v1::GoalProgress>> OfRelationship(pg::Executor& db, const std::string& relationship_id,
                                                               const std::string& goal_id,
                                                               const std::optional<PageKey>& after, int limit) const;
  // The mean, over the goals observed in the relationship, of each one's latest progress.
  absl::StatusOr<std::optional<int>> MeanLatestProgress(pg::Executor& db, const std::string& relationship_id) const;
  absl::Status DeleteAllOf(pg::Executor& db, const std::string& person_id) const;
};

}  // namespace mentoring::evaluation
