#pragma once
// A read model: another service's facts kept in this service's own tables (matching keeps
// people's skills and levels, scheduling their time zones and availability). It is loaded
// once from the owner over gRPC (a snapshot), then kept current by the owner's events,
// which a fresh consumer group reads from the time the snapshot began rather than from the
// earliest event kept (replaying a week of events would refetch everyone).
//
// A load that did not reach its end is redone at the next start, in the background, while
// events are already applied: `load` and the event handlers must both keep a fact only when
// it is newer than the one stored, so their order does not matter.
#include <absl/status/statusor.h>
#include <absl/synchronization/notification.h>
#include <absl/time/time.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <atomic>
#include <functional>
#include <string>
#include <thread>

#include "mentoring/runtime/postgres.h"

namespace mentoring {

struct ReadModelSettings {
  std::string name;  // "people": its row in read_model_loads, and part of its consumer group's name
  // The whole snapshot from the owner, stored fact by fact; returns how many facts.
  std::function<absl::StatusOr<int64_t>()> load;
  // A fresh group starts this long before the load began: events published around the
  // snapshot's start (clock skew between hosts) are applied again, harmlessly.
  absl::Duration overlap = absl::Minutes(5);
  absl::Duration retry_interval = absl::Seconds(2);  // while the owner cannot be reached
};

class ReadModelLoader {
 public:
  ReadModelLoader(pg::Pool& pool, ReadModelSettings settings, prometheus::Registry& registry);
  ~ReadModelLoader();

  // Records when the snapshot begins (kept from an earlier start whose load did not end)
  // and returns where a fresh consumer group of this model starts reading.
  absl::StatusOr<absl::Time> Prepare();
  // Loads in the background, retrying until the owner answers, unless a load completed.
  void Start();
  void Stop();
  bool loaded() const { return loaded_.load(); }
  const std::string& name() const { return settings_.name; }

 private:
  void Load();

  pg::Pool& pool_;
  ReadModelSettings settings_;
  std::atomic<bool> loaded_{false};
  absl::Notification stop_;
  std::thread thread_;
  prometheus::Gauge& loaded_gauge_;
};

}  // namespace mentoring
