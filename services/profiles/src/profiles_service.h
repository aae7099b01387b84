#pragma once
// The profiles service as the skeleton runs it: its own settings, and the wiring of its
// gRPC API to the use cases in ProfilesApp. No rules live here.
#include <absl/status/status.h>
#include <absl/time/time.h>

#include <vector>

#include "mentoring/runtime/config.h"
#include "mentoring/runtime/postgres.h"
#include "mentoring/runtime/service.h"

namespace mentoring::profiles {

const std::vector<pg::Migration>& Migrations();  // generated from migrations/*.sql

// What profiles reads besides the settings every service reads (docs/operations.md).
struct Settings {
  absl::Duration cache_ttl;  // CACHE_TTL: how long a cached person lives in Redis

  static Settings Read(Config& config);
};

absl::Status Wire(ServiceContext& service, const Settings& settings);

}  // namespace mentoring::profiles
