// The profiles service: main wires the runtime and the service together and nothing else.
#include <absl/strings/numbers.h>
#include <absl/strings/str_split.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <fstream>

#include "mentoring/runtime/config.h"
#include "mentoring/runtime/events.h"
#include "mentoring/runtime/kafka.h"
#include "mentoring/runtime/logging.h"
#include "mentoring/runtime/outbox.h"
#include "mentoring/runtime/postgres.h"
#include "mentoring/runtime/redis.h"
#include "mentoring/runtime/server.h"
#include "mentoring/runtime/service_main.h"
#include "profiles_app.h"
#include "profiles_service.h"

namespace mentoring::profiles {
const std::vector<pg::Migration>& Migrations();  // generated from migrations/*.sql
}

namespace {

using namespace mentoring;

struct Settings {
  std::string log_level;
  std::string grpc_listen;
  std::string admin_listen;
  std::string database_url;
  std::string redis_host;
  int redis_port = 0;
  std::string kafka_bootstrap;
  std::string token_secret;
  int db_pool_size = 0;
  int workers = 0;
  absl::Duration drain_delay;
  absl::Duration shutdown_grace;
  absl::Duration cache_ttl;
  absl::Duration outbox_retention;
  absl::Duration startup_timeout;
  std::string port_file;
};

absl::StatusOr<Settings> ReadSettings(int argc, char** argv) {
  Config config = Config::FromProcess("PROFILES", argc, argv);
  Settings s;
  s.log_level = config.String("LOG_LEVEL", "info");
  s.grpc_listen = config.String("GRPC_LISTEN", "127.0.0.1:50061");
  s.admin_listen = config.String("ADMIN_LISTEN", "127.0.0.1:9461");
  s.database_url = config.RequiredString("DATABASE_URL");
  const std::string redis_addr = config.RequiredString("REDIS_ADDR");
  s.kafka_bootstrap = config.RequiredString("KAFKA_BOOTSTRAP");
  s.token_secret = config.RequiredString("INTERNAL_TOKEN_SECRET");
  s.db_pool_size = static_cast<int>(config.Int("DB_POOL_SIZE", 16, 1, 200));
  s.workers = static_cast<int>(config.Int("WORKERS", 16, 1, 256));
  s.drain_delay = config.Duration("DRAIN_DELAY", absl::ZeroDuration());
  s.shutdown_grace = config.Duration("SHUTDOWN_GRACE", absl::Seconds(20));
  s.cache_ttl = config.Duration("CACHE_TTL", absl::Minutes(10));
  s.outbox_retention = config.Duration("OUTBOX_RETENTION", absl::Hours(24 * 7));
  s.startup_timeout = config.Duration("STARTUP_TIMEOUT", absl::Seconds(60));
  s.port_file = config.String("PORT_FILE", "");
  std::vector<std::string> host_port = absl::StrSplit(redis_addr, ':');
  auto status = config.Check();
  std::string problems = status.ok() ? "" : std::string(status.message());
  if (!redis_addr.empty() && (host_port.size() != 2 || !absl::SimpleAtoi(host_port[1], &s.redis_port))) {
    problems += (problems.empty() ? "invalid configuration: " : "; ") +
                std::string("PROFILES_REDIS_ADDR (or REDIS_ADDR): must be host:port (got '") + redis_addr + "')";
  } else if (!redis_addr.empty()) {
    s.redis_host = host_port[0];
  }
  if (!s.token_secret.empty() && s.token_secret.size() < 32) {
    problems += (problems.empty() ? "invalid configuration: " : "; ") +
                std::string("INTERNAL_TOKEN_SECRET: must be at least 32 bytes");
  }
  if (!problems.empty()) return absl::InvalidArgumentError(problems);
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  BlockShutdownSignals();  // before any thread starts, so only main receives SIGTERM
  auto settings = ReadSettings(argc, argv);
  if (!settings.ok()) {
    std::fprintf(stderr, "profiles: %s\n", std::string(settings.status().message()).c_str());
    return 2;
  }
  InitLogging("profiles", settings->log_level);
  const Clock& clock = SystemClock::Instance();

  MetricsEndpoint metrics(settings->admin_listen);
  pg::Pool pool({.conninfo = settings->database_url, .size = settings->db_pool_size});
  if (auto migrated = MigrateWhenReachable(pool, "profiles", profiles::Migrations(), settings->startup_timeout); !migrated.ok()) {
    spdlog::critical("cannot prepare the database: {}", migrated.ToString());
    return 1;
  }
  if (auto topic = CheckProducerTopic(settings->kafka_bootstrap, profiles::kProducer); !topic.ok()) {
    spdlog::critical("{}", topic.ToString());
    return 1;
  }
  redis::Client redis({.host = settings->redis_host, .port = settings->redis_port});
  redis::VersionedCache cache(redis, "profiles:person:", settings->cache_ttl, metrics.registry());

  OutboxRelay relay(pool,
                    {.outbox_name = "profiles", .kafka_bootstrap = settings->kafka_bootstrap,
                     .retention = settings->outbox_retention},
                    clock, metrics.registry());
  relay.Start();

  InternalTokenVerifier verifier({.secret = settings->token_secret}, clock);
  WorkerPool workers(settings->workers);
  profiles::ProfilesApp app(pool, cache, clock);
  profiles::ProfilesService service(app, pool, clock, workers, verifier);
  GrpcServer server({.listen_address = settings->grpc_listen,
                     .drain_delay = settings->drain_delay,
                     .shutdown_grace = settings->shutdown_grace});
  server.AddService(&service);
  if (auto started = server.Start(); !started.ok()) {
    spdlog::critical("{}", started.ToString());
    return 1;
  }
  const int admin_port = metrics.ports().empty() ? 0 : metrics.ports().front();
  spdlog::info("profiles serving gRPC on port {}, metrics on port {}", server.port(), admin_port);
  WritePortFile(settings->port_file, server.port(), admin_port);

  const int signal = WaitForShutdownSignal();
  spdlog::info("signal {} received: draining", signal);
  server.Drain();  // in-flight calls finish; new ones are refused
  relay.Stop();    // the batch in flight is marked; the lock passes to a standby
  spdlog::info("profiles stopped cleanly");
  return 0;
}
