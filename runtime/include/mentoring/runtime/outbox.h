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
//
// An event Kafka refuses for good (kafka::IsPermanentRefusal: too large, invalid record),
// confirmed by sending it alone, is moved from `outbox` to `outbox_dead_letters` in one
// statement, and its key is held: the key's later events stay in the outbox, unpublished,
// until an operator retries it (it goes back under its own outbox id, so ahead of them) or
// drops it (who and why are recorded). Other keys go on. Nothing is lost without a trace:
// an event is published, waiting in the outbox, or a row of outbox_dead_letters.
// docs/operations.md: policy, metrics, tools/outbox_dead_letters.
#include <absl/container/flat_hash_map.h>
#include <absl/status/status.h>
#include <absl/status/statusor.h>
#include <absl/synchronization/notification.h>
#include <absl/time/time.h>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

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

// One event Kafka refused for good, as the relay set it aside (outbox_dead_letters).
struct DeadLetter {
  int64_t id = 0;
  int64_t outbox_id = 0;  // its place in the outbox; a retry puts it back there
  std::string event_id;
  std::string topic;
  std::string partition_key;
  std::string event_type;
  std::string payload;  // the serialized EventEnvelope
  std::string created_at;
  std::string dead_lettered_at;
  std::string error;  // what the broker answered when the event was sent alone
  int64_t attempts = 0;
  // Later events of its key the broker had accepted in the same round before it refused
  // this one (they were in separate batches): consumers may already hold a newer sequence
  // of the aggregate, so a retried copy reaches them as stale. Usually 0.
  int64_t overtaken_by = 0;
  std::string resolution;  // "" while open; "retried" or "dropped"
  std::string resolved_at;
  std::string resolved_by;
  std::string resolution_reason;
  int64_t held_events = 0;  // while open: its key's unpublished events waiting behind it
};

// What an operator does with dead letters (tools/outbox_dead_letters; tests).
class OutboxDeadLetters {
 public:
  // Open ones (and, with `include_resolved`, the history too), oldest first.
  static absl::StatusOr<std::vector<DeadLetter>> List(pg::Executor& db, bool include_resolved);
  static absl::StatusOr<DeadLetter> Get(pg::Executor& db, int64_t id);
  // Puts the event back into the outbox under its own id, ahead of its key's held events,
  // and marks the dead letter retried by `by`. The relay sends it again: published, or
  // (refused again) a new dead letter. NOT_FOUND / FAILED_PRECONDITION (already resolved).
  static absl::Status Retry(pg::Executor& db, int64_t id, const std::string& by, const std::string& reason,
                            const Clock& clock);
  // Gives the event up for good: recorded as dropped by `by` for `reason` (both required),
  // and its key's held events go on. Consumers never see it (a gap in the sequence).
  static absl::Status Drop(pg::Executor& db, int64_t id, const std::string& by, const std::string& reason,
                           const Clock& clock);
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
  // After a round in which the broker refused messages for good: sends suspects alone, in
  // their key's order, to find the one it refuses (the broker fails whole batches). Returns
  // false when the database session was lost; sets `transient` when a lone send failed
  // for a passing reason.
  bool Isolate(const std::vector<kafka::OutgoingMessage>& messages, const std::vector<int64_t>& ids,
               const std::vector<absl::Status>& results, const std::vector<bool>& marked, bool& transient);
  bool MarkPublished(const std::vector<int64_t>& ids);
  bool DeadLetterEvent(int64_t id, const kafka::OutgoingMessage& message, const absl::Status& error,
                       int64_t overtaken_by);

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
  // Delivery attempts of events that failed and are still pending (first failure of their
  // key), for the dead letter's record. Bounded: cleared when it outgrows a few batches.
  absl::flat_hash_map<int64_t, int64_t> attempts_;

  prometheus::Counter& published_;
  prometheus::Counter& failures_;
  prometheus::Gauge& lag_events_;
  prometheus::Gauge& oldest_age_seconds_;
  prometheus::Gauge& active_gauge_;
  prometheus::Counter& dead_lettered_;
  prometheus::Gauge& dead_letters_gauge_;
  prometheus::Gauge& held_events_gauge_;
};

}  // namespace mentoring
