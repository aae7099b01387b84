#pragma once
// HTTP ⇄ protobuf for a matched route, in the protobuf JSON mapping (lowerCamelCase names,
// enums by name). The request message is built from the JSON body, then the query string,
// then the path variables (which win: the URL names the resource).
#include <absl/status/status.h>
#include <absl/status/statusor.h>
#include <google/protobuf/message.h>

#include <string>
#include <string_view>

#include "route_table.h"

namespace mentoring::gateway {

struct TranscodeLimits {
  int max_json_depth = 32;  // deeper bodies are refused before parsing (stack safety)
};

// INVALID_ARGUMENT with field violations naming what is wrong: malformed JSON or UTF-8, an
// unknown field, a wrong type, too deep, a query parameter that names no field.
absl::Status BuildRequest(const RouteMatch& match, std::string_view query, std::string_view body,
                          google::protobuf::Message& request, const TranscodeLimits& limits = {});

// Whether a field may be given as a query parameter: a scalar or enum (repeated ones by
// repeating the parameter), or a timestamp or duration in its JSON text form.
bool IsQueryParameter(const google::protobuf::FieldDescriptor& field);

// The response body (protobuf JSON mapping; default values omitted).
absl::StatusOr<std::string> ToJson(const google::protobuf::Message& message);

// "%2F" → "/", "+" kept (in a path "+" is itself; a query passes plus_is_space). Invalid
// escapes are INVALID_ARGUMENT.
absl::StatusOr<std::string> PercentDecode(std::string_view text, bool plus_is_space = false);
// A query string's name or value as browsers and clients (Python requests, curl
// --data-urlencode) write it: "+" is a space ("Human+Resources"), "%2B" a plus.
absl::StatusOr<std::string> QueryDecode(std::string_view text);

}  // namespace mentoring::gateway
