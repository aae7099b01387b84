#include "mentoring/runtime/service_main.h"

#include <spdlog/spdlog.h>

#include <cstdio>
#include <fstream>

#include "mentoring/runtime/events.h"
#include "mentoring/runtime/kafka.h"
#include "mentoring/runtime/outbox.h"

namespace mentoring {

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
    return absl::FailedPreconditionError("Kafka topic " + topic +
                                         " does not exist: create it (deploy/stack.sh up, or the Helm chart's topics job)");
  } else {
    spdlog::warn("Kafka not reachable at start ({}); events wait in the outbox", partitions.status().ToString());
  }
  return absl::OkStatus();
}

void WritePortFile(const std::string& path, int grpc_port, int admin_port) {
  if (path.empty()) return;
  // Renamed into place, so a reader never sees a half-written file.
  std::ofstream(path + ".tmp") << "GRPC_PORT=" << grpc_port << "\nADMIN_PORT=" << admin_port << "\n";
  std::rename((path + ".tmp").c_str(), path.c_str());
}

}  // namespace mentoring
