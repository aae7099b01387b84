#include "mentoring/runtime/grpc_status.h"

#include "mentoring/common/v1/rpc_status.pb.h"

namespace mentoring::errors {

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  const auto code = static_cast<grpc::StatusCode>(status.code());
  if (status.code() == absl::StatusCode::kInternal || status.code() == absl::StatusCode::kUnknown) {
    return grpc::Status(grpc::StatusCode::INTERNAL, "internal error");
  }
  // The trailer holds a google.rpc.Status (standard for gRPC); ours is wire-identical.
  common::v1::RpcStatus rpc_status;
  rpc_status.set_code(static_cast<int32_t>(code));
  rpc_status.set_message(std::string(status.message()));
  rpc_status.add_details()->PackFrom(DetailsOf(status));
  return grpc::Status(code, std::string(status.message()), rpc_status.SerializeAsString());
}

common::v1::ErrorDetails DetailsOf(const grpc::Status& status) {
  common::v1::ErrorDetails details;
  common::v1::RpcStatus rpc_status;
  if (status.error_details().empty() || !rpc_status.ParseFromString(status.error_details())) return details;
  for (const auto& any : rpc_status.details()) {
    if (any.Is<common::v1::ErrorDetails>() && any.UnpackTo(&details)) break;
  }
  return details;
}

absl::Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  const common::v1::ErrorDetails details = DetailsOf(status);
  if (status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
    return absl::DeadlineExceededError(status.error_message());
  }
  return WithDetails(static_cast<absl::StatusCode>(status.error_code()), status.error_message(), details);
}

}  // namespace mentoring::errors
