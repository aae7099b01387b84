#include "mentoring/runtime/service_main.h"

#include <spdlog/spdlog.h>

#include <cstdio>
#include <fstream>
#include <tuple>

#include "mentoring/runtime/events.h"
#include "mentoring/runtime/kafka.h"
#include "mentoring/runtime/outbox.h"

namespace mentoring {

ServiceSettings ServiceSettings::Read(Config& config, const ServiceBasics& basics) {
  ServiceSettings s;
  s.log_level = config.String("LOG_LEVEL", "info");
  s.grpc_listen = config.String("GRPC_LISTEN", basics.grpc_listen);
  s.admin_listen = config.String("ADMIN_LISTEN", basics.admin_listen);
  if (basics.has_database()) {
    s.database_url = config.Secret("DATABASE_URL", 1);
    s.kafka_bootstrap = config.RequiredString("KAFKA_BOOTSTRAP");
  }
  s.topic_namespace = config.String("KAFKA_TOPIC_NAMESPACE", "mentoring");
  s.consumer_group = config.String("CONSUMER_GROUP", basics.name);
  s.token_secret = config.Secret("INTERNAL_TOKEN_SECRET", 32);
  if (basics.uses_redis) std::tie(s.redis_host, s.redis_port) = config.RequiredHostPort("REDIS_ADDR");
  s.db_pool_size = static_cast<int>(config.Int("DB_POOL_SIZE", 16, 1, 200));
  s.workers = static_cast<int>(config.Int("WORKERS", 16, 1, 256));
  s.drain_delay = config.Duration("DRAIN_DELAY", absl::ZeroDuration());
  s.shutdown_grace = config.Duration("SHUTDOWN_GRACE", absl::Seconds(20));
  s.outbox_retention = config.Duration("OUTBOX_RETENTION", absl::Hours(24 * 7));
  s.startup_timeout = config.Duration("STARTUP_TIMEOUT", absl::Seconds(60));
  s.test_clock = config.Bool("TEST_CLOCK", false);
  s.port_file = config.String("PORT_FILE", "");
  s.tls = TlsFiles::Read(config);
  return s;
}

absl::StatusOr<ServerSettings> ServiceSettings::GrpcServerSettings() const {
  auto credentials = ServerCredentialsFor(tls);
  if (!credentials.ok()) return credentials.status();
  return ServerSettings{.listen_address = grpc_listen,
                        .drain_delay = drain_delay,
                        .shutdown_grace = shutdown_grace,
                        .credentials = std::move(*credentials)};
}

absl::Status MigrateWhenReachable(pg::Pool& pool, const std::string& component,
                                  const std::vector<pg::Migration>& migrations, absl::Duration timeout) {
  const absl::Time give_up = absl::Now() + timeout;
  while (true) {
    absl::Status status = pg::ApplyMigrations(pool, "runtime", RuntimeMigrations());
    if (status.ok()) status = pg::ApplyMigrations(pool, component, migrations);
    if (status.ok() || status.code() != absl::StatusCode::kUnavailable || absl::Now() > give_up) return status;
    spdlog::warn("database not reachable yet, retrying: {}", status.ToString());
    absl::SleepFor(absl::Seconds(1));
  }
}

absl::Status CheckProducerTopic(const std::string& kafka_bootstrap, const std::string& producer) {
  const std::string topic = events::TopicFor(producer);
  auto partitions = kafka::PartitionCount(kafka_bootstrap, topic, absl::Seconds(5));
  if (partitions.ok()) {
    spdlog::info("publishing to {} ({} partitions)", topic, *partitions);
  } else if (partitions.status().code() == absl::StatusCode::kNotFound) {
    return absl::FailedPreconditionError(
        "Kafka topic " + topic + " does not exist: create it (deploy/stack.sh up, or the Helm chart's topics job)");
  } else {
    spdlog::warn("Kafka not reachable at start ({}); events wait in the outbox", partitions.status().ToString());
  }
  return absl::OkStatus();
}

void WritePortFile(const std::string& path, int grpc_port, int admin_port,
                   const std::vector<std::pair<std::string, int>>& more) {
  if (path.empty()) return;
  // Renamed into place, so a reader never sees a half-written file.
  {
    std::ofstream out(path + ".tmp");
    out << "GRPC_PORT=" << grpc_port << "\nADMIN_PORT=" << admin_port << "\n";
    for (const auto& [name, port] : more) out << name << "=" << port << "\n";
  }
  std::rename((path + ".tmp").c_str(), path.c_str());
}

}  // namespace mentoring
