#include "gateway_service.h"

#include <absl/strings/numbers.h>
#include <absl/strings/str_cat.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <tuple>

#include "gateway_app.h"
#include "idempotency.h"
#include "mentoring/evaluation/v1/evaluation.pb.h"
#include "mentoring/matching/v1/matching.pb.h"
#include "mentoring/profiles/v1/profiles.pb.h"
#include "mentoring/scheduling/v1/scheduling.pb.h"
#include "rate_limiter.h"

namespace mentoring::gateway {
namespace {

// The services whose annotated methods become routes, and the setting naming each one's
// address. A new service's routes appear by adding it here.
struct Upstream {
  const google::protobuf::FileDescriptor* file;
  const char* service;
  const char* address_setting;
};
std::vector<Upstream> Upstreams() {
  return {{profiles::v1::Person::descriptor()->file(), "ProfilesService", "PROFILES_ADDR"},
          {matching::v1::Programme::descriptor()->file(), "MatchingService", "MATCHING_ADDR"},
          {scheduling::v1::Meeting::descriptor()->file(), "SchedulingService", "SCHEDULING_ADDR"},
          {evaluation::v1::Feedback::descriptor()->file(), "EvaluationService", "EVALUATION_ADDR"}};
}

// RS256 public keys: every KID.pem in the folder (the key id is the file name).
void ReadRs256Keys(Config& config, const std::string& folder, JwtSettings& jwt) {
  if (folder.empty()) return;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(folder, ec)) {
    if (entry.path().extension() != ".pem") continue;
    std::ifstream in(entry.path());
    std::stringstream pem;
    pem << in.rdbuf();
    jwt.rs256_keys[entry.path().stem().string()] = pem.str();
  }
  if (ec) config.Reject("JWT_RS256_KEYS_DIR", "must name a readable folder (" + ec.message() + ")");
}

}  // namespace

Settings Settings::Read(Config& config) {
  Settings s;
  const std::string http_listen = config.String("HTTP_LISTEN", "127.0.0.1:8080");
  const auto colon = http_listen.rfind(':');
  int port = -1;
  if (colon == std::string::npos || !absl::SimpleAtoi(http_listen.substr(colon + 1), &port) || port < 0 ||
      port > 65535) {
    config.Reject("HTTP_LISTEN", "must be host:port (got '" + http_listen + "')");
  }
  s.http.listen_address = http_listen.substr(0, colon);
  s.http.port = port;
  for (const auto& upstream : Upstreams()) {
    const auto [host, upstream_port] = config.RequiredHostPort(upstream.address_setting);
    s.upstreams[absl::StrCat(upstream.file->package(), ".", upstream.service)] = absl::StrCat(host, ":", upstream_port);
  }
  s.upstream_tls = TlsFiles::Read(config, "UPSTREAM_TLS");
  s.jwt.issuer = config.RequiredString("JWT_ISSUER");
  s.jwt.audience = config.RequiredString("JWT_AUDIENCE");
  s.jwt.hs256_secret = config.String("JWT_HS256_SECRET", "");
  ReadRs256Keys(config, config.String("JWT_RS256_KEYS_DIR", ""), s.jwt);
  s.http.threads = static_cast<int>(config.Int("HTTP_THREADS", 2, 1, 64));
  s.http.max_connections = static_cast<int>(config.Int("MAX_CONNECTIONS", 10000, 1, 1000000));
  s.http.max_body_bytes = static_cast<size_t>(config.Int("MAX_BODY_BYTES", 1 << 20, 1024, 64 << 20));
  s.http.max_header_bytes = static_cast<size_t>(config.Int("MAX_HEADER_BYTES", 16 << 10, 1024, 1 << 20));
  s.http.max_upload_bytes =
      static_cast<size_t>(config.Int("MAX_UPLOAD_BYTES", int64_t{4} << 30, 1024, int64_t{1} << 40));
  s.http.read_timeout = config.Duration("READ_TIMEOUT", absl::Seconds(15));
  s.http.idle_timeout = config.Duration("IDLE_TIMEOUT", absl::Seconds(60));
  s.call_deadline = config.Duration("CALL_DEADLINE", absl::Seconds(10));
  s.upload_deadline = config.Duration("UPLOAD_DEADLINE", absl::Minutes(30));
  s.rate_limit_per_minute = config.Int("RATE_LIMIT_PER_MINUTE", 600, 0, 1000000);  // 0: off
  return s;
}

absl::Status Wire(ServiceContext& service, const Settings& settings) {
  auto authenticator = JwtAuthenticator::Create(settings.jwt, service.clock());
  if (!authenticator.ok()) return authenticator.status();
  std::vector<const google::protobuf::ServiceDescriptor*> services;
  std::map<std::string, std::shared_ptr<grpc::Channel>> channels;
  for (const auto& upstream : Upstreams()) {
    services.push_back(upstream.file->FindServiceByName(upstream.service));
    const std::string& name = services.back()->full_name();
    auto channel = ChannelTo(settings.upstreams.at(name), settings.upstream_tls);
    if (!channel.ok()) return channel.status();
    channels[name] = std::move(*channel);
  }
  auto routes = RouteTable::FromServices(services);
  if (!routes.ok()) return absl::Status(routes.status().code(), "route table: " + routes.status().ToString());

  const JwtAuthenticator& auth = service.Own(std::move(*authenticator));
  auto& limiter = service.Make<RateLimiter>(&service.redis(), settings.rate_limit_per_minute, service.clock());
  auto& idempotency = service.Make<IdempotencyStore>(service.redis());
  auto& app = service.Make<GatewayApp>(
      std::move(*routes), std::move(channels), [&auth](std::string_view header) { return auth.Authenticate(header); },
      service.signer(), service.clock(), &limiter, &idempotency,
      GatewaySettings{.call_deadline = settings.call_deadline, .upload_deadline = settings.upload_deadline});
  auto& http = service.Make<HttpServer>(app, settings.http);
  if (auto started = http.Start(); !started.ok()) return started;
  service.PublishPort("HTTP_PORT", http.port());
  spdlog::info("gateway serving HTTP on port {} ({} routes)", http.port(), app.routes().routes().size());
  // On SIGTERM, once NOT_SERVING has had its delay: the HTTP requests in flight, uploads
  // included, are answered before the process's gRPC calls are shut down.
  const absl::Duration grace = service.settings().shutdown_grace;
  service.OnDrain([&http, grace] { http.Stop(grace); });
  return absl::OkStatus();
}

}  // namespace mentoring::gateway
