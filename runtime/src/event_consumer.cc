#include "mentoring/runtime/event_consumer.h"

#include <absl/container/flat_hash_set.h>
#include <absl/strings/ascii.h>
#include <absl/strings/str_cat.h>
#include <spdlog/spdlog.h>

#include <vector>

#include "mentoring/runtime/errors.h"
#include "mentoring/runtime/logging.h"
#include "mentoring/runtime/tracing.h"

namespace mentoring {
namespace {

constexpr char kParkReason[] = "PARK";

bool IsPark(const absl::Status& status) {
  return status.code() == absl::StatusCode::kFailedPrecondition && errors::DetailsOf(status).reason() == kParkReason;
}

// Commits stored offsets before partitions go to another member, so nothing processed is
// processed again needlessly and nothing unprocessed is skipped.
// Sets partitions this group never committed to the first offset at or after `start_from`.
// A fresh group's coordinator may still be loading, so the lookups are retried: falling
// back to the earliest event would replay the whole retention period.
void StartNewPartitionsAt(rd_kafka_t* rk, rd_kafka_topic_partition_list_t* partitions, absl::Time start_from) {
  constexpr int kAttempts = 10;
  rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    err = rd_kafka_committed(rk, partitions, 5000);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) break;
    spdlog::warn("consumer: reading committed offsets failed ({}), retrying", rd_kafka_err2str(err));
    absl::SleepFor(absl::Milliseconds(500));
  }
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    spdlog::error("consumer: committed offsets unknown; new partitions start at the earliest event");
    return;
  }
  kafka::TopicPartitionListPtr fresh(rd_kafka_topic_partition_list_new(partitions->cnt));
  for (int i = 0; i < partitions->cnt; ++i) {
    if (partitions->elems[i].offset != RD_KAFKA_OFFSET_INVALID) continue;
    rd_kafka_topic_partition_list_add(fresh.get(), partitions->elems[i].topic, partitions->elems[i].partition)->offset =
        absl::ToUnixMillis(start_from);
  }
  if (fresh->cnt == 0) return;
  // Each partition's end as it is before the lookup: when nothing is found at or after
  // `start_from`, that is where to start. Read after the lookup, it could already include
  // an event that arrived in between, which would then be skipped; the symbolic "end"
  // would be worse, resolved only when fetching starts.
  std::vector<int64_t> end_before_lookup(fresh->cnt, RD_KAFKA_OFFSET_BEGINNING);
  for (int i = 0; i < fresh->cnt; ++i) {
    int64_t low = 0, high = 0;
    if (rd_kafka_query_watermark_offsets(rk, fresh->elems[i].topic, fresh->elems[i].partition, &low, &high, 5000) ==
        RD_KAFKA_RESP_ERR_NO_ERROR) {
      end_before_lookup[i] = high;
    } else {
      spdlog::warn(
          "consumer: end of {} [{}] unknown; if nothing is newer than the start time, starting at its "
          "earliest event",
          fresh->elems[i].topic, fresh->elems[i].partition);
    }
  }
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    err = rd_kafka_offsets_for_times(rk, fresh.get(), 5000);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) break;
    spdlog::warn("consumer: looking up offsets by time failed ({}), retrying", rd_kafka_err2str(err));
    absl::SleepFor(absl::Milliseconds(500));
  }
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    spdlog::error("consumer: offsets by time unknown; new partitions start at the earliest event");
    return;
  }
  for (int i = 0; i < fresh->cnt; ++i) {
    const auto& found = fresh->elems[i];
    auto* target = rd_kafka_topic_partition_list_find(partitions, found.topic, found.partition);
    if (found.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      // This partition's lookup failed (e.g. a leader election): replaying is safe, skipping is not.
      spdlog::warn("consumer: offset by time for {} [{}] failed ({}); starting at its earliest event", found.topic,
                   found.partition, rd_kafka_err2str(found.err));
      target->offset = RD_KAFKA_OFFSET_BEGINNING;
      continue;
    }
    target->offset = found.offset >= 0 ? found.offset : end_before_lookup[i];
  }
  spdlog::info("consumer: {} new partitions start at {}", fresh->cnt, absl::FormatTime(start_from));
}

// On assignment, partitions this group never committed start at `start_from` (when set)
// rather than at the earliest event kept: a service that loaded a snapshot at that time
// needs only what happened since.
void OnRebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* partitions, void* opaque) {
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    spdlog::info("consumer assigned {} partitions", partitions->cnt);
    const absl::Time start_from = *static_cast<const absl::Time*>(opaque);
    if (start_from != absl::InfinitePast()) StartNewPartitionsAt(rk, partitions, start_from);
    rd_kafka_assign(rk, partitions);
  } else {
    spdlog::info("consumer revoking {} partitions", partitions->cnt);
    rd_kafka_commit(rk, nullptr, 0);
    rd_kafka_assign(rk, nullptr);
  }
}

prometheus::Counter& ConsumerCounter(prometheus::Registry& registry, const std::string& name, const std::string& help,
                                     const std::string& consumer) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(registry).Add({{"consumer", consumer}});
}

}  // namespace

EventConsumer::EventConsumer(pg::Pool& pool, ConsumerSettings settings, EventHandler handler,
                             prometheus::Registry& registry)
    : pool_(pool),
      settings_(std::move(settings)),
      handler_(std::move(handler)),
      registry_(registry),
      applied_(ConsumerCounter(registry, "mentoring_consumer_applied_total", "Events applied", settings_.name)),
      duplicates_(ConsumerCounter(registry, "mentoring_consumer_duplicates_total", "Events seen again and skipped",
                                  settings_.name)),
      parked_(ConsumerCounter(registry, "mentoring_consumer_parked_total", "Events parked for later", settings_.name)),
      undecodable_(ConsumerCounter(registry, "mentoring_consumer_undecodable_total",
                                   "Messages that are not an EventEnvelope (skipped)", settings_.name)),
      batches_(ConsumerCounter(registry, "mentoring_consumer_batches_total", "Transactions that applied a batch",
                               settings_.name)),
      last_applied_age_(prometheus::BuildGauge()
                            .Name("mentoring_consumer_last_applied_event_age_seconds")
                            .Help("Seconds since the newest event this consumer applied happened")
                            .Register(registry)
                            .Add({{"consumer", settings_.name}})) {}

EventConsumer::EventConsumer(pg::Pool& pool, ConsumerSettings settings, const EventRouter& router,
                             prometheus::Registry& registry)
    : EventConsumer(
          pool, std::move(settings),
          [&router](pg::Transaction& txn, const events::EventEnvelope& event) { return router.Dispatch(txn, event); },
          registry) {
  router_ = &router;
}

EventConsumer::~EventConsumer() { Stop(); }

absl::Status EventConsumer::Park(const std::string& why) { return errors::FailedPrecondition(kParkReason, why); }

absl::StatusOr<bool> EventConsumer::AcceptSequence(pg::Transaction& txn, const std::string& consumer,
                                                   const events::EventEnvelope& event) {
  auto result = txn.Exec(
      "INSERT INTO consumed_aggregate_versions (consumer, producer, aggregate_type, aggregate_id, sequence) "
      "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (consumer, producer, aggregate_type, aggregate_id) DO UPDATE "
      "SET sequence = EXCLUDED.sequence WHERE consumed_aggregate_versions.sequence < EXCLUDED.sequence",
      {consumer, event.producer(), event.aggregate_type(), event.aggregate_id(), event.sequence()});
  if (!result.ok()) return result.status();
  return result->affected() == 1;
}

absl::Status EventConsumer::Start() {
  auto conf = kafka::MakeConf({
      {"bootstrap.servers", settings_.kafka_bootstrap},
      {"group.id", settings_.name},
      {"enable.auto.commit", "true"},
      {"enable.auto.offset.store", "false"},  // stored only after the effect committed
      {"auto.commit.interval.ms", "1000"},
      {"auto.offset.reset", "earliest"},
      {"session.timeout.ms", "10000"},
      {"heartbeat.interval.ms", "1000"},
  });
  if (!conf.ok()) return conf.status();
  rd_kafka_conf_set_rebalance_cb(conf->get(), &OnRebalance);
  rd_kafka_conf_set_opaque(conf->get(), &settings_.first_start_from);
  auto rk = kafka::NewHandle(RD_KAFKA_CONSUMER, std::move(*conf));
  if (!rk.ok()) return rk.status();
  rk_ = std::move(*rk);
  rd_kafka_poll_set_consumer(rk_.get());
  kafka::TopicPartitionListPtr topics(rd_kafka_topic_partition_list_new(static_cast<int>(settings_.topics.size())));
  for (const auto& topic : settings_.topics) {
    rd_kafka_topic_partition_list_add(topics.get(), topic.c_str(), RD_KAFKA_PARTITION_UA);
  }
  if (auto err = rd_kafka_subscribe(rk_.get(), topics.get()); err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return absl::UnavailableError(absl::StrCat("kafka subscribe: ", rd_kafka_err2str(err)));
  }
  thread_ = std::thread([this] { Run(); });
  return absl::OkStatus();
}

void EventConsumer::Stop() {
  if (!stop_.HasBeenNotified()) stop_.Notify();
  if (thread_.joinable()) thread_.join();
  if (rk_) {
    rd_kafka_consumer_close(rk_.get());
    rk_.reset();
  }
}

absl::Status EventConsumer::ApplyIn(pg::Transaction& txn, const events::EventEnvelope& event, Outcome& outcome) {
  // Logs while applying carry the trace of the request that caused the event.
  const auto trace = TraceContext::Parse(event.traceparent());
  ScopedLogContext log_context(trace ? *trace : TraceContext{});
  auto first = txn.Exec("INSERT INTO consumed_events (consumer, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                        {settings_.name, event.event_id()});
  if (!first.ok()) return first.status();
  if (first->affected() == 0) {  // seen before: the effect is already there
    ++outcome.duplicates;
    return absl::OkStatus();
  }
  // A handler that parks may have written something first: undo that, keep the record.
  if (auto savepoint = txn.Exec("SAVEPOINT before_handler"); !savepoint.ok()) return savepoint.status();
  auto handled = handler_(txn, event);
  if (IsPark(handled)) {
    if (auto undone = txn.Exec("ROLLBACK TO SAVEPOINT before_handler"); !undone.ok()) return undone.status();
    ++outcome.parked;
    return ParkIn(txn, event, handled);
  }
  if (!handled.ok()) return handled;
  ++outcome.applied;
  if (auto released = txn.Exec("RELEASE SAVEPOINT before_handler"); !released.ok()) return released.status();
  return absl::OkStatus();
}

absl::Status EventConsumer::ParkIn(pg::Transaction& txn, const events::EventEnvelope& event, const absl::Status& why) {
  return txn
      .Exec(
          "INSERT INTO parked_events (consumer, event_id, payload, reason) VALUES ($1, $2, $3, $4) "
          "ON CONFLICT DO NOTHING",
          {settings_.name, event.event_id(), pg::Param::Bytes(event.SerializeAsString()), std::string(why.message())})
      .status();
}

absl::Status EventConsumer::ApplyRunIn(pg::Transaction& txn, const std::vector<const events::EventEnvelope*>& run,
                                       Outcome& outcome) {
  std::vector<std::string> ids;
  ids.reserve(run.size());
  for (const auto* event : run) ids.push_back(event->event_id());
  auto recorded = txn.Exec(
      "INSERT INTO consumed_events (consumer, event_id) SELECT $1, unnest($2::uuid[]) ON CONFLICT DO NOTHING "
      "RETURNING event_id",
      {settings_.name, pg::Param::TextArray(ids)});
  if (!recorded.ok()) return recorded.status();
  absl::flat_hash_set<std::string> first_seen;
  for (int i = 0; i < recorded->rows(); ++i) first_seen.insert(std::string(recorded->Text(i, 0)));
  std::vector<const events::EventEnvelope*> fresh;
  for (const auto* event : run) {
    // Erased once handed over: the same event twice in one run is a duplicate too.
    // (PostgreSQL answers a uuid in lower case.)
    if (first_seen.erase(absl::AsciiStrToLower(event->event_id())) > 0) {
      fresh.push_back(event);
    } else {
      ++outcome.duplicates;
    }
  }
  if (fresh.empty()) return absl::OkStatus();
  auto handled = router_->DispatchBatch(txn, fresh);
  if (!handled.ok()) return handled.status();
  for (size_t i = 0; i < fresh.size(); ++i) {
    const absl::Status& status = (*handled)[i];
    if (status.ok()) {
      ++outcome.applied;
    } else if (IsPark(status)) {
      ++outcome.parked;
      if (auto parked = ParkIn(txn, *fresh[i], status); !parked.ok()) return parked;
    } else {
      return status;
    }
  }
  return absl::OkStatus();
}

void EventConsumer::Count(const Outcome& outcome) {
  applied_.Increment(outcome.applied);
  parked_.Increment(outcome.parked);
  duplicates_.Increment(outcome.duplicates);
}

absl::Status EventConsumer::Apply(const events::EventEnvelope& event) {
  Outcome outcome;
  auto status = pool_.InTransaction([&](pg::Transaction& txn) {
    outcome = {};
    return ApplyIn(txn, event, outcome);
  });
  if (!status.ok()) return status;
  Count(outcome);
  if (outcome.applied > 0) RetryParked();
  return absl::OkStatus();
}

absl::Status EventConsumer::ApplyBatch(const std::vector<events::EventEnvelope>& batch) {
  Outcome outcome;
  auto status = pool_.InTransaction([&](pg::Transaction& txn) -> absl::Status {
    outcome = {};
    for (size_t i = 0; i < batch.size();) {
      if (router_ == nullptr || !router_->HandlesInBatches(batch[i])) {
        if (auto applied = ApplyIn(txn, batch[i], outcome); !applied.ok()) return applied;
        ++i;
        continue;
      }
      std::vector<const events::EventEnvelope*> run;
      const auto type = batch[i].payload_case();
      while (i < batch.size() && batch[i].payload_case() == type) run.push_back(&batch[i++]);
      if (auto applied = ApplyRunIn(txn, run, outcome); !applied.ok()) return applied;
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  batches_.Increment();
  Count(outcome);
  if (outcome.applied > 0) RetryParked();
  return absl::OkStatus();
}

namespace {
// The next try of a parked event: 1 s, 2 s, 4 s … up to a minute after this one.
constexpr char kParkedRetryLater[] =
    "UPDATE parked_events SET attempts = attempts + 1, "
    "next_attempt_at = now() + least(interval '1 second' * power(2, least(attempts, 6)), interval '1 minute') "
    "WHERE consumer = $1 AND event_id = $2";
}  // namespace

void EventConsumer::RetryParked() {
  auto parked = pool_.Exec(
      "SELECT event_id, payload FROM parked_events WHERE consumer = $1 AND next_attempt_at <= now() "
      "ORDER BY next_attempt_at LIMIT 100",
      {settings_.name});
  if (!parked.ok() || parked->rows() == 0) return;
  for (int i = 0; i < parked->rows(); ++i) {
    events::EventEnvelope event;
    if (!event.ParseFromString(parked->Bytes(i, 1))) {
      spdlog::error("consumer {}: a parked event does not parse; left in parked_events for an operator",
                    settings_.name);
      continue;
    }
    auto status = pool_.InTransaction([&](pg::Transaction& txn) -> absl::Status {
      // Claim the parked row first: another replica retrying it at the same time skips it,
      // and one that comes after finds it gone. Either way the effect happens once.
      auto claimed =
          txn.Exec("SELECT 1 FROM parked_events WHERE consumer = $1 AND event_id = $2 FOR UPDATE SKIP LOCKED",
                   {settings_.name, event.event_id()});
      if (!claimed.ok()) return claimed.status();
      if (claimed->rows() == 0) return absl::OkStatus();
      if (auto savepoint = txn.Exec("SAVEPOINT before_handler"); !savepoint.ok()) return savepoint.status();
      auto handled = handler_(txn, event);
      if (IsPark(handled)) {
        if (auto undone = txn.Exec("ROLLBACK TO SAVEPOINT before_handler"); !undone.ok()) return undone.status();
        return txn.Exec(kParkedRetryLater, {settings_.name, event.event_id()}).status();
      }
      if (!handled.ok()) return handled;
      applied_.Increment();
      return txn
          .Exec("DELETE FROM parked_events WHERE consumer = $1 AND event_id = $2", {settings_.name, event.event_id()})
          .status();
    });
    if (!status.ok()) {
      spdlog::warn("parked event {} still failing: {}", event.event_id(), status.ToString());
      pool_.Exec(kParkedRetryLater, {settings_.name, event.event_id()}).IgnoreError();  // best effort: retried anyway
    }
  }
}

void EventConsumer::ApplyOneUntilDone(const events::EventEnvelope& event) {
  // Dependencies being down must not lose the event: retry until applied or stopping.
  int failures = 0;
  while (true) {
    auto status = Apply(event);
    if (status.ok()) return;
    if (stop_.HasBeenNotified()) return;  // offset not stored: re-delivered after restart
    if (status.code() != absl::StatusCode::kUnavailable && ++failures >= settings_.max_handler_failures) {
      spdlog::error("consumer {}: event {} failed {} times, parking it: {}", settings_.name, event.event_id(), failures,
                    status.ToString());
      // Parked and marked consumed together: a re-delivery is then a duplicate, and only
      // the parked copy can still take effect (once).
      auto parked = pool_.InTransaction([&](pg::Transaction& txn) -> absl::Status {
        auto consumed =
            txn.Exec("INSERT INTO consumed_events (consumer, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                     {settings_.name, event.event_id()});
        if (!consumed.ok()) return consumed.status();
        return txn
            .Exec(
                "INSERT INTO parked_events (consumer, event_id, payload, reason) VALUES ($1, $2, $3, $4) "
                "ON CONFLICT DO NOTHING",
                {settings_.name, event.event_id(), pg::Param::Bytes(event.SerializeAsString()), status.ToString()})
            .status();
      });
      if (!parked.ok()) continue;  // the database is down after all: keep retrying
      parked_.Increment();
      return;
    }
    spdlog::warn("consumer {}: applying event {} failed, retrying: {}", settings_.name, event.event_id(),
                 status.ToString());
    stop_.WaitForNotificationWithTimeout(settings_.retry_backoff);
  }
}

void EventConsumer::RefreshLag() {
  rd_kafka_topic_partition_list_t* raw = nullptr;
  if (rd_kafka_assignment(rk_.get(), &raw) != RD_KAFKA_RESP_ERR_NO_ERROR || raw == nullptr) return;
  kafka::TopicPartitionListPtr assignment(raw);
  if (rd_kafka_position(rk_.get(), assignment.get()) != RD_KAFKA_RESP_ERR_NO_ERROR) return;
  auto& lag = prometheus::BuildGauge()
                  .Name("mentoring_consumer_lag_events")
                  .Help("Events in the partition after the next one this consumer will read")
                  .Register(registry_);
  for (int i = 0; i < assignment->cnt; ++i) {
    const auto& p = assignment->elems[i];
    int64_t low = 0, high = 0;
    // Cached from the last fetch: no broker round trip.
    if (rd_kafka_get_watermark_offsets(rk_.get(), p.topic, p.partition, &low, &high) != RD_KAFKA_RESP_ERR_NO_ERROR) {
      continue;
    }
    const int64_t position = p.offset >= 0 ? p.offset : low;
    lag.Add({{"consumer", settings_.name}, {"topic", p.topic}, {"partition", std::to_string(p.partition)}})
        .Set(static_cast<double>(std::max<int64_t>(0, high - position)));
  }
  if (newest_applied_ != absl::InfinitePast()) {
    last_applied_age_.Set(absl::ToDoubleSeconds(absl::Now() - newest_applied_));
  }
}

void EventConsumer::Run() {
  std::vector<kafka::MessagePtr> messages;
  std::vector<events::EventEnvelope> batch;
  while (!stop_.HasBeenNotified()) {
    if (absl::Now() >= next_lag_refresh_) {
      RefreshLag();
      next_lag_refresh_ = absl::Now() + absl::Seconds(5);
    }
    messages.clear();
    batch.clear();
    kafka::MessagePtr first(rd_kafka_consumer_poll(rk_.get(), 100));
    if (!first) {
      // Quiet topics still retry what is parked, when it is due.
      if (absl::Now() >= next_idle_retry_) {
        RetryParked();
        next_idle_retry_ = absl::Now() + absl::Seconds(1);
      }
      continue;
    }
    messages.push_back(std::move(first));
    // What has already arrived joins the batch; nothing waits for more.
    while (static_cast<int>(messages.size()) < settings_.max_batch) {
      kafka::MessagePtr next(rd_kafka_consumer_poll(rk_.get(), 0));
      if (!next) break;
      messages.push_back(std::move(next));
    }
    for (const auto& message : messages) {
      if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        if (message->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
          spdlog::warn("consumer {}: {}", settings_.name, rd_kafka_message_errstr(message.get()));
        }
        continue;
      }
      events::EventEnvelope event;
      if (!event.ParseFromArray(message->payload, static_cast<int>(message->len)) || event.event_id().empty()) {
        undecodable_.Increment();
        spdlog::error("consumer {}: message at {}[{}]@{} is not an EventEnvelope; skipped", settings_.name,
                      rd_kafka_topic_name(message->rkt), message->partition, message->offset);
        continue;
      }
      batch.push_back(std::move(event));
    }
    if (!batch.empty()) {
      auto applied = batch.size() > 1 ? ApplyBatch(batch) : absl::UnknownError("one at a time");
      if (!applied.ok()) {
        if (batch.size() > 1) {
          spdlog::info("consumer {}: a batch of {} failed ({}); applying its events one at a time", settings_.name,
                       batch.size(), applied.ToString());
        }
        for (const auto& event : batch) {
          ApplyOneUntilDone(event);
          if (stop_.HasBeenNotified()) return;  // offsets not stored: re-delivered after restart
        }
      }
      for (const auto& event : batch) {
        newest_applied_ = std::max(newest_applied_, absl::FromUnixSeconds(event.occurred_at().seconds()));
      }
    }
    // The next offsets to read, committed by the auto-commit timer or on revoke.
    kafka::TopicPartitionListPtr done(rd_kafka_topic_partition_list_new(static_cast<int>(messages.size())));
    for (const auto& message : messages) {
      if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) continue;
      auto* entry =
          rd_kafka_topic_partition_list_find(done.get(), rd_kafka_topic_name(message->rkt), message->partition);
      if (entry == nullptr) {
        entry = rd_kafka_topic_partition_list_add(done.get(), rd_kafka_topic_name(message->rkt), message->partition);
      }
      entry->offset = std::max(entry->offset, message->offset + 1);
    }
    if (done->cnt > 0) rd_kafka_offsets_store(rk_.get(), done.get());
  }
}

}  // namespace mentoring
