#pragma once
// The mentee's goals from the profiles service, through its shared client
// (services/profiles/client): the GoalBook the use cases see.
#include "goal_book.h"
#include "profiles_client.h"

namespace mentoring::evaluation {

class ProfilesGoals final : public GoalBook {
 public:
  explicit ProfilesGoals(const profiles::ProfilesClient& client) : client_(client) {}

  absl::StatusOr<profiles::v1::Goal> Goal(const CallContext& call, const std::string& person_id,
                                          const std::string& goal_id) const override;
  absl::Status SetStatus(const CallContext& call, const std::string& person_id, const std::string& goal_id,
                         common::v1::GoalStatus status) const override;

 private:
  const profiles::ProfilesClient& client_;
};

}  // namespace mentoring::evaluation
