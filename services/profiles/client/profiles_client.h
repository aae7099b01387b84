#pragma once
// The profiles service over gRPC, for the services that keep people's facts (matching,
// scheduling) or act on their goals (evaluation). Calls are made as `caller`, a service.
#include <absl/time/time.h>
#include <grpcpp/grpcpp.h>

#include <memory>

#include "mentoring/profiles/v1/profiles.grpc.pb.h"
#include "mentoring/runtime/identity.h"
#include "mentoring/runtime/tracing.h"
#include "people_source.h"

namespace mentoring::profiles {

class ProfilesClient final : public PeopleSource {
 public:
  ProfilesClient(std::shared_ptr<grpc::Channel> channel, const InternalTokenSigner& signer, std::string caller,
                 absl::Duration deadline = absl::Seconds(3));

  absl::StatusOr<v1::Person> Fetch(const std::string& person_id) const override;
  // Streams ListPeople in batches of 500.
  absl::StatusOr<int64_t> ForEachBatch(
      const std::function<absl::Status(const std::vector<v1::Person>&)>& take) const override;
  // Sets the status of one of the person's goals (evaluation: a goal achieved or dropped);
  // NOT_FOUND for an unknown person or goal. Continues the caller's trace when given.
  absl::Status SetGoalStatus(const std::string& person_id, const std::string& goal_id, common::v1::GoalStatus status,
                             const TraceContext* parent = nullptr, const std::string& request_id = "") const;

 private:
  absl::StatusOr<std::string> Token() const;

  std::unique_ptr<v1::ProfilesService::Stub> stub_;
  const InternalTokenSigner& signer_;
  std::string caller_;
  absl::Duration deadline_;
};

}  // namespace mentoring::profiles
