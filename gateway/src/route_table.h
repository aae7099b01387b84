#pragma once
// The gateway's routes, generated from the services' protos: every unary method with a
// (mentoring.api.v1.http) option becomes one HTTP route, and so does every client-streaming
// method whose option names `upload_params` (an upload: the body is streamed into it). Nothing here is written per
// endpoint, so a later service's routes appear by annotating its methods.
#include <absl/status/statusor.h>
#include <google/protobuf/descriptor.h>

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mentoring::gateway {

// One piece of a path template: a literal ("people") or a variable bound to a request
// field ("{person_id}", "{person.person_id}").
struct PathSegment {
  bool variable = false;
  std::string literal;
  std::vector<std::string> field_path;  // for a variable: field names from the request down
};

struct Route {
  std::string verb;           // GET, POST, PUT, PATCH, DELETE
  std::string path_template;  // as written in the proto, e.g. "/v1/people/{person_id}:deactivate"
  std::vector<PathSegment> segments;
  std::string custom_verb;    // "deactivate" for a template ending in ":deactivate"
  std::string body;           // "*", a field of the request, or "" for none; an upload's bytes field
  std::string upload_params;  // an upload's message field filled from the query ("" otherwise)
  std::string summary;
  std::vector<std::string> roles;  // who may call it (the default filled in; empty for a capability route)
  // No bearer token: the path variables hold a capability the service checks. Such a
  // request is made as the caller "anonymous" with no roles, limited per capability, and
  // its path never reaches a log, a metric or an error body.
  bool capability_url = false;
  // The answer is this string or bytes field of the response, as it is, with this content
  // type (both empty: the whole response as JSON).
  std::string response_body;
  std::string response_content_type;
  const google::protobuf::MethodDescriptor* method = nullptr;
  std::string grpc_method;  // "/mentoring.profiles.v1.ProfilesService/GetPerson"

  bool upload() const { return !upload_params.empty(); }
};

// A path matched to a route, with the request fields its variables bind.
struct RouteMatch {
  const Route* route = nullptr;
  std::vector<std::pair<std::vector<std::string>, std::string>> bindings;  // field path, value
};

class RouteTable {
 public:
  // INVALID_ARGUMENT (naming the method) for a malformed template, a variable or body that
  // names no field of the request, a response_body that is not a string or bytes field of
  // the response or has no content type, a capability route with no path variable, with a
  // body, roles or an upload, or two routes with the same verb and template: contract
  // errors, caught when the gateway starts and by its tests.
  static absl::StatusOr<RouteTable> FromServices(
      const std::vector<const google::protobuf::ServiceDescriptor*>& services);

  // NOT_FOUND when no route has this path; FAILED_PRECONDITION (HTTP 405) when routes have
  // the path but not the verb.
  absl::StatusOr<RouteMatch> Match(std::string_view verb, std::string_view path) const;
  // The verbs some route takes at this path, sorted: a 405's Allow header.
  std::vector<std::string> AllowedVerbs(std::string_view path) const;

  const std::vector<Route>& routes() const { return routes_; }

 private:
  // Calls `visit` with each route whose template fits `path`, until it returns false.
  void ForEachRouteOf(std::string_view path, const std::function<bool(RouteMatch)>& visit) const;

  std::vector<Route> routes_;
};

// Parses "/v1/people/{person_id}:deactivate" against `request`. Exposed for tests.
absl::StatusOr<Route> ParseRoute(std::string verb, std::string path_template,
                                 const google::protobuf::Descriptor& request);

}  // namespace mentoring::gateway
