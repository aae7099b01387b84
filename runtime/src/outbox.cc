#include "mentoring/runtime/outbox.h"

#include <absl/container/flat_hash_set.h>
#include <absl/strings/escaping.h>
#include <absl/strings/str_cat.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "mentoring/runtime/errors.h"

namespace mentoring {
namespace {

std::string Rfc3339(absl::Time t) { return absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", t, absl::UTCTimeZone()); }

}  // namespace

const std::vector<pg::Migration>& RuntimeMigrations() {
  static const std::vector<pg::Migration> migrations = {
      {1, "outbox",
       R"sql(
CREATE TABLE outbox (
  id            bigserial PRIMARY KEY,
  event_id      uuid NOT NULL UNIQUE,
  topic         text NOT NULL,
  partition_key text NOT NULL,
  event_type    text NOT NULL,
  payload       bytea NOT NULL,          -- serialized mentoring.events.v1.EventEnvelope
  created_at    timestamptz NOT NULL,
  published_at  timestamptz
);
-- The relay's only read: the unpublished tail, in id order.
CREATE INDEX outbox_unpublished ON outbox (id) WHERE published_at IS NULL;
CREATE INDEX outbox_published_at ON outbox (published_at) WHERE published_at IS NOT NULL;
)sql"},
      {2, "consumed_events",
       R"sql(
-- Effects at consumers happen once: the event id is recorded in the effect's transaction.
CREATE TABLE consumed_events (
  consumer    text NOT NULL,
  event_id    uuid NOT NULL,
  consumed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer, event_id)
);
-- Highest sequence applied per aggregate, to drop stale events arriving late.
-- Keyed by producer too: each producer numbers its own aggregates (matching's and
-- evaluation's "relationship" sequences are independent).
CREATE TABLE consumed_aggregate_versions (
  consumer       text NOT NULL,
  producer       text NOT NULL,
  aggregate_type text NOT NULL,
  aggregate_id   text NOT NULL,
  sequence       bigint NOT NULL,
  PRIMARY KEY (consumer, producer, aggregate_type, aggregate_id)
);
-- Events a handler could not apply yet (what they depend on has not arrived); retried.
CREATE TABLE parked_events (
  consumer  text NOT NULL,
  event_id  uuid NOT NULL,
  payload   bytea NOT NULL,
  reason    text NOT NULL,
  parked_at timestamptz NOT NULL DEFAULT now(),
  attempts  int NOT NULL DEFAULT 0,
  PRIMARY KEY (consumer, event_id)
);
)sql"},
      {3, "parked_backoff",
       R"sql(
-- A parked event is retried when due, with a growing wait (capped at a minute), so events
-- that keep failing neither starve the others nor cost every applied event a retry.
ALTER TABLE parked_events ADD COLUMN next_attempt_at timestamptz NOT NULL DEFAULT now();
CREATE INDEX parked_events_due_idx ON parked_events (consumer, next_attempt_at);
)sql"},
      {4, "read_model_loads",
       R"sql(
-- One row per read model (read_model.h): when its snapshot began, and when a full load
-- completed (NULL: not yet, so the next start loads again).
CREATE TABLE read_model_loads (
  name         text PRIMARY KEY,
  started_at   timestamptz NOT NULL,
  completed_at timestamptz
);
)sql"},
      {5, "outbox_dead_letters",
       R"sql(
-- Events Kafka refused for good (too large for the topic, an invalid record), moved here
-- from the outbox by the relay in the statement that deletes them there. While a row is
-- open (resolution IS NULL) its key is held: the key's later outbox events wait. An
-- operator retries it (back into the outbox under outbox_id, ahead of them) or drops it;
-- either way the row stays, with who, when and why: no event leaves without a trace.
CREATE TABLE outbox_dead_letters (
  id                bigserial PRIMARY KEY,
  outbox_id         bigint NOT NULL,
  event_id          uuid NOT NULL,
  topic             text NOT NULL,
  partition_key     text NOT NULL,
  event_type        text NOT NULL,
  payload           bytea NOT NULL,
  created_at        timestamptz NOT NULL,
  error             text NOT NULL,
  attempts          int NOT NULL,
  overtaken_by      int NOT NULL DEFAULT 0,
  dead_lettered_at  timestamptz NOT NULL,
  resolution        text CHECK (resolution IN ('retried', 'dropped')),
  resolved_at       timestamptz,
  resolved_by       text,
  resolution_reason text,
  CHECK ((resolution IS NULL) = (resolved_at IS NULL) AND (resolution IS NULL) = (resolved_by IS NULL)),
  CHECK (resolution IS DISTINCT FROM 'dropped' OR resolution_reason <> '')
);
-- A held key has exactly one open dead letter (its later events are never sent), and the
-- relay's read skips held keys through this index.
CREATE UNIQUE INDEX outbox_dead_letters_open_key ON outbox_dead_letters (topic, partition_key)
  WHERE resolution IS NULL;
)sql"},
  };
  return migrations;
}

absl::Status Outbox::Append(pg::Transaction& txn, events::EventEnvelope event, const Clock& clock) {
  std::vector<events::EventEnvelope> one;
  one.push_back(std::move(event));
  return AppendMany(txn, std::move(one), clock);
}

absl::Status Outbox::AppendMany(pg::Transaction& txn, std::vector<events::EventEnvelope> batch, const Clock& clock) {
  if (batch.empty()) return absl::OkStatus();
  std::vector<std::string> ids, topics, keys, types, payloads;
  for (auto& event : batch) {
    const std::string type = events::TypeOf(event);
    if (type.empty()) return absl::InternalError("event without payload");
    event.set_type(type);
    ids.push_back(event.event_id());
    topics.push_back(events::TopicFor(event.producer()));
    keys.push_back(event.aggregate_id());
    types.push_back(type);
    payloads.push_back(absl::Base64Escape(event.SerializeAsString()));
  }
  // unnest keeps the order, so ids (and per-key order) follow the order given.
  return txn
      .Exec(
          "INSERT INTO outbox (event_id, topic, partition_key, event_type, payload, created_at) "
          "SELECT e::uuid, t, k, y, decode(p, 'base64'), $6 "
          "FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) WITH ORDINALITY AS x(e, t, k, y, p, "
          "n) "
          "ORDER BY n",
          {pg::Param::TextArray(ids), pg::Param::TextArray(topics), pg::Param::TextArray(keys),
           pg::Param::TextArray(types), pg::Param::TextArray(payloads), Rfc3339(clock.Now())})
      .status();
}

OutboxRelay::OutboxRelay(const pg::Pool& pool, RelaySettings settings, const Clock& clock,
                         prometheus::Registry& registry)
    : settings_(std::move(settings)),
      clock_(clock),
      conn_([&pool] {
        auto conn = pool.NewDedicatedConnection();
        conn->set_auto_reconnect(false);
        return conn;
      }()),
      published_(prometheus::BuildCounter()
                     .Name("mentoring_outbox_published_total")
                     .Help("Events the relay published to Kafka and marked published")
                     .Register(registry)
                     .Add({{"outbox", settings_.outbox_name}})),
      failures_(prometheus::BuildCounter()
                    .Name("mentoring_outbox_publish_failures_total")
                    .Help("Events whose delivery to Kafka failed (they are retried)")
                    .Register(registry)
                    .Add({{"outbox", settings_.outbox_name}})),
      lag_events_(prometheus::BuildGauge()
                      .Name("mentoring_outbox_lag_events")
                      .Help("Events committed but not yet published")
                      .Register(registry)
                      .Add({{"outbox", settings_.outbox_name}})),
      oldest_age_seconds_(prometheus::BuildGauge()
                              .Name("mentoring_outbox_oldest_unpublished_age_seconds")
                              .Help("Age of the oldest unpublished event")
                              .Register(registry)
                              .Add({{"outbox", settings_.outbox_name}})),
      active_gauge_(prometheus::BuildGauge()
                        .Name("mentoring_outbox_relay_active")
                        .Help("1 while this replica holds the outbox lock and publishes")
                        .Register(registry)
                        .Add({{"outbox", settings_.outbox_name}})),
      dead_lettered_(prometheus::BuildCounter()
                         .Name("mentoring_outbox_dead_lettered_total")
                         .Help("Events Kafka refused for good, moved to outbox_dead_letters by this replica")
                         .Register(registry)
                         .Add({{"outbox", settings_.outbox_name}})),
      dead_letters_gauge_(prometheus::BuildGauge()
                              .Name("mentoring_outbox_dead_letters")
                              .Help("Dead letters waiting for an operator to retry or drop them (one per held key)")
                              .Register(registry)
                              .Add({{"outbox", settings_.outbox_name}})),
      held_events_gauge_(prometheus::BuildGauge()
                             .Name("mentoring_outbox_held_events")
                             .Help("Unpublished events waiting behind a dead letter of their key")
                             .Register(registry)
                             .Add({{"outbox", settings_.outbox_name}})) {}

OutboxRelay::~OutboxRelay() { Stop(); }

void OutboxRelay::Start() {
  // Made now, not at the first batch: the idempotent producer's id is fetched from the
  // broker in the background (a fresh broker makes that take a second), so the first
  // events do not wait for it.
  if (auto producer = kafka::Producer::Create(settings_.kafka_bootstrap, settings_.message_timeout); producer.ok()) {
    producer_ = std::move(*producer);
  }
  thread_ = std::thread([this] {
    if (producer_) producer_->Warm(events::TopicFor(settings_.outbox_name), absl::Seconds(5));
    Run();
  });
}

void OutboxRelay::Stop() {
  if (!stop_.HasBeenNotified()) stop_.Notify();
  if (thread_.joinable()) thread_.join();
}

void OutboxRelay::Run() {
  spdlog::info("outbox relay '{}' started (standby until it holds the lock)", settings_.outbox_name);
  while (!stop_.HasBeenNotified()) RunOnce();
  conn_.reset();  // ends the session: the advisory lock goes with it
  producer_.reset();
  active_ = false;
  active_gauge_.Set(0);
  spdlog::info("outbox relay '{}' stopped", settings_.outbox_name);
}

void OutboxRelay::Backoff() {
  backoff_ = std::min(settings_.max_backoff, backoff_ == absl::ZeroDuration() ? absl::Milliseconds(200) : backoff_ * 2);
  stop_.WaitForNotificationWithTimeout(backoff_);
}

void OutboxRelay::RunOnce() {
  const std::string lock_key = "outbox:" + settings_.outbox_name;
  if (!active_) {
    (void)conn_->EnsureConnected();  // only a standby makes a new session
    auto locked = conn_->Exec("SELECT pg_try_advisory_lock(hashtext($1))", {lock_key});
    if (!locked.ok() || !locked->Bool(0, 0)) {
      RefreshLag();
      stop_.WaitForNotificationWithTimeout(settings_.standby_poll);
      return;
    }
    if (!producer_) {
      auto producer = kafka::Producer::Create(settings_.kafka_bootstrap, settings_.message_timeout);
      if (!producer.ok()) {
        // Only a bad setting fails here (librdkafka connects lazily): give the lock back.
        spdlog::error("outbox relay cannot create a Kafka producer: {}", producer.status().ToString());
        (void)conn_->Exec("SELECT pg_advisory_unlock(hashtext($1))", {lock_key});
        Backoff();
        return;
      }
      producer_ = std::move(*producer);
    }
    active_ = true;
    active_gauge_.Set(1);
    spdlog::info("outbox relay '{}' is now active", settings_.outbox_name);
  }
  // A broken session has lost the lock with it: go back to standby before touching a row.
  const auto lose_lock = [this](const absl::Status& why) {
    spdlog::warn("outbox relay '{}' lost its database session, back to standby: {}", settings_.outbox_name,
                 why.ToString());
    active_ = false;
    active_gauge_.Set(0);
    stop_.WaitForNotificationWithTimeout(settings_.standby_poll);
  };
  if (conn_->broken()) return lose_lock(errors::Unavailable("postgresql", "connection broken"));

  const absl::Time started = absl::Now();
  // Held keys (an open dead letter) are skipped: their events wait behind it.
  auto rows = conn_->Exec(
      "SELECT o.id, o.partition_key, o.topic, o.payload FROM outbox o "
      "WHERE o.published_at IS NULL AND NOT EXISTS (SELECT 1 FROM outbox_dead_letters d WHERE d.resolution IS NULL "
      "AND d.topic = o.topic AND d.partition_key = o.partition_key) "
      "ORDER BY o.id LIMIT $1",
      {settings_.batch_size});
  const absl::Time selected = absl::Now();
  if (!rows.ok()) return lose_lock(rows.status());
  RefreshLag();
  Prune();  // on its own timer, so steady traffic does not postpone it forever
  if (rows->rows() == 0) {
    stop_.WaitForNotificationWithTimeout(settings_.poll_interval);
    return;
  }

  std::vector<kafka::OutgoingMessage> messages;
  std::vector<int64_t> ids;
  messages.reserve(static_cast<size_t>(rows->rows()));
  for (int i = 0; i < rows->rows(); ++i) {
    events::EventEnvelope event;
    std::string payload = rows->Bytes(i, 3);
    event.ParseFromString(payload);
    ids.push_back(rows->Int(i, 0));
    messages.push_back({std::string(rows->Text(i, 2)), std::string(rows->Text(i, 1)), std::move(payload),
                        events::KafkaHeaders(event)});
  }
  const auto results = producer_->ProduceAndWait(messages);
  const absl::Time produced = absl::Now();

  // Mark what the broker acknowledged, except anything after a failure of the same key,
  // so a key's events are never marked past a gap.
  absl::flat_hash_set<std::string> failed_keys;
  std::vector<int64_t> delivered;
  std::vector<bool> marked(results.size(), false);
  absl::Status first_failure;
  bool refused = false;  // some message refused for good: find which one
  for (size_t i = 0; i < results.size(); ++i) {
    if (results[i].ok() && !failed_keys.contains(messages[i].key)) {
      delivered.push_back(ids[i]);
      marked[i] = true;
    } else {
      failed_keys.insert(messages[i].key);
      ++attempts_[ids[i]];  // rounds it was part of, for a dead letter's record
      if (first_failure.ok()) first_failure = results[i];
      if (results[i].code() == absl::StatusCode::kInvalidArgument) refused = true;
    }
  }
  if (!delivered.empty()) {
    if (!MarkPublished(delivered)) return lose_lock(errors::Unavailable("postgresql", "marking published failed"));
    for (int64_t id : delivered) attempts_.erase(id);
  }
  if (attempts_.size() > static_cast<size_t>(4 * settings_.batch_size)) attempts_.clear();
  if (absl::Now() - started > absl::Milliseconds(250)) {
    spdlog::warn("outbox relay '{}': slow batch of {}: select {} ms, produce {} ms, mark {} ms", settings_.outbox_name,
                 messages.size(), absl::ToInt64Milliseconds(selected - started),
                 absl::ToInt64Milliseconds(produced - selected), absl::ToInt64Milliseconds(absl::Now() - produced));
  }
  if (first_failure.ok()) {
    backoff_ = absl::ZeroDuration();
    return;
  }
  failures_.Increment(static_cast<double>(results.size() - delivered.size()));
  bool transient = !refused;
  if (refused) {
    if (!Isolate(messages, ids, results, marked, transient)) {
      return lose_lock(errors::Unavailable("postgresql", "dead-lettering failed"));
    }
  }
  if (transient) {
    spdlog::warn("outbox relay '{}': {} of {} events not delivered, retrying with backoff: {}", settings_.outbox_name,
                 results.size() - delivered.size(), results.size(), first_failure.ToString());
    Backoff();
  } else {
    backoff_ = absl::ZeroDuration();  // the refused event is set aside: the rest go on at once
  }
}

bool OutboxRelay::MarkPublished(const std::vector<int64_t>& ids) {
  auto marked = conn_->Exec("UPDATE outbox SET published_at = $1 WHERE id = ANY($2::bigint[])",
                            {Rfc3339(clock_.Now()), pg::Param::BigintArray(ids)});
  if (!marked.ok()) return false;  // they will be published again, same ids
  published_.Increment(static_cast<double>(ids.size()));
  return true;
}

bool OutboxRelay::Isolate(const std::vector<kafka::OutgoingMessage>& messages, const std::vector<int64_t>& ids,
                          const std::vector<absl::Status>& results, const std::vector<bool>& marked, bool& transient) {
  // The broker answers per batch, so every message of the refused one's batch carries its
  // error. The culprit is most likely the largest: try suspects largest first. A suspect
  // is sent alone after its key's earlier unmarked events (each alone, in order), so the
  // key's order holds; what goes through alone is marked published at once. The first
  // message refused alone is the culprit: it is dead-lettered and the round ends (the
  // other suspects go in the next round's batch, without it).
  std::vector<size_t> suspects;
  for (size_t i = 0; i < results.size(); ++i) {
    if (!marked[i] && results[i].code() == absl::StatusCode::kInvalidArgument) suspects.push_back(i);
  }
  std::stable_sort(suspects.begin(), suspects.end(),
                   [&](size_t a, size_t b) { return messages[a].value.size() > messages[b].value.size(); });
  std::vector<bool> done = marked;
  for (size_t suspect : suspects) {
    if (done[suspect]) continue;
    for (size_t i = 0; i <= suspect; ++i) {
      if (done[i] || messages[i].key != messages[suspect].key || messages[i].topic != messages[suspect].topic) continue;
      const absl::Status alone = producer_->ProduceAndWait({messages[i]}).front();
      ++attempts_[ids[i]];
      if (alone.ok()) {
        if (!MarkPublished({ids[i]})) return false;
        attempts_.erase(ids[i]);
        done[i] = true;
        continue;
      }
      if (alone.code() != absl::StatusCode::kInvalidArgument) {
        transient = true;
        return true;
      }
      // Later events of its key that the broker took in this round, in batches of their
      // own: they are in Kafka ahead of it (recorded; they stay unmarked and held).
      int64_t overtaken_by = 0;
      for (size_t j = i + 1; j < results.size(); ++j) {
        if (messages[j].key == messages[i].key && messages[j].topic == messages[i].topic && results[j].ok()) {
          ++overtaken_by;
        }
      }
      return DeadLetterEvent(ids[i], messages[i], alone, overtaken_by);
    }
  }
  return true;  // every suspect went through alone (the refusal was the batch's, not one message's)
}

bool OutboxRelay::DeadLetterEvent(int64_t id, const kafka::OutgoingMessage& message, const absl::Status& error,
                                  int64_t overtaken_by) {
  const int64_t attempts = attempts_.contains(id) ? attempts_[id] : 1;
  // One statement: the event leaves the outbox's pending set and enters the dead letters
  // together, or neither happens.
  auto moved = conn_->Exec(
      "WITH moved AS (DELETE FROM outbox WHERE id = $1 AND published_at IS NULL "
      "RETURNING id, event_id, topic, partition_key, event_type, payload, created_at) "
      "INSERT INTO outbox_dead_letters (outbox_id, event_id, topic, partition_key, event_type, payload, created_at, "
      "error, attempts, overtaken_by, dead_lettered_at) "
      "SELECT id, event_id, topic, partition_key, event_type, payload, created_at, $2, $3, $4, $5 FROM moved "
      "RETURNING id, event_id, event_type",
      {id, std::string(error.message()), attempts, overtaken_by, Rfc3339(clock_.Now())});
  if (!moved.ok()) {
    spdlog::error("outbox relay '{}': could not dead-letter outbox id {}: {}", settings_.outbox_name, id,
                  moved.status().ToString());
    return false;
  }
  attempts_.erase(id);
  if (moved->rows() == 0) return true;  // no longer pending (cannot happen with one active relay)
  dead_lettered_.Increment();
  next_lag_refresh_ = absl::InfinitePast();  // the gauges show it at once
  spdlog::error(
      "outbox relay '{}': Kafka refused event {} ({}, key {}, outbox id {}) for good after {} attempts: {}. "
      "Moved to outbox_dead_letters id {}; the key's later events are held until an operator retries or drops it "
      "(tools/outbox_dead_letters){}",
      settings_.outbox_name, moved->Text(0, 1), moved->Text(0, 2), message.key, id, attempts,
      std::string(error.message()), moved->Text(0, 0),
      overtaken_by > 0 ? absl::StrCat("; ", overtaken_by, " later events of the key reached Kafka before it") : "");
  return true;
}

void OutboxRelay::RefreshLag() {
  const absl::Time now = clock_.Now();
  if (now < next_lag_refresh_) return;
  next_lag_refresh_ = now + settings_.lag_refresh;
  auto lag = conn_->Exec(
      "SELECT count(*), COALESCE(EXTRACT(EPOCH FROM ($1::timestamptz - min(created_at))), 0) "
      "FROM outbox WHERE published_at IS NULL",
      {Rfc3339(now)});
  if (!lag.ok()) return;
  lag_events_.Set(static_cast<double>(lag->Int(0, 0)));
  oldest_age_seconds_.Set(std::max(0.0, std::stod(std::string(lag->Text(0, 1)))));
  auto dead = conn_->Exec(
      "SELECT (SELECT count(*) FROM outbox_dead_letters WHERE resolution IS NULL), "
      "(SELECT count(*) FROM outbox o JOIN outbox_dead_letters d ON d.resolution IS NULL AND d.topic = o.topic "
      "AND d.partition_key = o.partition_key WHERE o.published_at IS NULL)");
  if (!dead.ok()) return;
  dead_letters_gauge_.Set(static_cast<double>(dead->Int(0, 0)));
  held_events_gauge_.Set(static_cast<double>(dead->Int(0, 1)));
}

void OutboxRelay::Prune() {
  const absl::Time now = clock_.Now();
  if (now < next_prune_) return;
  next_prune_ = now + settings_.prune_interval;
  auto pruned = conn_->Exec(
      "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE published_at < $1 ORDER BY id LIMIT 10000)",
      {Rfc3339(now - settings_.retention)});
  if (pruned.ok() && pruned->affected() > 0) {
    spdlog::info("outbox relay '{}' pruned {} published events", settings_.outbox_name, pruned->affected());
  }
}

}  // namespace mentoring
