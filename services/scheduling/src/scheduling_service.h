#pragma once
// The scheduling service as the skeleton runs it: its own settings, and the wiring of its
// gRPC API, its read model of people, matching's events and its background jobs to the use
// cases. No rules here.
#include <absl/status/status.h>

#include <string>
#include <vector>

#include "mentoring/runtime/config.h"
#include "mentoring/runtime/postgres.h"
#include "mentoring/runtime/service.h"
#include "scheduling_options.h"

namespace mentoring::scheduling {

const std::vector<pg::Migration>& Migrations();  // generated from migrations/*.sql

// What scheduling reads besides the settings every service reads (docs/operations.md).
struct Settings {
  std::string profiles_addr;  // PROFILES_ADDR: the read model's source
  SchedulingOptions options;
  absl::Duration sweep_interval;
  absl::Duration extend_interval;

  static Settings Read(Config& config);
};

absl::Status Wire(ServiceContext& service, const Settings& settings);

}  // namespace mentoring::scheduling
