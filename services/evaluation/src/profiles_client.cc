#include "profiles_client.h"

#include "mentoring/runtime/errors.h"
#include "mentoring/runtime/grpc_status.h"
#include "mentoring/runtime/server.h"

namespace mentoring::evaluation {

ProfilesClient::ProfilesClient(std::shared_ptr<grpc::Channel> channel, const InternalTokenSigner& signer,
                               absl::Duration deadline)
    : stub_(profiles::v1::ProfilesService::NewStub(std::move(channel))), signer_(signer), deadline_(deadline) {}

absl::StatusOr<profiles::v1::Goal> ProfilesClient::Goal(const CallContext& call, const std::string& person_id,
                                                        const std::string& goal_id) const {
  // Evaluation reads goals as a service: it sees the whole profile.
  auto token = signer_.Sign(Caller{.id = "evaluation", .roles = {roles::kService}});
  if (!token.ok()) return token.status();
  auto ctx = OutboundContext(deadline_, *token, &call.trace, call.request_id);
  profiles::v1::GetPersonRequest request;
  request.set_person_id(person_id);
  profiles::v1::Person person;
  if (grpc::Status status = stub_->GetPerson(ctx.get(), request, &person); !status.ok()) {
    return errors::FromGrpcStatus(status);
  }
  for (const auto& goal : person.goals()) {
    if (goal.goal_id() == goal_id) return goal;
  }
  return errors::NotFound("goal", goal_id);
}

absl::Status ProfilesClient::SetStatus(const CallContext& call, const std::string& person_id,
                                       const std::string& goal_id, common::v1::GoalStatus status) const {
  auto token = signer_.Sign(Caller{.id = "evaluation", .roles = {roles::kService}});
  if (!token.ok()) return token.status();
  auto ctx = OutboundContext(deadline_, *token, &call.trace, call.request_id);
  profiles::v1::SetGoalStatusRequest request;
  request.set_person_id(person_id);
  request.set_goal_id(goal_id);
  request.set_status(status);
  profiles::v1::Person person;
  if (grpc::Status set = stub_->SetGoalStatus(ctx.get(), request, &person); !set.ok()) {
    return errors::FromGrpcStatus(set);
  }
  return absl::OkStatus();
}

}  // namespace mentoring::evaluation
