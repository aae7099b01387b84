#pragma once
// Start-up steps every service's main takes, written once: migrate when the database is
// reachable, insist that the service's topic exists, and publish the ports it bound.
#include <absl/status/status.h>
#include <absl/time/time.h>

#include <string>
#include <vector>

#include "mentoring/runtime/postgres.h"

namespace mentoring {

// Applies the runtime's migrations, then the service's. At start the database may still be
// coming up (a pod scheduled before it): UNAVAILABLE is retried until `timeout`.
absl::Status MigrateWhenReachable(pg::Pool& pool, const std::string& component,
                                  const std::vector<pg::Migration>& migrations, absl::Duration timeout);

// Topics are never auto-created: a missing one is a deployment error (FAILED_PRECONDITION).
// Kafka being unreachable is not: writes wait in the outbox, so that is only logged.
absl::Status CheckProducerTopic(const std::string& kafka_bootstrap, const std::string& producer);

// Writes GRPC_PORT/ADMIN_PORT to `path` atomically (rename), for tests and scripts that
// start a service on port 0. Does nothing for an empty path.
void WritePortFile(const std::string& path, int grpc_port, int admin_port);

}  // namespace mentoring
