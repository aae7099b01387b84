// The profiles service: main wires the runtime and the service together and nothing else.
#include <spdlog/spdlog.h>

#include <cstdio>
#include <tuple>

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

// The shared settings (runtime/service_main.h) plus what profiles alone needs.
struct Settings : ServiceSettings {
  std::string redis_host;
  int redis_port = 0;
  absl::Duration cache_ttl;
};

absl::StatusOr<Settings> ReadSettings(int argc, char** argv) {
  Config config = Config::FromProcess("PROFILES", argc, argv);
  Settings s;
  static_cast<ServiceSettings&>(s) = ServiceSettings::Read(config, "127.0.0.1:50061", "127.0.0.1:9461");
  std::tie(s.redis_host, s.redis_port) = config.RequiredHostPort("REDIS_ADDR");
  s.cache_ttl = config.Duration("CACHE_TTL", absl::Minutes(10));
  if (auto status = config.Check(); !status.ok()) return status;
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
  if (auto migrated = MigrateWhenReachable(pool, "profiles", profiles::Migrations(), settings->startup_timeout);
      !migrated.ok()) {
    spdlog::critical("cannot prepare the database: {}", migrated.ToString());
    return 1;
  }
  if (auto topic = CheckProducerTopic(settings->kafka_bootstrap, profiles::kProducer); !topic.ok()) {
    spdlog::critical("{}", topic.ToString());
    return 1;
  }
  redis::Client redis({.host = settings->redis_host, .port = settings->redis_port, .pool_size = settings->workers});
  redis::VersionedCache cache(redis, "profiles:person:", settings->cache_ttl, metrics.registry());

  OutboxRelay relay(pool,
                    {.outbox_name = "profiles",
                     .kafka_bootstrap = settings->kafka_bootstrap,
                     .retention = settings->outbox_retention},
                    clock, metrics.registry());
  relay.Start();

  InternalTokenVerifier verifier({.secret = settings->token_secret}, clock);
  WorkerPool workers(settings->workers);
  profiles::ProfilesApp app(pool, cache, workers, clock);
  profiles::ProfilesService service(app, pool, clock, workers, verifier);
  auto server_settings = settings->GrpcServerSettings();
  if (!server_settings.ok()) {
    spdlog::critical("{}", server_settings.status().ToString());
    return 1;
  }
  GrpcServer server(std::move(*server_settings));
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
