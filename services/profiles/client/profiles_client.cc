#include "profiles_client.h"

#include "mentoring/runtime/grpc_status.h"
#include "mentoring/runtime/server.h"

namespace mentoring::profiles {

ProfilesClient::ProfilesClient(std::shared_ptr<grpc::Channel> channel, const InternalTokenSigner& signer,
                               std::string caller, absl::Duration deadline)
    : stub_(v1::ProfilesService::NewStub(std::move(channel))),
      signer_(signer),
      caller_(std::move(caller)),
      deadline_(deadline) {}

absl::StatusOr<std::string> ProfilesClient::Token() const {
  return signer_.Sign(Caller{.id = caller_, .roles = {roles::kService}});
}

absl::StatusOr<v1::Person> ProfilesClient::Fetch(const std::string& person_id) const {
  auto token = Token();
  if (!token.ok()) return token.status();
  auto ctx = OutboundContext(deadline_, *token, nullptr);
  v1::GetPersonRequest request;
  request.set_person_id(person_id);
  v1::Person person;
  grpc::Status status = stub_->GetPerson(ctx.get(), request, &person);
  if (!status.ok()) return errors::FromGrpcStatus(status);
  return person;
}

absl::Status ProfilesClient::SetGoalStatus(const std::string& person_id, const std::string& goal_id,
                                           common::v1::GoalStatus status, const TraceContext* parent,
                                           const std::string& request_id) const {
  auto token = Token();
  if (!token.ok()) return token.status();
  auto ctx = OutboundContext(deadline_, *token, parent, request_id);
  v1::SetGoalStatusRequest request;
  request.set_person_id(person_id);
  request.set_goal_id(goal_id);
  request.set_status(status);
  v1::Person person;
  grpc::Status set = stub_->SetGoalStatus(ctx.get(), request, &person);
  if (!set.ok()) return errors::FromGrpcStatus(set);
  return absl::OkStatus();
}

absl::StatusOr<int64_t> ProfilesClient::ForEachBatch(
    const std::function<absl::Status(const std::vector<v1::Person>&)>& take) const {
  auto token = Token();
  if (!token.ok()) return token.status();
  // A whole directory takes a while; the deadline bounds a stuck stream, not a long one.
  auto ctx = OutboundContext(absl::Minutes(10), *token, nullptr);
  v1::ListPeopleRequest request;
  request.set_include_departed(true);
  auto reader = stub_->ListPeople(ctx.get(), request);
  constexpr size_t kBatch = 500;
  std::vector<v1::Person> batch;
  int64_t taken = 0;
  const auto flush = [&]() -> absl::Status {
    auto status = take(batch);
    taken += static_cast<int64_t>(batch.size());
    batch.clear();
    return status;
  };
  v1::Person person;
  while (reader->Read(&person)) {
    batch.push_back(std::move(person));
    if (batch.size() == kBatch) {
      if (auto flushed = flush(); !flushed.ok()) {
        ctx->TryCancel();
        reader->Finish().ok();
        return flushed;
      }
    }
  }
  grpc::Status finished = reader->Finish();
  if (!finished.ok()) return errors::FromGrpcStatus(finished);
  if (!batch.empty()) {
    if (auto flushed = flush(); !flushed.ok()) return flushed;
  }
  return taken;
}

}  // namespace mentoring::profiles
