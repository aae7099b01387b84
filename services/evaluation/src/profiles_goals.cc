#include "profiles_goals.h"

#include "mentoring/runtime/errors.h"

namespace mentoring::evaluation {

absl::StatusOr<profiles::v1::Goal> ProfilesGoals::Goal(const CallContext&, const std::string& person_id,
                                                       const std::string& goal_id) const {
  // Read as a service: the whole profile, goals included.
  auto person = client_.Fetch(person_id);
  if (!person.ok()) return person.status();
  for (const auto& goal : person->goals()) {
    if (goal.goal_id() == goal_id) return goal;
  }
  return errors::NotFound("goal", goal_id);
}

absl::Status ProfilesGoals::SetStatus(const CallContext& call, const std::string& person_id, const std::string& goal_id,
                                      common::v1::GoalStatus status) const {
  return client_.SetGoalStatus(person_id, goal_id, status, &call.trace, call.request_id);
}

}  // namespace mentoring::evaluation
