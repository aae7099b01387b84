#pragma once
// A Kafka consumer-group member that applies each event exactly once in effect: the event
// id is recorded in consumed_events in the same PostgreSQL transaction as the handler's
// effect, and the offset is stored for commit only after that transaction committed.
// Re-delivery (after a crash, a rebalance, a duplicate publish) is therefore harmless.
//
// Events from different producers can arrive in any order. A handler that needs something
// not seen yet returns Park(...): the event is kept in parked_events and retried, when due,
// after each event this consumer applies and every second when idle; the wait between
// tries of one event grows from 1 s to a minute. AcceptSequence() drops events older than
// one already applied for the same aggregate.
//
// Events are applied in batches: what one poll brings (up to max_batch) is applied in one
// transaction, each event still recorded once and behind its own savepoint (so a parked
// event is undone alone). A run of consecutive events whose type has a batch handler (see
// EventRouter::OnBatch) is recorded in one statement and handed over in one call, with no
// savepoints (such handlers write nothing for what they park). When a handler fails, the
// batch is rolled back and its events are applied one at a time, with the retry and park
// rules above.
#include <absl/status/status.h>
#include <absl/synchronization/notification.h>
#include <absl/time/time.h>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "mentoring/runtime/event_router.h"
#include "mentoring/runtime/events.h"
#include "mentoring/runtime/kafka.h"
#include "mentoring/runtime/postgres.h"

namespace mentoring {

using EventHandler = std::function<absl::Status(pg::Transaction&, const events::EventEnvelope&)>;

struct ConsumerSettings {
  std::string name;  // consumer group id, and the key in consumed_events
  std::string kafka_bootstrap;
  std::vector<std::string> topics;
  absl::Duration retry_backoff = absl::Milliseconds(200);
  int max_handler_failures = 5;  // a handler error (not a dependency outage) this often parks the event
  // Where a partition this group has never committed starts: the first event at or after
  // this time (a service that just loaded a snapshot), or the earliest kept (InfinitePast).
  absl::Time first_start_from = absl::InfinitePast();
  int max_batch = 500;  // events applied in one transaction
};

class EventConsumer {
 public:
  EventConsumer(pg::Pool& pool, ConsumerSettings settings, EventHandler handler, prometheus::Registry& registry);
  // Events go to `router`'s handlers, runs of one type to its batch handlers.
  EventConsumer(pg::Pool& pool, ConsumerSettings settings, const EventRouter& router, prometheus::Registry& registry);
  ~EventConsumer();

  absl::Status Start();
  // Finishes the event in hand, commits offsets and leaves the group.
  void Stop();

  // For handlers: the event could not be applied yet; keep it and retry later.
  static absl::Status Park(const std::string& why);
  // For handlers: true when `event` is newer than any applied for its aggregate (and records
  // it); false for an older or equal sequence, which the handler should then ignore.
  static absl::StatusOr<bool> AcceptSequence(pg::Transaction& txn, const std::string& consumer,
                                             const events::EventEnvelope& event);

  // Applies one event as if it had just been consumed (also used by tests to re-deliver).
  absl::Status Apply(const events::EventEnvelope& event);
  // Applies events in one transaction; any handler failure rolls all of them back (the
  // caller then applies them one at a time).
  absl::Status ApplyBatch(const std::vector<events::EventEnvelope>& batch);

 private:
  struct Outcome {
    int applied = 0;
    int parked = 0;
    int duplicates = 0;
  };
  void Run();
  void ApplyOneUntilDone(const events::EventEnvelope& event);
  // Inside `txn`: records the event, runs its handler behind a savepoint, parks it when told.
  absl::Status ApplyIn(pg::Transaction& txn, const events::EventEnvelope& event, Outcome& outcome);
  // Inside `txn`: records a run of events of one type at once and hands the new ones to
  // their batch handler, parking what it parks.
  absl::Status ApplyRunIn(pg::Transaction& txn, const std::vector<const events::EventEnvelope*>& run, Outcome& outcome);
  absl::Status ParkIn(pg::Transaction& txn, const events::EventEnvelope& event, const absl::Status& why);
  void Count(const Outcome& outcome);
  void RetryParked();
  void RefreshLag();

  pg::Pool& pool_;
  ConsumerSettings settings_;
  EventHandler handler_;
  const EventRouter* router_ = nullptr;  // when set, runs of a batch-handled type go to it
  kafka::HandlePtr rk_;
  absl::Notification stop_;
  std::thread thread_;
  absl::Time next_idle_retry_ = absl::InfinitePast();
  absl::Time next_lag_refresh_ = absl::InfinitePast();
  absl::Time newest_applied_ = absl::InfinitePast();  // the newest occurred_at applied
  prometheus::Registry& registry_;
  prometheus::Counter& applied_;
  prometheus::Counter& duplicates_;
  prometheus::Counter& parked_;
  prometheus::Counter& undecodable_;
  prometheus::Counter& batches_;
  prometheus::Gauge& last_applied_age_;  // seconds since the newest applied event happened
};

}  // namespace mentoring
