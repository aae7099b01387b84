// The gateway: main wires settings, authentication, the route table, the upstream channels
// and the HTTP server, and serves gRPC health for probes. Nothing else.
#include <absl/strings/str_cat.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <tuple>

#include "auth/jwt_authenticator.h"
#include "gateway_app.h"
#include "http_server.h"
#include "idempotency.h"
#include "mentoring/matching/v1/matching.pb.h"
#include "mentoring/profiles/v1/profiles.pb.h"
#include "mentoring/runtime/config.h"
#include "mentoring/runtime/logging.h"
#include "mentoring/runtime/redis.h"
#include "mentoring/runtime/server.h"
#include "mentoring/runtime/service_main.h"
#include "mentoring/runtime/tls.h"

namespace {

using namespace mentoring;

struct Settings {
  std::string log_level;
  std::string grpc_listen;
  std::string admin_listen;
  std::pair<std::string, int> http_listen;
  std::string profiles_addr;
  std::string matching_addr;
  std::string token_secret;
  gateway::JwtSettings jwt;
  gateway::HttpServerSettings http;
  absl::Duration call_deadline;
  absl::Duration upload_deadline;
  absl::Duration drain_delay;
  absl::Duration shutdown_grace;
  std::string port_file;
  std::string redis_host;
  int redis_port = 0;
  int64_t rate_limit_per_minute = 0;
  TlsFiles upstream_tls;  // mutual TLS to the services (off unless configured)
};

absl::StatusOr<Settings> ReadSettings(int argc, char** argv) {
  Config config = Config::FromProcess("GATEWAY", argc, argv);
  Settings s;
  s.log_level = config.String("LOG_LEVEL", "info");
  s.grpc_listen = config.String("GRPC_LISTEN", "127.0.0.1:50060");  // health for probes only
  s.admin_listen = config.String("ADMIN_LISTEN", "127.0.0.1:9460");
  const std::string http_listen = config.String("HTTP_LISTEN", "127.0.0.1:8080");
  const auto colon = http_listen.rfind(':');
  s.http_listen = {http_listen.substr(0, colon),
                   colon == std::string::npos ? -1 : std::atoi(http_listen.c_str() + colon + 1)};
  const auto [profiles_host, profiles_port] = config.RequiredHostPort("PROFILES_ADDR");
  const auto [matching_host, matching_port] = config.RequiredHostPort("MATCHING_ADDR");
  s.profiles_addr = absl::StrCat(profiles_host, ":", profiles_port);
  s.matching_addr = absl::StrCat(matching_host, ":", matching_port);
  s.token_secret = config.Secret("INTERNAL_TOKEN_SECRET", 32);
  s.upstream_tls = TlsFiles::Read(config, "UPSTREAM_TLS");
  s.jwt.issuer = config.RequiredString("JWT_ISSUER");
  s.jwt.audience = config.RequiredString("JWT_AUDIENCE");
  s.jwt.hs256_secret = config.String("JWT_HS256_SECRET", "");
  // RS256 public keys: every KID.pem in this folder (the key id is the file name).
  const std::string keys_dir = config.String("JWT_RS256_KEYS_DIR", "");
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
  s.drain_delay = config.Duration("DRAIN_DELAY", absl::ZeroDuration());
  s.shutdown_grace = config.Duration("SHUTDOWN_GRACE", absl::Seconds(20));
  std::tie(s.redis_host, s.redis_port) = config.RequiredHostPort("REDIS_ADDR");
  s.rate_limit_per_minute = config.Int("RATE_LIMIT_PER_MINUTE", 600, 0, 1000000);  // 0: off
  s.port_file = config.String("PORT_FILE", "");
  if (auto status = config.Check(); !status.ok()) return status;
  if (s.http_listen.second < 0 || s.http_listen.second > 65535) {
    return absl::InvalidArgumentError("invalid configuration: GATEWAY_HTTP_LISTEN (or HTTP_LISTEN): must be host:port");
  }
  if (!keys_dir.empty()) {
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(keys_dir, ec)) {
      if (entry.path().extension() != ".pem") continue;
      std::ifstream in(entry.path());
      std::stringstream pem;
      pem << in.rdbuf();
      s.jwt.rs256_keys[entry.path().stem().string()] = pem.str();
    }
    if (ec) return absl::InvalidArgumentError("invalid configuration: JWT_RS256_KEYS_DIR: " + ec.message());
  }
  s.http.listen_address = s.http_listen.first;
  s.http.port = s.http_listen.second;
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  BlockShutdownSignals();
  auto settings = ReadSettings(argc, argv);
  if (!settings.ok()) {
    std::fprintf(stderr, "gateway: %s\n", std::string(settings.status().message()).c_str());
    return 2;
  }
  InitLogging("gateway", settings->log_level);
  const Clock& clock = SystemClock::Instance();
  MetricsEndpoint metrics(settings->admin_listen);

  auto authenticator = gateway::JwtAuthenticator::Create(settings->jwt, clock);
  if (!authenticator.ok()) {
    spdlog::critical("{}", authenticator.status().ToString());
    return 2;
  }
  // The generated files register the services the routes come from.
  (void)profiles::v1::Person::descriptor();
  (void)matching::v1::Programme::descriptor();
  const auto* pool = google::protobuf::DescriptorPool::generated_pool();
  auto routes = gateway::RouteTable::FromServices({pool->FindServiceByName("mentoring.profiles.v1.ProfilesService"),
                                                   pool->FindServiceByName("mentoring.matching.v1.MatchingService")});
  if (!routes.ok()) {
    spdlog::critical("route table: {}", routes.status().ToString());
    return 1;
  }
  const InternalTokenSigner signer({.secret = settings->token_secret}, clock);
  std::map<std::string, std::shared_ptr<grpc::Channel>> channels;
  for (const auto& [service, address] : {std::pair{"mentoring.profiles.v1.ProfilesService", settings->profiles_addr},
                                         std::pair{"mentoring.matching.v1.MatchingService", settings->matching_addr}}) {
    auto channel = ChannelTo(address, settings->upstream_tls);
    if (!channel.ok()) {
      spdlog::critical("{}", channel.status().ToString());
      return 1;
    }
    channels[service] = std::move(*channel);
  }
  const gateway::JwtAuthenticator& auth = **authenticator;
  redis::Client redis({.host = settings->redis_host, .port = settings->redis_port});
  gateway::RateLimiter limiter(&redis, settings->rate_limit_per_minute, clock);
  gateway::IdempotencyStore idempotency(redis);
  gateway::GatewayApp app(std::move(*routes), std::move(channels),
                          [&auth](std::string_view header) { return auth.Authenticate(header); }, signer, clock,
                          &limiter, &idempotency,
                          {.call_deadline = settings->call_deadline, .upload_deadline = settings->upload_deadline});

  // Health and reflection only, in plaintext even with TLS upstream: kubelet's gRPC probes
  // present no client certificate, and there is nothing here to protect.
  GrpcServer health({.listen_address = settings->grpc_listen, .drain_delay = settings->drain_delay});
  if (auto started = health.Start(); !started.ok()) {
    spdlog::critical("{}", started.ToString());
    return 1;
  }
  gateway::HttpServer http(app, settings->http);
  if (auto started = http.Start(); !started.ok()) {
    spdlog::critical("{}", started.ToString());
    return 1;
  }
  const int admin_port = metrics.ports().empty() ? 0 : metrics.ports().front();
  spdlog::info("gateway serving HTTP on port {} ({} routes), health on gRPC port {}", http.port(),
               app.routes().routes().size(), health.port());
  WritePortFile(settings->port_file, health.port(), admin_port, {{"HTTP_PORT", http.port()}});

  const int signal = WaitForShutdownSignal();
  spdlog::info("signal {} received: draining", signal);
  health.BeginDrain();                  // NOT_SERVING, then DRAIN_DELAY while still serving HTTP
  http.Stop(settings->shutdown_grace);  // answers what is in flight, uploads included
  health.FinishDrain();
  spdlog::info("gateway stopped cleanly");
  return 0;
}
