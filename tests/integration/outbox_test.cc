// The transactional outbox against real PostgreSQL and Kafka: a state change and its event
// commit together or not at all, and the relay publishes what committed, in order per key.
#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include "event_checks.h"
#include "harness.h"
#include "mentoring/runtime/events.h"
#include "mentoring/runtime/ids.h"
#include "mentoring/runtime/outbox.h"

namespace mentoring::testing {
namespace {

class OutboxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    EnsureTestTopics();
    ASSERT_TRUE(pg::ApplyMigrations(pool_, "runtime", RuntimeMigrations()).ok());
    ASSERT_TRUE(pool_.Exec("CREATE TABLE widgets (id text PRIMARY KEY, version bigint NOT NULL)").ok());
  }

  // One state change plus its event, in one transaction; `fail_after` aborts after both.
  absl::Status ChangeWidget(const std::string& id, int64_t version, bool fail_after) {
    return pool_.InTransaction([&](pg::Transaction& txn) -> absl::Status {
      auto written =
          txn.Exec("INSERT INTO widgets (id, version) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET version = $2",
                   {id, version});
      if (!written.ok()) return written.status();
      auto event = events::NewEvent("profiles", "person", id, version, SystemClock::Instance());
      event.mutable_profile_updated()->set_person_id(id);
      if (auto appended = Outbox::Append(txn, event, SystemClock::Instance()); !appended.ok()) return appended;
      if (fail_after) return absl::InvalidArgumentError("business rule failed after the event was written");
      return absl::OkStatus();
    });
  }

  ScratchDatabase db_{"outbox"};
  pg::Pool pool_{{.conninfo = db_.url(), .size = 4}};
  prometheus::Registry registry_;
};

TEST_F(OutboxTest, StateAndEventCommitTogetherOrNotAtAll) {
  ASSERT_TRUE(ChangeWidget("w-ok", 1, false).ok());
  EXPECT_EQ(ChangeWidget("w-bad", 1, true).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Query(db_.url(), "SELECT count(*) FROM widgets WHERE id = 'w-bad'"), std::vector<std::string>{"0"});
  EXPECT_EQ(Query(db_.url(), "SELECT count(*) FROM outbox WHERE partition_key = 'w-bad'"),
            std::vector<std::string>{"0"});
  EXPECT_EQ(Query(db_.url(), "SELECT count(*) FROM widgets WHERE id = 'w-ok'"), std::vector<std::string>{"1"});
  EXPECT_EQ(Query(db_.url(), "SELECT event_type FROM outbox WHERE partition_key = 'w-ok'"),
            std::vector<std::string>{"profile.updated"});
}

TEST_F(OutboxTest, RelayPublishesEveryCommittedEventInOrderPerKey) {
  EventCollector collector(events::TopicFor("profiles"));
  std::map<std::string, std::vector<int64_t>> expected;
  for (int k = 0; k < 20; ++k) {
    const std::string key = NewUuidV7();
    for (int v = 1; v <= 5; ++v) {
      ASSERT_TRUE(ChangeWidget(key, v, false).ok());
      expected[key].push_back(v);
    }
  }
  ASSERT_TRUE(ChangeWidget("rolled-back", 1, true).code() == absl::StatusCode::kInvalidArgument);

  OutboxRelay relay(pool_, {.outbox_name = "outbox-test", .kafka_bootstrap = StackValue("KAFKA_BOOTSTRAP")},
                    SystemClock::Instance(), registry_);
  relay.Start();
  const auto received = collector.CollectUntil(
      [&](const auto& got) { return DistinctEventsFor(got, expected) >= TotalExpected(expected); }, absl::Seconds(60));
  relay.Stop();
  EXPECT_TRUE(DeliveredExactlyAsPromised(received, expected));
  EXPECT_EQ(Query(db_.url(), "SELECT count(*) FROM outbox WHERE published_at IS NULL"), std::vector<std::string>{"0"});
}

TEST_F(OutboxTest, PublishedRowsArePrunedAfterRetention) {
  ASSERT_TRUE(ChangeWidget("w-old", 1, false).ok());
  ManualClock clock(absl::Now());
  OutboxRelay relay(pool_,
                    {.outbox_name = "outbox-prune",
                     .kafka_bootstrap = StackValue("KAFKA_BOOTSTRAP"),
                     .retention = absl::Hours(1),
                     .prune_interval = absl::Milliseconds(1)},
                    clock, registry_);
  relay.Start();
  for (int i = 0; i < 300 && Query(db_.url(), "SELECT count(*) FROM outbox WHERE published_at IS NULL")[0] != "0";
       ++i) {
    absl::SleepFor(absl::Milliseconds(100));
  }
  EXPECT_EQ(Query(db_.url(), "SELECT count(*) FROM outbox"), std::vector<std::string>{"1"}) << "kept within retention";
  clock.Advance(absl::Hours(2));
  for (int i = 0; i < 100 && Query(db_.url(), "SELECT count(*) FROM outbox")[0] != "0"; ++i) {
    absl::SleepFor(absl::Milliseconds(50));
  }
  relay.Stop();
  EXPECT_EQ(Query(db_.url(), "SELECT count(*) FROM outbox"), std::vector<std::string>{"0"});
}

}  // namespace
}  // namespace mentoring::testing
