#pragma once
// The matching service as the skeleton runs it: its own settings, and the wiring of its
// gRPC API, its read model of people and its consumers to the use cases. No rules here.
#include <absl/status/status.h>

#include <string>
#include <vector>

#include "directory.h"
#include "mentoring/runtime/config.h"
#include "mentoring/runtime/postgres.h"
#include "mentoring/runtime/service.h"

namespace mentoring::matching {

const std::vector<pg::Migration>& Migrations();  // generated from migrations/*.sql

// What matching reads besides the settings every service reads (docs/operations.md).
struct Settings {
  std::string profiles_addr;  // PROFILES_ADDR: host:port of the profiles service
  int solver_threads = 0;     // SOLVER_THREADS: threads a cohort solve may use
  // SNAPSHOT_INTERVAL: how often the people snapshot and the mentor pools are brought up to
  // date (directory.h, mentor_pools.h).
  absl::Duration snapshot_interval;
  // PEOPLE_SNAPSHOT_QUIET_PERIOD, PEOPLE_SNAPSHOT_MAX_STALENESS,
  // PEOPLE_SNAPSHOT_MAX_REBUILD_PERCENT: when a burst of changes to people is rebuilt into
  // a new snapshot (directory.h).
  DirectorySettings directory;

  static Settings Read(Config& config);
};

absl::Status Wire(ServiceContext& service, const Settings& settings);

}  // namespace mentoring::matching
