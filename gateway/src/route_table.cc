#include "route_table.h"

#include <absl/strings/str_cat.h>
#include <absl/strings/str_split.h>

#include <algorithm>
#include <optional>
#include <set>

#include "mentoring/api/v1/http.pb.h"

namespace mentoring::gateway {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;

// The field a dotted path names, walking message fields; nullptr when there is none.
const FieldDescriptor* FieldAt(const Descriptor& message, const std::vector<std::string>& path) {
  const Descriptor* current = &message;
  const FieldDescriptor* field = nullptr;
  for (size_t i = 0; i < path.size(); ++i) {
    if (current == nullptr) return nullptr;
    field = current->FindFieldByName(path[i]);
    if (field == nullptr || field->is_repeated()) return nullptr;
    current = field->type() == FieldDescriptor::TYPE_MESSAGE ? field->message_type() : nullptr;
  }
  return field;
}

// An upload streams into its method: the first message carries the parameters (a message
// field, from the query string), each later one a chunk of the body (a bytes field). The
// path binds nothing: every stream message would have to repeat it.
absl::Status CheckUpload(const Route& route, const Descriptor& input) {
  if (route.verb != "POST" && route.verb != "PUT") return absl::InvalidArgumentError("an upload is a POST or a PUT");
  for (const auto& segment : route.segments) {
    if (segment.variable) return absl::InvalidArgumentError("an upload's path binds no variables");
  }
  const FieldDescriptor* params = input.FindFieldByName(route.upload_params);
  if (params == nullptr || params->type() != FieldDescriptor::TYPE_MESSAGE || params->is_repeated()) {
    return absl::InvalidArgumentError("upload_params '" + route.upload_params +
                                      "' is not a message field of the request");
  }
  const FieldDescriptor* data = input.FindFieldByName(route.body);
  if (data == nullptr || data->type() != FieldDescriptor::TYPE_BYTES || data->is_repeated()) {
    return absl::InvalidArgumentError("body '" + route.body + "' of an upload is not a bytes field of the request");
  }
  return absl::OkStatus();
}

// The body: an upload's shape, or a message field of the request (or "*", or none).
absl::Status CheckBody(const Route& route, const Descriptor& input) {
  if (route.upload()) return CheckUpload(route, input);
  if (!route.body.empty() && route.body != "*") {
    const FieldDescriptor* field = input.FindFieldByName(route.body);
    if (field == nullptr || field->type() != FieldDescriptor::TYPE_MESSAGE || field->is_repeated()) {
      return absl::InvalidArgumentError("body '" + route.body + "' is not a message field of the request");
    }
  }
  if ((route.verb == "GET" || route.verb == "DELETE") && !route.body.empty()) {
    return absl::InvalidArgumentError(route.verb + " routes take no body");
  }
  return absl::OkStatus();
}

// A non-JSON answer: one string or bytes field of the response is the whole body, and the
// content type it goes out with is part of the contract (a header value: printable ASCII).
absl::Status CheckResponseBody(const Route& route, const Descriptor& output) {
  if (route.response_body.empty()) {
    if (route.response_content_type.empty()) return absl::OkStatus();
    return absl::InvalidArgumentError("response_content_type without a response_body");
  }
  const FieldDescriptor* field = output.FindFieldByName(route.response_body);
  if (field == nullptr || field->cpp_type() != FieldDescriptor::CPPTYPE_STRING || field->is_repeated()) {
    return absl::InvalidArgumentError("response_body '" + route.response_body + "' is not a string or bytes field of " +
                                      output.full_name());
  }
  if (route.response_content_type.empty()) {
    return absl::InvalidArgumentError("response_body '" + route.response_body + "' needs a response_content_type");
  }
  const bool printable = std::all_of(route.response_content_type.begin(), route.response_content_type.end(),
                                     [](char c) { return c >= 0x20 && c < 0x7f; });
  if (!printable || route.response_content_type.find('/') == std::string::npos) {
    return absl::InvalidArgumentError("response_content_type '" + route.response_content_type +
                                      "' is not a media type");
  }
  return absl::OkStatus();
}

// A capability URL: the request proves itself with what its path holds, so the path must
// hold something (a variable), and nothing else may carry the request (no body, no upload).
// Roles would say a bearer token is checked, which it is not.
absl::Status CheckCapability(const Route& route) {
  if (!route.capability_url) return absl::OkStatus();
  if (route.upload()) return absl::InvalidArgumentError("a capability_url route cannot be an upload");
  if (std::none_of(route.segments.begin(), route.segments.end(),
                   [](const PathSegment& segment) { return segment.variable; })) {
    return absl::InvalidArgumentError("a capability_url route needs a path variable to hold the capability");
  }
  if (!route.body.empty()) return absl::InvalidArgumentError("a capability_url route takes no body");
  if (!route.roles.empty()) {
    return absl::InvalidArgumentError("a capability_url route has no roles: no bearer token is checked");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Route> ParseRoute(std::string verb, std::string path_template, const Descriptor& request) {
  Route route;
  route.verb = std::move(verb);
  route.path_template = path_template;
  if (path_template.empty() || path_template[0] != '/') {
    return absl::InvalidArgumentError(absl::StrCat("path template '", path_template, "' must start with /"));
  }
  std::string_view path = path_template;
  path.remove_prefix(1);
  // A custom verb follows the last segment: ".../{id}:deactivate" or "/v1/people:batchGet".
  const size_t last_slash = path.rfind('/');
  const size_t colon = path.find(':', last_slash == std::string_view::npos ? 0 : last_slash);
  if (colon != std::string_view::npos) {
    route.custom_verb = std::string(path.substr(colon + 1));
    path = path.substr(0, colon);
    if (route.custom_verb.empty()) return absl::InvalidArgumentError("empty custom verb in " + path_template);
  }
  for (absl::string_view piece : absl::StrSplit(absl::string_view(path.data(), path.size()), '/')) {
    PathSegment segment;
    if (piece.empty()) return absl::InvalidArgumentError("empty segment in " + path_template);
    if (piece.front() == '{') {
      if (piece.back() != '}' || piece.size() < 3)
        return absl::InvalidArgumentError("bad variable in " + path_template);
      segment.variable = true;
      segment.field_path = absl::StrSplit(piece.substr(1, piece.size() - 2), '.');
      const FieldDescriptor* field = FieldAt(request, segment.field_path);
      if (field == nullptr || field->type() != FieldDescriptor::TYPE_STRING) {
        return absl::InvalidArgumentError(absl::StrCat(path_template, ": {", piece.substr(1, piece.size() - 2),
                                                       "} is not a string field of ", request.full_name()));
      }
    } else {
      segment.literal = std::string(piece);
    }
    route.segments.push_back(std::move(segment));
  }
  return route;
}

absl::StatusOr<RouteTable> RouteTable::FromServices(
    const std::vector<const google::protobuf::ServiceDescriptor*>& services) {
  RouteTable table;
  std::set<std::pair<std::string, std::string>> seen;
  for (const auto* service : services) {
    for (int m = 0; m < service->method_count(); ++m) {
      const auto* method = service->method(m);
      if (!method->options().HasExtension(api::v1::http)) continue;
      const std::string where = method->full_name();
      const api::v1::HttpRule& rule = method->options().GetExtension(api::v1::http);
      const bool upload = !rule.upload_params().empty();
      if (method->server_streaming() || method->client_streaming() != upload) {
        return absl::InvalidArgumentError(
            where + ": only unary methods, and client-streaming ones with upload_params, can be routes");
      }
      std::string verb, path;
      switch (rule.pattern_case()) {
        case api::v1::HttpRule::kGet:
          verb = "GET";
          path = rule.get();
          break;
        case api::v1::HttpRule::kPost:
          verb = "POST";
          path = rule.post();
          break;
        case api::v1::HttpRule::kPut:
          verb = "PUT";
          path = rule.put();
          break;
        case api::v1::HttpRule::kPatch:
          verb = "PATCH";
          path = rule.patch();
          break;
        case api::v1::HttpRule::kDelete:
          verb = "DELETE";
          path = rule.delete_();
          break;
        default:
          return absl::InvalidArgumentError(where + ": the http option names no verb");
      }
      auto route = ParseRoute(verb, path, *method->input_type());
      if (!route.ok()) return absl::InvalidArgumentError(absl::StrCat(where, ": ", route.status().message()));
      route->body = rule.body();
      route->upload_params = rule.upload_params();
      route->summary = rule.summary();
      route->roles.assign(rule.roles().begin(), rule.roles().end());
      route->capability_url = rule.capability_url();
      route->response_body = rule.response_body();
      route->response_content_type = rule.response_content_type();
      // The capability first: a capability upload is refused as that, whatever its shape.
      for (const absl::Status& valid : {CheckCapability(*route), CheckBody(*route, *method->input_type()),
                                        CheckResponseBody(*route, *method->output_type())}) {
        if (!valid.ok()) return absl::InvalidArgumentError(absl::StrCat(where, ": ", valid.message()));
      }
      // By default the people the API is for; HR integrations and analytics viewers reach
      // only what names them explicitly (HR imports, dashboards). A capability route has
      // no caller to gate.
      if (route->roles.empty() && !route->capability_url) route->roles = {"employee", "programme_admin"};
      route->method = method;
      route->grpc_method = absl::StrCat("/", service->full_name(), "/", method->name());
      if (!seen.emplace(verb, path).second)
        return absl::InvalidArgumentError(where + ": " + verb + " " + path + " is taken");
      table.routes_.push_back(std::move(*route));
    }
  }
  return table;
}

void RouteTable::ForEachRouteOf(std::string_view path, const std::function<bool(RouteMatch)>& visit) const {
  if (path.empty() || path[0] != '/') return;
  std::string_view rest = path.substr(1);
  std::string custom_verb;
  const size_t last_slash = rest.rfind('/');
  const size_t colon = rest.find(':', last_slash == std::string_view::npos ? 0 : last_slash);
  if (colon != std::string_view::npos) {
    custom_verb = std::string(rest.substr(colon + 1));
    rest = rest.substr(0, colon);
  }
  const std::vector<absl::string_view> pieces = absl::StrSplit(absl::string_view(rest.data(), rest.size()), '/');
  for (const Route& route : routes_) {
    if (route.segments.size() != pieces.size() || route.custom_verb != custom_verb) continue;
    RouteMatch match{&route, {}};
    bool fits = true;
    for (size_t i = 0; i < pieces.size() && fits; ++i) {
      const PathSegment& segment = route.segments[i];
      if (pieces[i].empty()) {
        fits = false;
      } else if (segment.variable) {
        match.bindings.emplace_back(segment.field_path, std::string(pieces[i]));
      } else {
        fits = segment.literal == pieces[i];
      }
    }
    if (fits && !visit(std::move(match))) return;
  }
}

absl::StatusOr<RouteMatch> RouteTable::Match(std::string_view verb, std::string_view path) const {
  std::optional<RouteMatch> found;
  bool path_known = false;
  ForEachRouteOf(path, [&](RouteMatch match) {
    path_known = true;
    if (match.route->verb != verb) return true;
    found = std::move(match);
    return false;
  });
  if (found) return *std::move(found);
  if (path_known) return absl::FailedPreconditionError("method not allowed");
  return absl::NotFoundError("no such resource");
}

std::vector<std::string> RouteTable::AllowedVerbs(std::string_view path) const {
  std::set<std::string> verbs;
  ForEachRouteOf(path, [&](RouteMatch match) {
    verbs.insert(match.route->verb);
    return true;
  });
  return {verbs.begin(), verbs.end()};
}

}  // namespace mentoring::gateway
