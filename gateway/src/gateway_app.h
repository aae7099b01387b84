#pragma once
// One HTTP request through the gateway, independent of the HTTP server: a request id,
// authentication, the route, transcoding, the internal token the services verify, the
// call (gRPC, with a deadline), and the answer or the one error mapping. No rules per
// endpoint: everything comes from the route table.
#include <absl/container/flat_hash_map.h>
#include <absl/status/statusor.h>
#include <absl/synchronization/mutex.h>
#include <absl/time/time.h>
#include <grpcpp/grpcpp.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "access_log.h"
#include "mentoring/runtime/clock.h"
#include "mentoring/runtime/identity.h"
#include "mentoring/runtime/tracing.h"
#include "rate_limiter.h"
#include "route_table.h"
#include "upload.h"

namespace mentoring::gateway {

struct HttpRequest {
  std::string method;           // "GET"
  std::string target;           // "/v1/people?department=Sales"
  std::string authorization;    // the Authorization header, as sent
  std::string request_id;       // the X-Request-Id header, as sent (may be empty)
  std::string if_match;         // the If-Match header: an ETag from an earlier answer
  std::string if_none_match;    // the If-None-Match header(s): the ETags the client holds
  std::string idempotency_key;  // the Idempotency-Key header (POST)
  std::string traceparent;      // the W3C traceparent header: the client's trace goes on
  std::string body;
};

struct HttpResponse {
  int status = 200;
  std::string body;  // JSON, unless the route names a response_body
  std::string request_id;
  std::vector<std::pair<std::string, std::string>> headers;
  // For the access log and metrics, never sent: the route template the request matched
  // (empty when none did), its trace, and the authenticated caller.
  std::string route;
  std::string trace_id;
  std::string caller_id;
  // The body's media type: a route's response_content_type, or empty for a bodiless 304.
  std::string content_type = "application/json";
};

// Authorization header value → the caller; UNAUTHENTICATED with a reason otherwise.
using Authenticate = std::function<absl::StatusOr<Caller>(std::string_view authorization)>;

struct GatewaySettings {
  absl::Duration call_deadline = absl::Seconds(10);
  absl::Duration upload_deadline = absl::Minutes(30);  // an upload's whole call, body included
  std::string api_title = "Mentoring platform";
  std::string api_version = "v1";
};

class GatewayApp {
 public:
  // `channels`: service full name ("mentoring.profiles.v1.ProfilesService") → its channel.
  // `limiter` and `idempotency` may be null (no rate limits; Idempotency-Key refused).
  GatewayApp(RouteTable routes, std::map<std::string, std::shared_ptr<grpc::Channel>> channels,
             Authenticate authenticate, const InternalTokenSigner& signer, const Clock& clock,
             RateLimiter* limiter = nullptr, class IdempotencyStore* idempotency = nullptr,
             GatewaySettings settings = {});

  // Calls `done` exactly once, on this thread or on a gRPC thread.
  void Handle(HttpRequest request, std::function<void(HttpResponse)> done) const;

  // Whether the request goes to an upload route, whose body the server streams through
  // BeginUpload instead of reading it whole.
  bool IsUpload(std::string_view method, std::string_view target) const;
  // For an upload, before any of its body is read (`request.body` is empty): authenticates,
  // checks the role and the rate, builds the parameters from the query, and starts the call.
  // Null when refused. Either way `done` is called exactly once, with the answer.
  std::shared_ptr<Upload> BeginUpload(const HttpRequest& request, std::function<void(HttpResponse)> done) const;

  const RouteTable& routes() const { return routes_; }

  // Every answer, once written (the HTTP server calls it): metrics and the access log.
  void Answered(std::string_view method, const HttpResponse& response, absl::Duration elapsed,
                size_t response_bytes) const;

 private:
  // A request let through to its service: the route, the caller, whom its limits count
  // (the caller's id; for a capability route a hash of the capability) and the rate headers.
  struct Admitted {
    RouteMatch match;
    Caller caller;
    std::string counted_as;
    std::vector<std::pair<std::string, std::string>> rate_headers;
  };
  // What every routed request goes through first: the route (404/405), authentication (401),
  // the route's roles (403) and the rate (429). A capability route has no authentication and
  // no roles: it is called as the anonymous caller. The refusal when not admitted.
  std::variant<Admitted, HttpResponse> Admit(const HttpRequest& request, absl::StatusOr<RouteMatch> match,
                                             const std::string& request_id) const;
  // A request's ids: the client's X-Request-Id when it is safe to log (else a new one),
  // and the gateway's span, a child of the client's traceparent (else a new trace).
  struct Ids {
    std::string request_id;
    TraceContext trace;
  };
  Ids IdsOf(const HttpRequest& request) const;
  // `done`, stamping each answer with its route template and trace for the access log.
  std::function<void(HttpResponse)> Stamped(std::function<void(HttpResponse)> done, const Ids& ids,
                                            const absl::StatusOr<RouteMatch>& match,
                                            std::string fixed_route = "") const;
  // The call's context: deadline, the internal token for the caller, trace and request ids.
  absl::StatusOr<std::unique_ptr<grpc::ClientContext>> CallContext(const Caller& caller, const Ids& ids,
                                                                   absl::Duration deadline) const;
  absl::StatusOr<std::shared_ptr<grpc::Channel>> ChannelFor(const Route& route) const;
  // The service's answer: the response as JSON, or its response_body field as it is; an
  // error (with a capability route's path taken out of it) as the JSON error body.
  HttpResponse Answer(const grpc::Status& status, const google::protobuf::Message& response, const RouteMatch& match,
                      const std::string& request_id) const;
  HttpResponse Fail(const absl::Status& status, const std::string& request_id) const;
  // The internal token for a caller, signed once and reused while it has more than half its
  // lifetime left: signing per request was a large share of the gateway's CPU per request.
  absl::StatusOr<std::string> InternalTokenFor(const Caller& caller) const;

  RouteTable routes_;
  std::map<std::string, std::shared_ptr<grpc::Channel>> channels_;
  Authenticate authenticate_;
  const InternalTokenSigner& signer_;
  const Clock& clock_;
  RateLimiter* limiter_;
  class IdempotencyStore* idempotency_;
  GatewaySettings settings_;
  std::string openapi_json_;
  mutable AccessLog access_log_;
  struct SignedToken {
    std::string token;
    absl::Time renew_after;
  };
  mutable absl::Mutex tokens_mu_;
  mutable absl::flat_hash_map<std::string, SignedToken> tokens_ ABSL_GUARDED_BY(tokens_mu_);
};

}  // namespace mentoring::gateway
