#pragma once
// The one mapping between domain errors (absl::Status carrying ErrorDetails, errors.h) and
// gRPC statuses, for the adapters and for clients of other services. Domain code never
// includes this header.
#include <absl/status/status.h>
#include <grpcpp/support/status.h>

#include "mentoring/common/v1/common.pb.h"
#include "mentoring/runtime/errors.h"

namespace mentoring::errors {

// The ErrorDetails a gRPC status carries in its grpc-status-details-bin trailer.
mentoring::common::v1::ErrorDetails DetailsOf(const grpc::Status& status);

// Domain status → gRPC status. INTERNAL and UNKNOWN lose their message (logged by the
// adapter) so internal details never leak to clients. The trailer holds a google.rpc.Status
// with the ErrorDetails packed in it.
grpc::Status ToGrpcStatus(const absl::Status& status);
// gRPC status → domain status, keeping the ErrorDetails.
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace mentoring::errors
