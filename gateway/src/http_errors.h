#pragma once
// The one place a gRPC status becomes an HTTP status and the JSON error body clients see:
// {"error": {"code": 400, "status": "INVALID_ARGUMENT", "message": "...", "requestId": "...",
//            "fieldViolations": [{"field", "rule", "description"}]}}.
// Internal errors say only "internal error" (the cause goes to the log, never the client).
#include <absl/status/status.h>

#include <string>

namespace mentoring::gateway {

int HttpStatusOf(absl::StatusCode code);
// `http_status` overrides the mapped code in the body (e.g. 405, which has no gRPC twin).
std::string ErrorBody(const absl::Status& status, const std::string& request_id, int http_status = 0);

}  // namespace mentoring::gateway
