#include "gateway_app.h"

#include <absl/strings/str_cat.h>
#include <absl/strings/str_join.h>
#include <google/protobuf/message.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/impl/codegen/proto_utils.h>  // serialisation of protobuf messages in generic calls
#include <spdlog/spdlog.h>

#include <algorithm>
#include <regex>

#include "capability.h"
#include "conditional.h"
#include "http_errors.h"
#include "idempotency.h"
#include "mentoring/runtime/call_context.h"
#include "mentoring/runtime/errors.h"
#include "mentoring/runtime/grpc_status.h"
#include "mentoring/runtime/ids.h"
#include "mentoring/runtime/request_metrics.h"
#include "mentoring/runtime/tracing.h"
#include "openapi.h"
#include "transcoder.h"

namespace mentoring::gateway {
namespace {

using google::protobuf::Message;
using GenericStub = grpc::TemplatedGenericStub<Message, Message>;

// A client's request id is echoed only when it is harmless in logs and headers.
bool SafeRequestId(const std::string& id) {
  static const std::regex kId(R"(^[A-Za-z0-9._-]{1,64}$)");
  return std::regex_match(id, kId);
}

// A stable fingerprint of what was asked (FNV-1a, the same in every replica and release).
std::string Fingerprint(const HttpRequest& request) {
  uint64_t hash = 1469598103934665603ull;
  for (const std::string* part : {&request.method, &request.target, &request.body}) {
    for (unsigned char c : *part) hash = (hash ^ c) * 1099511628211ull;
    hash = (hash ^ 0xff) * 1099511628211ull;  // separator
  }
  return absl::StrCat(absl::Hex(hash, absl::kZeroPad16));
}

// "/v1/people?department=Sales" → the path and the query string.
std::pair<std::string, std::string> SplitTarget(const std::string& target) {
  const size_t question = target.find('?');
  return {target.substr(0, question), question == std::string::npos ? "" : target.substr(question + 1)};
}

HttpResponse Json(int status, std::string body, const std::string& request_id) {
  return HttpResponse{status, std::move(body), request_id, {}};
}

// If-None-Match is a read's condition (a write it would skip is not "not modified"), so only
// GET takes one.
absl::StatusOr<IfNoneMatch> IfNoneMatchOf(const HttpRequest& request) {
  if (request.if_none_match.empty()) return IfNoneMatch{};
  if (request.method != "GET") {
    return errors::InvalidArgument("If-None-Match", "get_only", "only GET takes an If-None-Match");
  }
  return IfNoneMatch::Parse(request.if_none_match);
}

// The answer to a conditional GET whose ETag the client already holds: the ETag, no body.
HttpResponse NotModified(HttpResponse answer) {
  answer.status = 304;
  answer.body.clear();
  answer.content_type.clear();
  return answer;
}

}  // namespace

std::function<void(HttpResponse)> GatewayApp::Stamped(std::function<void(HttpResponse)> done, const Ids& ids,
                                                      const absl::StatusOr<RouteMatch>& match,
                                                      std::string fixed_route) const {
  // Whatever the answer, the access log and the metrics know its route template and trace.
  return [done = std::move(done), route = match.ok() ? match->route->path_template : std::move(fixed_route),
          trace_id = ids.trace.trace_id](HttpResponse response) {
    response.route = route;
    response.trace_id = trace_id;
    done(std::move(response));
  };
}

GatewayApp::GatewayApp(RouteTable routes, std::map<std::string, std::shared_ptr<grpc::Channel>> channels,
                       Authenticate authenticate, const InternalTokenSigner& signer, const Clock& clock,
                       RateLimiter* limiter, IdempotencyStore* idempotency, GatewaySettings settings)
    : routes_(std::move(routes)),
      channels_(std::move(channels)),
      authenticate_(std::move(authenticate)),
      signer_(signer),
      clock_(clock),
      limiter_(limiter),
      idempotency_(idempotency),
      settings_(std::move(settings)),
      openapi_json_(OpenApiDocument(routes_, settings_.api_title, settings_.api_version)),
      access_log_(ProcessRegistry()) {}

GatewayApp::Ids GatewayApp::IdsOf(const HttpRequest& request) const {
  const auto client_trace = TraceContext::Parse(request.traceparent);
  return {SafeRequestId(request.request_id) ? request.request_id : NewUuidV7(clock_),
          client_trace ? client_trace->Child() : TraceContext::NewRoot()};
}

void GatewayApp::Answered(std::string_view method, const HttpResponse& response, absl::Duration elapsed,
                          size_t response_bytes) const {
  access_log_.Record({method, response.route, response.status, elapsed, response_bytes, response.request_id,
                      response.trace_id, response.caller_id});
}

HttpResponse GatewayApp::Fail(const absl::Status& status, const std::string& request_id) const {
  HttpResponse response = Json(HttpStatusOf(status.code()), ErrorBody(status, request_id), request_id);
  if (response.status == 401) response.headers.emplace_back("WWW-Authenticate", "Bearer");
  if (response.status == 500) spdlog::error("request {}: {}", request_id, status.ToString());
  return response;
}

absl::StatusOr<std::string> GatewayApp::InternalTokenFor(const Caller& caller) const {
  const std::string key = absl::StrCat(caller.id, "|", absl::StrJoin(caller.roles, ","));
  const absl::Time now = clock_.Now();
  {
    absl::MutexLock lock(&tokens_mu_);
    if (auto it = tokens_.find(key); it != tokens_.end() && now < it->second.renew_after) return it->second.token;
  }
  auto token = signer_.Sign(caller);
  if (!token.ok()) return token.status();
  absl::MutexLock lock(&tokens_mu_);
  if (tokens_.size() > 100000) tokens_.clear();  // bounded: a cache, not a registry
  tokens_[key] = {*token, now + InternalTokenSettings{}.lifetime / 2};
  return *token;
}

std::variant<GatewayApp::Admitted, HttpResponse> GatewayApp::Admit(const HttpRequest& request,
                                                                   absl::StatusOr<RouteMatch> match,
                                                                   const std::string& request_id) const {
  if (!match.ok()) {
    // Fixed words, never the path: it may hold a capability (or anything a client sent).
    const bool not_allowed = match.status().code() == absl::StatusCode::kFailedPrecondition;
    const int status = not_allowed ? 405 : 404;
    HttpResponse refused =
        Json(status,
             ErrorBody(not_allowed ? absl::Status(absl::StatusCode::kUnimplemented, "method not allowed")
                                   : absl::NotFoundError("no such resource"),
                       request_id, status),
             request_id);
    // RFC 9110: a 405 says which methods the resource does take.
    if (not_allowed) {
      refused.headers.emplace_back("Allow",
                                   absl::StrJoin(routes_.AllowedVerbs(SplitTarget(request.target).first), ", "));
    }
    return refused;
  }
  const Route& route = *match->route;
  // A capability route proves itself by its path (the service checks it): a bearer token,
  // if one was sent, plays no part.
  absl::StatusOr<Caller> caller = route.capability_url ? AnonymousCaller() : authenticate_(request.authorization);
  if (!caller.ok()) {
    // The authenticator's status carries a machine-readable reason (TOKEN_EXPIRED, ...): keep it.
    const absl::Status refused = caller.status().code() == absl::StatusCode::kUnauthenticated
                                     ? caller.status()
                                     : errors::Unauthenticated(std::string(caller.status().message()));
    return Fail(refused, request_id);
  }
  if (!route.capability_url && std::none_of(route.roles.begin(), route.roles.end(),
                                            [&](const std::string& role) { return caller->Has(role); })) {
    return Fail(errors::PermissionDenied(absl::StrCat("this route is for: ", absl::StrJoin(route.roles, ", "))),
                request_id);
  }
  // Every anonymous request is the same caller: a capability route is limited per capability.
  std::string counted_as = route.capability_url ? CapabilityKey(*match) : caller->id;
  Admitted admitted{std::move(*match), std::move(*caller), std::move(counted_as), {}};
  if (limiter_ != nullptr) {
    const RateDecision decision = limiter_->Check(admitted.counted_as);
    admitted.rate_headers = {{"RateLimit-Limit", std::to_string(decision.limit)},
                             {"RateLimit-Remaining", std::to_string(decision.remaining)}};
    if (!decision.allowed) {
      HttpResponse refused =
          Fail(errors::WithReason(absl::StatusCode::kResourceExhausted, "RATE_LIMITED",
                                  absl::StrCat("more than ", decision.limit, " requests a minute; retry after ",
                                               decision.retry_after_seconds, " s")),
               request_id);
      refused.headers.emplace_back("Retry-After", std::to_string(decision.retry_after_seconds));
      for (auto& header : admitted.rate_headers) refused.headers.push_back(header);
      return refused;
    }
  }
  return admitted;
}

absl::StatusOr<std::unique_ptr<grpc::ClientContext>> GatewayApp::CallContext(const Caller& caller, const Ids& ids,
                                                                             absl::Duration deadline) const {
  auto token = InternalTokenFor(caller);
  if (!token.ok()) return token.status();
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(absl::ToChronoTime(clock_.Now() + deadline));
  context->AddMetadata(kInternalTokenHeader, *token);
  // The gateway's span is the service call's parent, so the client's trace runs through.
  context->AddMetadata(kTraceparentHeader, ids.trace.ToHeader());
  context->AddMetadata(kRequestIdHeader, ids.request_id);
  return context;
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> GatewayApp::ChannelFor(const Route& route) const {
  auto channel = channels_.find(route.method->service()->full_name());
  if (channel == channels_.end()) {
    return absl::UnavailableError("no upstream for " + route.method->service()->full_name());
  }
  return channel->second;
}

HttpResponse GatewayApp::Answer(const grpc::Status& status, const Message& response, const RouteMatch& match,
                                const std::string& request_id) const {
  if (!status.ok()) return Fail(WithoutCapability(errors::FromGrpcStatus(status), match), request_id);
  const Route& route = *match.route;
  HttpResponse answer = Json(200, "", request_id);
  if (route.response_body.empty()) {
    auto json = ToJson(response);
    if (!json.ok()) return Fail(json.status(), request_id);
    answer.body = std::move(*json);
  } else {
    // The route table checked it is a singular string or bytes field: sent as it is.
    answer.body =
        response.GetReflection()->GetString(response, response.GetDescriptor()->FindFieldByName(route.response_body));
    answer.content_type = route.response_content_type;
  }
  if (auto etag = EtagOf(response); !etag.empty()) answer.headers.emplace_back("ETag", etag);
  return answer;
}

void GatewayApp::Handle(HttpRequest request, std::function<void(HttpResponse)> done) const {
  const Ids ids = IdsOf(request);
  const std::string& request_id = ids.request_id;
  const auto [path, query] = SplitTarget(request.target);
  auto match = routes_.Match(request.method, path);
  const bool fixed = request.method == "GET" && (path == "/openapi.json" || path == "/healthz");
  done = Stamped(std::move(done), ids, match, fixed ? path : "");
  if (fixed && path == "/openapi.json") return done(Json(200, openapi_json_, request_id));
  if (fixed) return done(Json(200, R"({"status":"ok"})", request_id));

  auto admission = Admit(request, std::move(match), request_id);
  if (auto* refused = std::get_if<HttpResponse>(&admission)) return done(std::move(*refused));
  Admitted& admitted = std::get<Admitted>(admission);
  const Route& route = *admitted.match.route;
  if (route.upload()) {
    // Reached only when a server hands over an upload whole (the HTTP server streams them).
    return done(Fail(errors::InvalidArgument("body", "streamed", "this route takes its body as a stream"), request_id));
  }

  const Message* prototype =
      google::protobuf::MessageFactory::generated_factory()->GetPrototype(route.method->input_type());
  const Message* response_prototype =
      google::protobuf::MessageFactory::generated_factory()->GetPrototype(route.method->output_type());
  std::shared_ptr<Message> call_request(prototype->New());
  if (auto built = BuildRequest(admitted.match, query, request.body, *call_request); !built.ok()) {
    return done(Fail(built, request_id));
  }
  if (auto matched = ApplyIfMatch(request.if_match, *call_request); !matched.ok())
    return done(Fail(matched, request_id));
  const bool conditional = !request.if_match.empty();
  auto if_none_match = IfNoneMatchOf(request);
  if (!if_none_match.ok()) return done(Fail(if_none_match.status(), request_id));
  if_none_match->ApplyTo(*call_request);
  // Idempotency-Key: a retried POST gets the first answer again.
  const std::string fingerprint = Fingerprint(request);
  if (!request.idempotency_key.empty()) {
    if (request.method != "POST") {
      return done(Fail(errors::InvalidArgument("Idempotency-Key", "post_only", "only POST takes an Idempotency-Key"),
                       request_id));
    }
    if (idempotency_ == nullptr) {
      return done(Fail(errors::Unavailable("idempotency store", "not configured"), request_id));
    }
    // Per caller and path; for a capability route, the capability's hash (never the path).
    const std::string scope = route.capability_url ? admitted.counted_as : absl::StrCat(admitted.caller.id, ":", path);
    auto begun = idempotency_->Begin(scope, request.idempotency_key, fingerprint);
    if (!begun.ok()) return done(Fail(begun.status(), request_id));
    if (begun->has_value()) {
      HttpResponse replay = std::move(**begun);
      replay.request_id = request_id;
      return done(std::move(replay));
    }
    done = [this, done = std::move(done), scope, key = request.idempotency_key, fingerprint](HttpResponse response) {
      idempotency_->Finish(scope, key, fingerprint, response);
      done(std::move(response));
    };
  }
  auto context = CallContext(admitted.caller, ids, settings_.call_deadline);
  if (!context.ok()) return done(Fail(context.status(), request_id));
  auto channel = ChannelFor(route);
  if (!channel.ok()) return done(Fail(channel.status(), request_id));

  // The call's state lives until its callback has answered.
  struct Call {
    std::unique_ptr<grpc::ClientContext> context;
    std::shared_ptr<Message> request;
    std::unique_ptr<Message> response;
    GenericStub stub;
    explicit Call(std::shared_ptr<grpc::Channel> channel) : stub(std::move(channel)) {}
  };
  auto call = std::make_shared<Call>(std::move(*channel));
  call->context = std::move(*context);
  call->request = call_request;
  call->response.reset(response_prototype->New());
  call->stub.UnaryCall(
      call->context.get(), route.grpc_method, grpc::StubOptions(), call->request.get(), call->response.get(),
      [this, call, request_id, routed = std::move(admitted.match), rate_headers = std::move(admitted.rate_headers),
       conditional, if_none_match = std::move(*if_none_match), caller = admitted.caller.id,
       done = std::move(done)](grpc::Status status) {
        HttpResponse response = Answer(status, *call->response, routed, request_id);
        response.caller_id = caller;
        // A version conflict on a conditional write is the If-Match failing.
        if (conditional && status.error_code() == grpc::StatusCode::ABORTED) response.status = 412;
        // The client holds this version already: no need to send it again.
        if (status.ok() && if_none_match.Matches(EtagOf(*call->response))) {
          response = NotModified(std::move(response));
        }
        for (const auto& header : rate_headers) response.headers.push_back(header);
        done(std::move(response));
      });
}

bool GatewayApp::IsUpload(std::string_view method, std::string_view target) const {
  auto match = routes_.Match(method, target.substr(0, target.find('?')));
  return match.ok() && match->route->upload();
}

std::shared_ptr<Upload> GatewayApp::BeginUpload(const HttpRequest& request,
                                                std::function<void(HttpResponse)> done) const {
  const Ids ids = IdsOf(request);
  const std::string& request_id = ids.request_id;
  const auto [path, query] = SplitTarget(request.target);
  auto match = routes_.Match(request.method, path);
  done = Stamped(std::move(done), ids, match);
  auto admission = Admit(request, std::move(match), request_id);
  if (auto* refused = std::get_if<HttpResponse>(&admission)) {
    done(std::move(*refused));
    return nullptr;
  }
  Admitted& admitted = std::get<Admitted>(admission);
  const Route& route = *admitted.match.route;
  if (!route.upload()) {
    done(Fail(absl::InternalError("BeginUpload on a route that is not an upload: " + route.path_template), request_id));
    return nullptr;
  }
  // An upload is idempotent by what it uploads (HR import upserts by HR id); a key would
  // need the whole body to fingerprint, which is never held.
  if (!request.idempotency_key.empty() || !request.if_match.empty()) {
    done(Fail(errors::InvalidArgument(request.if_match.empty() ? "Idempotency-Key" : "If-Match", "upload",
                                      "uploads take neither an Idempotency-Key nor an If-Match"),
              request_id));
    return nullptr;
  }
  if (auto if_none_match = IfNoneMatchOf(request); !if_none_match.ok()) {
    done(Fail(if_none_match.status(), request_id));
    return nullptr;
  }
  // The first message: the parameters, from the query string.
  std::unique_ptr<Message> first(
      google::protobuf::MessageFactory::generated_factory()->GetPrototype(route.method->input_type())->New());
  Message* params =
      first->GetReflection()->MutableMessage(first.get(), first->GetDescriptor()->FindFieldByName(route.upload_params));
  if (auto built = BuildRequest(RouteMatch{&route, {}}, query, "", *params); !built.ok()) {
    done(Fail(built, request_id));
    return nullptr;
  }
  auto context = CallContext(admitted.caller, ids, settings_.upload_deadline);
  if (!context.ok()) {
    done(Fail(context.status(), request_id));
    return nullptr;
  }
  auto channel = ChannelFor(route);
  if (!channel.ok()) {
    done(Fail(channel.status(), request_id));
    return nullptr;
  }
  return StartUpload(
      *channel, route, std::move(*context), std::move(first),
      [this, request_id, routed = std::move(admitted.match), rate_headers = std::move(admitted.rate_headers),
       caller = admitted.caller.id, done = std::move(done)](const grpc::Status& status, const Message& response) {
        HttpResponse answer = Answer(status, response, routed, request_id);
        answer.caller_id = caller;
        for (const auto& header : rate_headers) answer.headers.push_back(header);
        done(std::move(answer));
      });
}

}  // namespace mentoring::gateway
