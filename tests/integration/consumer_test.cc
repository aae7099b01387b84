// The consumer helper against real PostgreSQL and Kafka: effects happen once per event id,
// a rebalance loses nothing, events arriving before what they depend on are parked and
// applied later, and stale sequences are dropped.
#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <atomic>

#include "harness.h"
#include "mentoring/runtime/event_consumer.h"
#include "mentoring/runtime/events.h"
#include "mentoring/runtime/ids.h"
#include "mentoring/runtime/outbox.h"

namespace mentoring::testing {
namespace {

events::EventEnvelope MatchMade(const std::string& relationship_id, int64_t sequence = 1) {
  auto event = events::NewEvent("matching", "relationship", relationship_id, sequence, SystemClock::Instance());
  event.mutable_match_made()->set_relationship_id(relationship_id);
  event.set_type(events::TypeOf(event));
  return event;
}

events::EventEnvelope MeetingCompleted(const std::string& relationship_id, const std::string& series_id) {
  auto event = events::NewEvent("scheduling", "meeting_series", series_id, 1, SystemClock::Instance());
  event.mutable_meeting_completed()->mutable_meeting()->set_relationship_id(relationship_id);
  event.set_type(events::TypeOf(event));
  return event;
}

class ConsumerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(pg::ApplyMigrations(pool_, "runtime", RuntimeMigrations()).ok());
    ASSERT_TRUE(pool_.Exec("CREATE TABLE effects (event_id text NOT NULL, aggregate_id text NOT NULL)").ok());
    ASSERT_TRUE(pool_.Exec("CREATE TABLE relationships (id text PRIMARY KEY, meetings int NOT NULL DEFAULT 0)").ok());
  }

  // Records one effect row per applied event; relationships need match.made first.
  EventHandler Handler(absl::Duration work = absl::ZeroDuration()) {
    return [work](pg::Transaction& txn, const events::EventEnvelope& event) -> absl::Status {
      if (work > absl::ZeroDuration()) absl::SleepFor(work);
      if (event.has_meeting_completed()) {
        const std::string& rel = event.meeting_completed().meeting().relationship_id();
        auto updated = txn.Exec("UPDATE relationships SET meetings = meetings + 1 WHERE id = $1", {rel});
        if (!updated.ok()) return updated.status();
        if (updated->affected() == 0) return EventConsumer::Park("relationship " + rel + " not seen yet");
      }
      if (event.has_match_made()) {
        auto fresh = EventConsumer::AcceptSequence(txn, "test", event);
        if (!fresh.ok()) return fresh.status();
        if (!*fresh) return absl::OkStatus();  // older than what was applied
        auto inserted = txn.Exec("INSERT INTO relationships (id) VALUES ($1) ON CONFLICT DO NOTHING",
                                 {event.match_made().relationship_id()});
        if (!inserted.ok()) return inserted.status();
      }
      return txn
          .Exec("INSERT INTO effects (event_id, aggregate_id) VALUES ($1, $2)",
                {event.event_id(), event.aggregate_id()})
          .status();
    };
  }

  std::string Count(const std::string& sql) { return Query(db_.url(), sql).at(0); }

  ScratchDatabase db_{"consumer"};
  pg::Pool pool_{{.conninfo = db_.url(), .size = 8}};
  prometheus::Registry registry_;
};

TEST_F(ConsumerTest, TheSameEventTwiceIsAppliedOnce) {
  EventConsumer consumer(pool_, {.name = "test", .kafka_bootstrap = StackValue("KAFKA_BOOTSTRAP")}, Handler(),
                         registry_);
  const auto event = MatchMade(NewUuidV7());
  ASSERT_TRUE(consumer.Apply(event).ok());
  ASSERT_TRUE(consumer.Apply(event).ok());
  EXPECT_EQ(Count("SELECT count(*) FROM effects"), "1");
  EXPECT_EQ(Count("SELECT count(*) FROM consumed_events"), "1");
}

TEST_F(ConsumerTest, AnEventBeforeItsPrerequisiteIsParkedThenApplied) {
  EventConsumer consumer(pool_, {.name = "test", .kafka_bootstrap = StackValue("KAFKA_BOOTSTRAP")}, Handler(),
                         registry_);
  const std::string rel = NewUuidV7();
  ASSERT_TRUE(consumer.Apply(MeetingCompleted(rel, NewUuidV7())).ok());  // scheduling's event overtook matching's
  EXPECT_EQ(Count("SELECT count(*) FROM parked_events"), "1");
  EXPECT_EQ(Count("SELECT count(*) FROM effects"), "0");
  ASSERT_TRUE(consumer.Apply(MatchMade(rel)).ok());
  EXPECT_EQ(Count("SELECT count(*) FROM parked_events"), "0");
  EXPECT_EQ(Count("SELECT meetings FROM relationships WHERE id = '" + rel + "'"), "1");
  EXPECT_EQ(Count("SELECT count(*) FROM effects"), "2");
}

TEST_F(ConsumerTest, AnOlderSequenceArrivingLateIsIgnored) {
  EventConsumer consumer(pool_, {.name = "test", .kafka_bootstrap = StackValue("KAFKA_BOOTSTRAP")}, Handler(),
                         registry_);
  const std::string rel = NewUuidV7();
  ASSERT_TRUE(consumer.Apply(MatchMade(rel, 3)).ok());
  ASSERT_TRUE(consumer.Apply(MatchMade(rel, 2)).ok());
  EXPECT_EQ(Count("SELECT count(*) FROM effects"), "1");
}

TEST_F(ConsumerTest, RedeliveredThroughKafkaIsAppliedOnce) {
  const std::string topic = "test.consumer.dedupe." + NewUuidV7();
  ASSERT_TRUE(kafka::CreateTopic(StackValue("KAFKA_BOOTSTRAP"), topic, 1).ok());
  const auto event = MatchMade(NewUuidV7());
  auto producer = kafka::Producer::Create(StackValue("KAFKA_BOOTSTRAP"), absl::Seconds(10));
  ASSERT_TRUE(producer.ok());
  const kafka::OutgoingMessage message{topic, event.aggregate_id(), event.SerializeAsString(), {}};
  for (const auto& r : (*producer)->ProduceAndWait({message, message})) ASSERT_TRUE(r.ok()) << r;

  EventConsumer consumer(
      pool_, {.name = "dedupe-" + NewUuidV7(), .kafka_bootstrap = StackValue("KAFKA_BOOTSTRAP"), .topics = {topic}},
      Handler(), registry_);
  ASSERT_TRUE(consumer.Start().ok());
  for (int i = 0; i < 300 && Count("SELECT count(*) FROM consumed_events") == "0"; ++i)
    absl::SleepFor(absl::Milliseconds(100));
  absl::SleepFor(absl::Seconds(2));  // time for the second copy to arrive and be skipped
  consumer.Stop();
  EXPECT_EQ(Count("SELECT count(*) FROM effects"), "1");
}

TEST_F(ConsumerTest, AFreshGroupWithAStartTimeSkipsWhatCameBefore) {
  const std::string topic = "test.consumer.start-time." + NewUuidV7();
  ASSERT_TRUE(kafka::CreateTopic(StackValue("KAFKA_BOOTSTRAP"), topic, 2).ok());
  auto producer = kafka::Producer::Create(StackValue("KAFKA_BOOTSTRAP"), absl::Seconds(10));
  ASSERT_TRUE(producer.ok());
  const auto before = MatchMade(NewUuidV7());
  for (const auto& r : (*producer)->ProduceAndWait({{topic, before.aggregate_id(), before.SerializeAsString(), {}}})) {
    ASSERT_TRUE(r.ok()) << r;
  }
  absl::SleepFor(absl::Milliseconds(50));  // broker timestamps are in milliseconds
  const absl::Time snapshot = absl::Now();
  absl::SleepFor(absl::Milliseconds(50));
  const auto after = MatchMade(NewUuidV7());
  for (const auto& r : (*producer)->ProduceAndWait({{topic, after.aggregate_id(), after.SerializeAsString(), {}}})) {
    ASSERT_TRUE(r.ok()) << r;
  }
  EventConsumer consumer(pool_,
                         {.name = "start-" + NewUuidV7(),
                          .kafka_bootstrap = StackValue("KAFKA_BOOTSTRAP"),
                          .topics = {topic},
                          .first_start_from = snapshot},
                         Handler(), registry_);
  ASSERT_TRUE(consumer.Start().ok());
  for (int i = 0; i < 300 && Count("SELECT count(*) FROM effects") == "0"; ++i) absl::SleepFor(absl::Milliseconds(100));
  absl::SleepFor(absl::Seconds(1));  // time for an earlier event to show up, were it delivered
  consumer.Stop();
  EXPECT_EQ(Query(db_.url(), "SELECT aggregate_id FROM effects"), std::vector<std::string>{after.aggregate_id()});
}

TEST_F(ConsumerTest, AGroupRebalanceLosesNothingAndAppliesNothingTwice) {
  const std::string topic = "test.consumer.rebalance." + NewUuidV7();
  ASSERT_TRUE(kafka::CreateTopic(StackValue("KAFKA_BOOTSTRAP"), topic, 6).ok());
  constexpr int kEvents = 600;
  std::vector<kafka::OutgoingMessage> messages;
  for (int i = 0; i < kEvents; ++i) {
    const auto event = MatchMade(NewUuidV7());
    messages.push_back({topic, event.aggregate_id(), event.SerializeAsString(), {}});
  }
  auto producer = kafka::Producer::Create(StackValue("KAFKA_BOOTSTRAP"), absl::Seconds(10));
  for (const auto& r : (*producer)->ProduceAndWait(messages)) ASSERT_TRUE(r.ok()) << r;

  const ConsumerSettings settings{
      .name = "rebalance-" + NewUuidV7(), .kafka_bootstrap = StackValue("KAFKA_BOOTSTRAP"), .topics = {topic}};
  const auto applied = [&] { return std::stoi(Count("SELECT count(*) FROM effects")); };
  const auto wait_for = [&](int n) {
    for (int i = 0; i < 1200 && applied() < n; ++i) absl::SleepFor(absl::Milliseconds(50));
  };
  prometheus::Registry registry_b;
  auto first = std::make_unique<EventConsumer>(pool_, settings, Handler(absl::Milliseconds(5)), registry_);
  ASSERT_TRUE(first->Start().ok());
  wait_for(100);
  auto second = std::make_unique<EventConsumer>(pool_, settings, Handler(absl::Milliseconds(5)), registry_b);
  ASSERT_TRUE(second->Start().ok());  // joins: partitions move
  wait_for(300);
  first->Stop();  // leaves: its partitions move to the second
  wait_for(kEvents);
  second->Stop();
  EXPECT_EQ(applied(), kEvents);
  EXPECT_EQ(Count("SELECT count(DISTINCT event_id) FROM effects"), std::to_string(kEvents));
}

}  // namespace
}  // namespace mentoring::testing

namespace mentoring::testing {
namespace {

TEST_F(ConsumerTest, ABatchWithOneFailingEventAppliesTheRestOnceAndParksIt) {
  const std::string topic = "test.consumer.batch." + NewUuidV7();
  ASSERT_TRUE(kafka::CreateTopic(StackValue("KAFKA_BOOTSTRAP"), topic, 1).ok());
  constexpr int kEvents = 200;
  std::vector<kafka::OutgoingMessage> messages;
  std::string poisoned;
  for (int i = 0; i < kEvents; ++i) {
    const auto event = MatchMade(NewUuidV7());
    if (i == kEvents / 2) poisoned = event.event_id();
    messages.push_back({topic, event.aggregate_id(), event.SerializeAsString(), {}});
  }
  auto producer = kafka::Producer::Create(StackValue("KAFKA_BOOTSTRAP"), absl::Seconds(10));
  for (const auto& r : (*producer)->ProduceAndWait(messages)) ASSERT_TRUE(r.ok()) << r;

  // One event's handler always fails (a bug, not an outage): the batch it came in is rolled
  // back and applied one event at a time, so the others take effect and it is parked.
  const EventHandler handler = Handler();
  EventConsumer consumer(
      pool_,
      {.name = "batch-" + NewUuidV7(),
       .kafka_bootstrap = StackValue("KAFKA_BOOTSTRAP"),
       .topics = {topic},
       .retry_backoff = absl::Milliseconds(10)},
      [&](pg::Transaction& txn, const events::EventEnvelope& event) -> absl::Status {
        if (event.event_id() == poisoned) return absl::InternalError("a handler bug");
        return handler(txn, event);
      },
      registry_);
  ASSERT_TRUE(consumer.Start().ok());
  for (int i = 0; i < 600 && (Count("SELECT count(*) FROM parked_events") != "1" ||
                              Count("SELECT count(*) FROM consumed_events") != std::to_string(kEvents));
       ++i) {
    absl::SleepFor(absl::Milliseconds(50));
  }
  consumer.Stop();
  EXPECT_EQ(Count("SELECT count(*) FROM effects"), std::to_string(kEvents - 1));
  EXPECT_EQ(Count("SELECT count(DISTINCT event_id) FROM effects"), std::to_string(kEvents - 1));
  EXPECT_EQ(Count("SELECT event_id::text FROM parked_events"), poisoned);
  EXPECT_EQ(Count("SELECT count(*) FROM consumed_events"), std::to_string(kEvents));
}

}  // namespace
}  // namespace mentoring::testing
