#pragma once
// Use cases of goal progress: the pair records observations against the mentee's goals in
// the agreement's focus areas (with an evidence note only the pair reads); a goal achieved
// or dropped has its status set in profiles, which owns goals.
#include <absl/status/statusor.h>

#include "assessor.h"
#include "goal_book.h"
#include "mentoring/runtime/call_context.h"
#include "mentoring/runtime/postgres.h"
#include "progress_store.h"
#include "relationship_store.h"

namespace mentoring::evaluation {

class ProgressApp {
 public:
  ProgressApp(pg::Pool& pool, const GoalBook& goals, const Assessor& assessor)
      : pool_(pool), goals_(goals), assessor_(assessor) {}

  absl::StatusOr<v1::GoalProgress> RecordGoalProgress(const CallContext& call,
                                                      const v1::RecordGoalProgressRequest& request);
  absl::StatusOr<v1::ListGoalProgressResponse> ListGoalProgress(const CallContext& call,
                                                                const v1::ListGoalProgressRequest& request);

 private:
  pg::Pool& pool_;
  const GoalBook& goals_;
  const Assessor& assessor_;
  RelationshipStore relationships_;
  ProgressStore progress_;
};

}  // namespace mentoring::evaluation
