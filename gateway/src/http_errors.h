#pragma once
// The one place a gRPC status becomes an HTTP status and the JSON error body clients see:
// {"error": {"code": 400, "status": "INVALID_ARGUMENT", "message": "...", "requestId": "...",
//            "fieldViolations": [{"field", "rule", "description"}]}}.
// Internal errors say only "internal error" (the cause goes to the log, never the client).
#include <absl/status/status.h>

#include <string>

namespace mentoring::gateway {

int HttpStatusOf(absl::StatusCode code);
std::string ErrorBody(const absl::Status& status, const std::string& request_id);

}  // namespace mentoring::gateway
