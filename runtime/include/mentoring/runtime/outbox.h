#pragma once
// Transactional outbox. A state change and its event are written in one PostgreSQL
// transaction (Outbox::Append); the OutboxRelay publishes unpublished rows to Kafka in id
// order and marks them published. Promise: no event is ever missing; a duplicate (relay
// died after the broker acknowledged, before marking) always carries the same event_id.
//
// Per-key order: a writer appends its event after writing the aggregate's row, so a later
// change to the same aggregate (blocked on that row until the earlier commit) always gets a
// larger outbox id. One relay is active per outbox (PostgreSQL session advisory lock held
// on its own connection); standby replicas poll for the lock and take over when the active
// relay's session ends, because several relays racing would break that order.
#include <absl/status/status.h>
#include <absl/synchronization/notification.h>
#include <absl/time/time.h>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "mentoring/runtime/clock.h"
#include "mentoring/runtime/events.h"
#include "mentoring/runtime/kafka.h"
#include "mentoring/runtime/postgres.h"

namespace mentoring {

// The runtime's own tables (outbox, consumed events, parked events), applied by every
// service before its own migrations.
const std::vector<pg::Migration>& RuntimeMigrations();

class Outbox {
 public:
  // Writes `event` in the caller's transaction. Sets its type from the payload.
  static absl::Status Append(pg::Transaction& txn, events::EventEnvelope event, const Clock& clock);
  // Several events in one statement, in order (bulk writers such as HR import).
  static absl::Status AppendMany(pg::Transaction& txn, std::vector<events::EventEnvelope> batch, const Clock& clock);
};

struct RelaySettings {
  std::string outbox_name;  // the producing service: names the lock, the metrics label, its topic
  std::string kafka_bootstrap;
  absl::Duration poll_interval = absl::Milliseconds(20);  // idle wait between empty polls
  absl::Duration standby_poll = absl::Milliseconds(500);  // how often a standby tries the lock
  int batch_size = 2000;
  absl::Duration message_timeout = absl::Seconds(10);  // per delivery attempt round
  absl::Duration max_backoff = absl::Seconds(5);       // while Kafka is down
  absl::Duration retention = absl::Hours(24 * 7);      // published rows kept this long
  absl::Duration prune_interval = absl::Minutes(1);
  absl::Duration lag_refresh = absl::Seconds(1);
};

class OutboxRelay {
 public:
  OutboxRelay(const pg::Pool& pool, RelaySettings settings, const Clock& clock, prometheus::Registry& registry);
  ~OutboxRelay();

  void Start();
  // Finishes the batch in flight, then releases the lock (a standby takes over).
  void Stop();
  bool active() const { return active_.load(); }

 private:
  void Run();
  void RunOnce();
  void RefreshLag();
  void Prune();
  void Backoff();

  RelaySettings settings_;
  const Clock& clock_;
  std::unique_ptr<pg::Connection> conn_;  // holds the advisory lock: never pooled
  std::unique_ptr<kafka::Producer> producer_;
  std::atomic<bool> active_{false};
  absl::Notification stop_;
  std::thread thread_;
  absl::Duration backoff_ = absl::ZeroDuration();
  absl::Time next_prune_ = absl::InfinitePast();
  absl::Time next_lag_refresh_ = absl::InfinitePast();

  prometheus::Counter& published_;
  prometheus::Counter& failures_;
  prometheus::Gauge& lag_events_;
  prometheus::Gauge& oldest_age_seconds_;
  prometheus::Gauge& active_gauge_;
};

}  // namespace mentoring
