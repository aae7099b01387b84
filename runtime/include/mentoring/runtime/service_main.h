#pragma once
// The settings every service reads, and the start-up steps the skeleton (service.h) takes
// with them: migrate when the database is reachable, insist that the service's topic
// exists, publish the ports it bound.
#include <absl/status/status.h>
#include <absl/status/statusor.h>
#include <absl/time/time.h>

#include <string>
#include <utility>
#include <vector>

#include "mentoring/runtime/config.h"
#include "mentoring/runtime/postgres.h"
#include "mentoring/runtime/server.h"
#include "mentoring/runtime/tls.h"

namespace mentoring {

// What a service is, as far as the skeleton is concerned.
struct ServiceBasics {
  std::string name;         // "matching": settings prefix MATCHING_, its topic, outbox and consumer group
  std::string grpc_listen;  // default listen addresses
  std::string admin_listen;
  // Its migrations (null: no database, as for the gateway).
  const std::vector<pg::Migration>& (*migrations)() = nullptr;
  bool publishes_events = true;  // an outbox, its relay, and a topic that must exist
  bool uses_redis = false;       // REDIS_ADDR is then required

  bool has_database() const { return migrations != nullptr; }
};

// The settings every service reads the same way (docs/operations.md lists them).
struct ServiceSettings {
  std::string log_level;
  std::string grpc_listen;
  std::string admin_listen;
  std::string database_url;  // a secret: DATABASE_URL or DATABASE_URL_FILE
  std::string kafka_bootstrap;
  std::string topic_namespace;  // "mentoring": topics are <namespace>.<producer>.v1
  std::string consumer_group;   // the service's group id (read models add ".<model>")
  std::string token_secret;     // at least 32 bytes: INTERNAL_TOKEN_SECRET or ..._FILE
  std::string redis_host;       // when the service uses Redis
  int redis_port = 0;
  int db_pool_size = 0;
  int workers = 0;
  absl::Duration drain_delay;
  absl::Duration shutdown_grace;
  absl::Duration outbox_retention;
  absl::Duration startup_timeout;
  bool test_clock = false;  // TEST_CLOCK: a clock tests move forward (never in a deployment)
  std::string port_file;
  TlsFiles tls;  // mutual TLS for its gRPC server and its clients (off unless configured)

  // The gRPC server's settings: listen address, draining, and TLS credentials (read from
  // the files now: INVALID_ARGUMENT naming one that cannot be read).
  absl::StatusOr<ServerSettings> GrpcServerSettings() const;

  // Records what is wrong in `config`; call config.Check() after reading the rest.
  static ServiceSettings Read(Config& config, const ServiceBasics& basics);
};

// Applies the runtime's migrations, then the service's. At start the database may still be
// coming up (a pod scheduled before it): UNAVAILABLE is retried until `timeout`.
absl::Status MigrateWhenReachable(pg::Pool& pool, const std::string& component,
                                  const std::vector<pg::Migration>& migrations, absl::Duration timeout);

// Topics are never auto-created: a missing one is a deployment error (FAILED_PRECONDITION).
// Kafka being unreachable is not: writes wait in the outbox, so that is only logged.
absl::Status CheckProducerTopic(const std::string& kafka_bootstrap, const std::string& producer);

// Writes GRPC_PORT/ADMIN_PORT to `path` atomically (rename), for tests and scripts that
// start a service on port 0. Does nothing for an empty path.
void WritePortFile(const std::string& path, int grpc_port, int admin_port,
                   const std::vector<std::pair<std::string, int>>& more = {});

}  // namespace mentoring
