#include "http_errors.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include "mentoring/runtime/errors.h"

namespace mentoring::gateway {

int HttpStatusOf(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk:
      return 200;
    case absl::StatusCode::kInvalidArgument:
      return 400;
    case absl::StatusCode::kOutOfRange:
      return 400;
    case absl::StatusCode::kUnauthenticated:
      return 401;
    case absl::StatusCode::kPermissionDenied:
      return 403;
    case absl::StatusCode::kNotFound:
      return 404;
    case absl::StatusCode::kAlreadyExists:
      return 409;
    case absl::StatusCode::kAborted:
      return 409;  // a version conflict: re-read and retry
    case absl::StatusCode::kFailedPrecondition:
      return 422;  // the request is understood but the state forbids it
    case absl::StatusCode::kResourceExhausted:
      return 429;
    case absl::StatusCode::kCancelled:
      return 499;
    case absl::StatusCode::kUnimplemented:
      return 501;
    case absl::StatusCode::kUnavailable:
      return 503;
    case absl::StatusCode::kDeadlineExceeded:
      return 504;
    default:
      return 500;
  }
}

std::string ErrorBody(const absl::Status& status, const std::string& request_id, int http_status) {
  const bool internal = HttpStatusOf(status.code()) == 500;
  google::protobuf::Struct error;
  auto& f = *error.mutable_fields();
  f["code"].set_number_value(http_status != 0 ? http_status : HttpStatusOf(status.code()));
  f["status"].set_string_value(internal ? "INTERNAL" : absl::StatusCodeToString(status.code()));
  // Messages may quote what a client sent (or a service said): never let it break the JSON.
  f["message"].set_string_value(internal ? "internal error" : errors::ValidUtf8(status.message()));
  f["requestId"].set_string_value(request_id);
  const auto details = errors::DetailsOf(status);
  if (!internal && !details.reason().empty()) f["reason"].set_string_value(details.reason());
  auto* violations = f["fieldViolations"].mutable_list_value();
  if (!internal) {
    for (const auto& v : details.field_violations()) {
      auto& entry = *violations->add_values()->mutable_struct_value()->mutable_fields();
      entry["field"].set_string_value(errors::ValidUtf8(v.field()));
      entry["rule"].set_string_value(errors::ValidUtf8(v.rule()));
      entry["description"].set_string_value(errors::ValidUtf8(v.description()));
    }
  }
  google::protobuf::Struct body;
  *(*body.mutable_fields())["error"].mutable_struct_value() = std::move(error);
  std::string json;
  (void)google::protobuf::util::MessageToJsonString(body, &json);
  return json;
}

}  // namespace mentoring::gateway
