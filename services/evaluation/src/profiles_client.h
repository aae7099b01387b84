#pragma once
// The profiles service over gRPC, as evaluation's book of goals.
#include <absl/time/time.h>
#include <grpcpp/grpcpp.h>

#include <memory>

#include "goal_book.h"
#include "mentoring/profiles/v1/profiles.grpc.pb.h"
#include "mentoring/runtime/identity.h"

namespace mentoring::evaluation {

class ProfilesClient final : public GoalBook {
 public:
  ProfilesClient(std::shared_ptr<grpc::Channel> channel, const InternalTokenSigner& signer,
                 absl::Duration deadline = absl::Seconds(3));

  absl::StatusOr<profiles::v1::Goal> Goal(const CallContext& call, const std::string& person_id,
                                          const std::string& goal_id) const override;
  absl::Status SetStatus(const CallContext& call, const std::string& person_id, const std::string& goal_id,
                         common::v1::GoalStatus status) const override;

 private:
  std::unique_ptr<profiles::v1::ProfilesService::Stub> stub_;
  const InternalTokenSigner& signer_;
  absl::Duration deadline_;
};

}  // namespace mentoring::evaluation
