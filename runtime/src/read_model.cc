#include "mentoring/runtime/read_model.h"

#include <spdlog/spdlog.h>

namespace mentoring {

ReadModelLoader::ReadModelLoader(pg::Pool& pool, ReadModelSettings settings, prometheus::Registry& registry)
    : pool_(pool),
      settings_(std::move(settings)),
      loaded_gauge_(prometheus::BuildGauge()
                        .Name("mentoring_read_model_loaded")
                        .Help("1 once a full load of the read model has completed, else 0")
                        .Register(registry)
                        .Add({{"model", settings_.name}})) {}

ReadModelLoader::~ReadModelLoader() { Stop(); }

absl::StatusOr<absl::Time> ReadModelLoader::Prepare() {
  // The first start records the snapshot's start; a later one keeps it, so a consumer that
  // never committed still starts early enough for a load redone now.
  auto row = pool_.Exec(
      "INSERT INTO read_model_loads (name, started_at) VALUES ($1, now()) "
      "ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name "
      "RETURNING extract(epoch FROM started_at)::bigint, completed_at IS NOT NULL",
      {settings_.name});
  if (!row.ok()) return row.status();
  loaded_ = row->Bool(0, 1);
  loaded_gauge_.Set(loaded_ ? 1 : 0);
  return absl::FromUnixSeconds(row->Int(0, 0)) - settings_.overlap;
}

void ReadModelLoader::Start() {
  if (loaded_) return;
  thread_ = std::thread([this] { Load(); });
}

void ReadModelLoader::Stop() {
  if (!stop_.HasBeenNotified()) stop_.Notify();
  if (thread_.joinable()) thread_.join();
}

void ReadModelLoader::Load() {
  while (!stop_.HasBeenNotified()) {
    auto loaded = settings_.load();
    if (loaded.ok()) {
      // Only a load that reached its end counts: a start after a partial one loads again.
      auto marked = pool_.Exec("UPDATE read_model_loads SET completed_at = now() WHERE name = $1", {settings_.name});
      if (marked.ok()) {
        loaded_ = true;
        loaded_gauge_.Set(1);
        spdlog::info("read model {} loaded: {} facts", settings_.name, *loaded);
        return;
      }
      loaded = marked.status();
    }
    spdlog::warn("read model {}: cannot load yet, retrying: {}", settings_.name, loaded.status().ToString());
    stop_.WaitForNotificationWithTimeout(settings_.retry_interval);
  }
}

}  // namespace mentoring
