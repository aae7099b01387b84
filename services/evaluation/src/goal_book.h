#pragma once
// The mentee's goals as evaluation needs them: profiles owns goals, evaluation reads one to
// check it belongs to the mentee and sets its status when it is achieved or dropped. The use
// cases see this; ProfilesClient is its gRPC implementation (tests use a fake).
#include <absl/status/status.h>
#include <absl/status/statusor.h>

#include <string>

#include "mentoring/profiles/v1/profiles.pb.h"
#include "mentoring/runtime/call_context.h"

namespace mentoring::evaluation {

class GoalBook {
 public:
  virtual ~GoalBook() = default;
  // The person's goal; NOT_FOUND when the person or the goal is unknown.
  virtual absl::StatusOr<profiles::v1::Goal> Goal(const CallContext& call, const std::string& person_id,
                                                  const std::string& goal_id) const = 0;
  virtual absl::Status SetStatus(const CallContext& call, const std::string& person_id, const std::string& goal_id,
                                 common::v1::GoalStatus status) const = 0;
};

}  // namespace mentoring::evaluation
