#pragma once
// The evaluation service as the skeleton runs it: its own settings, and the wiring of its
// gRPC API, its consumer and its sweeper to the use cases. No rules here.
#include <absl/status/status.h>
#include <absl/time/time.h>

#include <string>
#include <vector>

#include "mentoring/runtime/config.h"
#include "mentoring/runtime/postgres.h"
#include "mentoring/runtime/service.h"

namespace mentoring::evaluation {

const std::vector<pg::Migration>& Migrations();  // generated from migrations/*.sql

// What evaluation reads besides the settings every service reads (docs/operations.md).
struct Settings {
  std::string profiles_addr;      // PROFILES_ADDR: host:port of the profiles service (goals)
  absl::Duration sweep_interval;  // SWEEP_INTERVAL: how often reminders and due reviews are looked for

  static Settings Read(Config& config);
};

absl::Status Wire(ServiceContext& service, const Settings& settings);

}  // namespace mentoring::evaluation
