// The transactional outbox against real PostgreSQL and Kafka: a state change and its event
// commit together or not at all, and the relay publishes what committed, in order per key.
#include <absl/random/random.h>
#include <absl/strings/str_cat.h>
#include <gtest/gtest.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>
#include <sys/wait.h>

#include <cstdio>

#include "event_checks.h"
#include "harness.h"
#include "mentoring/runtime/events.h"
#include "mentoring/runtime/ids.h"
#include "mentoring/runtime/kafka.h"
#include "mentoring/runtime/outbox.h"

namespace mentoring::testing {
namespace {

// Runs tools/outbox_dead_letters against `url` with `args`; its exit code and output.
std::pair<int, std::string> RunDeadLetterTool(const std::string& url, const std::string& args) {
  const std::string command = absl::StrCat(OUTBOX_DEAD_LETTERS_BIN, " --database-url='", url, "' ", args, " 2>&1");
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return {-1, "cannot run " + command};
  std::string out;
  char buffer[4096];
  size_t n = 0;
  while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0) out.append(buffer, n);
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

// Text lz4 cannot shrink much (random letters), so its size on the wire is about `bytes`.
std::string Incompressible(size_t bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  absl::BitGen gen;
  std::string text(bytes, ' ');
  for (char& c : text) c = kAlphabet[absl::Uniform(gen, 0, 64)];
  return text;
}

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

// A message over the topic's max.message.bytes, on the real broker: it is dead-lettered with
// the broker's error, its key's later events are held (the policy), other keys go on, the
// gauges show it, and the operator tool drops one (recorded, the held event then goes) and
// retries the other after the limit is raised (published ahead of its key's held event).
TEST_F(OutboxTest, AnEventKafkaRefusesForGoodIsDeadLetteredAndItsKeyHeldUntilRetriedOrDropped) {
  const std::string bootstrap = StackValue("KAFKA_BOOTSTRAP");
  const std::string producer = "outboxdlq";
  const std::string topic = events::TopicFor(producer);
  // One partition: all keys share the broker's batches, and the broker fails a whole batch
  // for one refused message, so the relay must find which one it was.
  ASSERT_TRUE(kafka::CreateTopic(bootstrap, topic, 1, {{"max.message.bytes", "8192"}}).ok());
  struct TopicGone {
    std::string bootstrap, topic;
    ~TopicGone() { (void)kafka::DeleteTopic(bootstrap, topic); }
  } topic_gone{bootstrap, topic};
  EventCollector collector(topic);

  const std::string a = "a-" + NewUuidV7();
  const std::string b = "b-" + NewUuidV7();
  const std::string c = "c-" + NewUuidV7();
  std::map<std::string, std::string> ids;  // "a2" -> event id
  const auto append = [&](const std::string& key, int64_t sequence, size_t padding) {
    auto event = events::NewEvent(producer, "widget", key, sequence, SystemClock::Instance());
    event.mutable_profile_updated()->set_person_id(key + Incompressible(padding));
    ids[key.substr(0, 1) + std::to_string(sequence)] = event.event_id();
    ASSERT_TRUE(
        pool_.InTransaction([&](pg::Transaction& txn) { return Outbox::Append(txn, event, SystemClock::Instance()); })
            .ok());
  };
  append(a, 1, 0);
  append(a, 2, 20000);  // over the topic's 8 KiB
  append(c, 1, 30000);  // over it too
  append(b, 1, 0);
  append(a, 3, 0);
  append(c, 2, 0);
  append(b, 2, 0);

  OutboxRelay relay(pool_,
                    {.outbox_name = producer, .kafka_bootstrap = bootstrap, .lag_refresh = absl::Milliseconds(100)},
                    SystemClock::Instance(), registry_);
  relay.Start();
  const auto gauge = [&](const std::string& name) {
    return MetricValue(prometheus::TextSerializer().Serialize(registry_.Collect()),
                       name + "{outbox=\"" + producer + "\"}");
  };
  const auto open_dead_letters = [&] {
    return Query(db_.url(), "SELECT count(*) FROM outbox_dead_letters WHERE resolution IS NULL")[0];
  };
  const std::map<std::string, std::vector<int64_t>> while_held = {{a, {1}}, {b, {1, 2}}, {c, {}}};
  auto received = collector.CollectUntil(
      [&](const auto& got) { return DistinctEventsFor(got, while_held) >= 3 && open_dead_letters() == "2"; },
      absl::Seconds(60));
  received = collector.CollectUntil([](const auto&) { return false; }, absl::Seconds(2));  // nothing more comes
  EXPECT_TRUE(DeliveredExactlyAsPromised(received, while_held)) << "other keys go on; a held key's later events wait";

  auto letters = OutboxDeadLetters::List(pool_, false);
  ASSERT_TRUE(letters.ok()) << letters.status();
  ASSERT_EQ(letters->size(), 2u);
  std::map<std::string, DeadLetter> by_key;
  for (const auto& letter : *letters) by_key[letter.partition_key] = letter;
  ASSERT_TRUE(by_key.contains(a) && by_key.contains(c));
  EXPECT_EQ(by_key[a].event_id, ids["a2"]) << "the big one, not the small events that shared its batch";
  EXPECT_EQ(by_key[c].event_id, ids["c1"]);
  for (const auto& [key, letter] : by_key) {
    EXPECT_NE(letter.error.find("MSG_SIZE_TOO_LARGE"), std::string::npos) << letter.error;
    EXPECT_GE(letter.attempts, 1);
    EXPECT_EQ(letter.held_events, 1) << key;
    EXPECT_EQ(letter.topic, topic);
    EXPECT_EQ(letter.event_type, "profile.updated");
  }
  EXPECT_EQ(Query(db_.url(), "SELECT count(*) FROM outbox WHERE published_at IS NULL"), std::vector<std::string>{"2"});
  for (int i = 0; i < 50 && gauge("mentoring_outbox_held_events") != 2; ++i) absl::SleepFor(absl::Milliseconds(100));
  EXPECT_EQ(gauge("mentoring_outbox_dead_letters"), 2);
  EXPECT_EQ(gauge("mentoring_outbox_held_events"), 2);
  EXPECT_EQ(gauge("mentoring_outbox_dead_lettered_total"), 2);

  const auto [listed, list_output] = RunDeadLetterTool(db_.url(), "list");
  EXPECT_EQ(listed, 0) << list_output;
  EXPECT_NE(list_output.find(ids["a2"]), std::string::npos) << list_output;
  EXPECT_NE(list_output.find("MSG_SIZE_TOO_LARGE"), std::string::npos) << list_output;
  const std::string c_id = std::to_string(by_key[c].id);
  std::string a_id = std::to_string(by_key[a].id);
  const auto [shown, show_output] = RunDeadLetterTool(db_.url(), "show --id=" + a_id);
  EXPECT_EQ(shown, 0) << show_output;
  EXPECT_NE(show_output.find("profile_updated {"), std::string::npos) << "the event, decoded";
  EXPECT_NE(show_output.find("held=1"), std::string::npos) << show_output.substr(0, 400);
  EXPECT_EQ(RunDeadLetterTool(db_.url(), "drop --id=" + c_id + " --by=test-operator").first, 2)
      << "a drop without a reason is refused";

  // Drop: recorded, and the key's held event goes.
  const auto [dropped, drop_output] =
      RunDeadLetterTool(db_.url(), "drop --id=" + c_id + " --by=test-operator '--reason=oversized test payload'");
  EXPECT_EQ(dropped, 0) << drop_output;
  const std::map<std::string, std::vector<int64_t>> after_drop = {{a, {1}}, {b, {1, 2}}, {c, {2}}};
  received = collector.CollectUntil([&](const auto& got) { return DistinctEventsFor(got, after_drop) >= 4; },
                                    absl::Seconds(30));
  EXPECT_TRUE(DeliveredExactlyAsPromised(received, after_drop));
  EXPECT_EQ(Query(db_.url(),
                  "SELECT resolution || ' by ' || resolved_by || ': ' || resolution_reason "
                  "FROM outbox_dead_letters WHERE id = " +
                      c_id),
            std::vector<std::string>{"dropped by test-operator: oversized test payload"});

  // A retry before the cause is fixed: refused again, a new dead letter, the old one kept as
  // history, the key still held.
  const std::string first_a_id = a_id;
  const auto [too_soon, too_soon_output] =
      RunDeadLetterTool(db_.url(), "retry --id=" + a_id + " --by=test-operator '--reason=before raising the limit'");
  EXPECT_EQ(too_soon, 0) << too_soon_output;
  std::vector<std::string> again;
  for (int i = 0; i < 100; ++i) {
    again =
        Query(db_.url(), "SELECT id FROM outbox_dead_letters WHERE resolution IS NULL AND partition_key = '" + a + "'");
    if (!again.empty()) break;
    absl::SleepFor(absl::Milliseconds(100));
  }
  ASSERT_EQ(again.size(), 1u) << "refused again: dead-lettered again";
  a_id = again[0];
  EXPECT_NE(a_id, first_a_id);
  EXPECT_EQ(Query(db_.url(),
                  "SELECT resolution || ' by ' || resolved_by || ': ' || resolution_reason "
                  "FROM outbox_dead_letters WHERE id = " +
                      first_a_id),
            std::vector<std::string>{"retried by test-operator: before raising the limit"});
  EXPECT_EQ(Query(db_.url(), "SELECT event_id::text FROM outbox_dead_letters WHERE id = " + a_id),
            std::vector<std::string>{ids["a2"]});

  // Retry after raising the limit: published first, then the key's held event.
  ASSERT_TRUE(kafka::SetTopicConfig(bootstrap, topic, {{"max.message.bytes", "1048588"}}).ok());
  auto probe = kafka::Producer::Create(bootstrap, absl::Seconds(5));
  ASSERT_TRUE(probe.ok());
  bool raised = false;
  for (int i = 0; i < 40 && !raised; ++i) {
    raised = (*probe)->ProduceAndWait({{topic, "probe-" + NewUuidV7(), Incompressible(20000), {}}}).front().ok();
    if (!raised) absl::SleepFor(absl::Milliseconds(250));
  }
  ASSERT_TRUE(raised) << "the broker never took the raised limit";
  const auto [retried, retry_output] = RunDeadLetterTool(db_.url(), "retry --id=" + a_id + " --by=test-operator");
  EXPECT_EQ(retried, 0) << retry_output;
  const std::map<std::string, std::vector<int64_t>> all = {{a, {1, 2, 3}}, {b, {1, 2}}, {c, {2}}};
  received =
      collector.CollectUntil([&](const auto& got) { return DistinctEventsFor(got, all) >= 6; }, absl::Seconds(30));
  for (int i = 0; i < 50 && gauge("mentoring_outbox_dead_letters") != 0; ++i) absl::SleepFor(absl::Milliseconds(100));
  EXPECT_EQ(gauge("mentoring_outbox_dead_letters"), 0);
  EXPECT_EQ(gauge("mentoring_outbox_held_events"), 0);
  relay.Stop();
  EXPECT_TRUE(DeliveredExactlyAsPromised(received, all)) << "the retried event comes back in its key's order";
  EXPECT_EQ(Query(db_.url(), "SELECT resolution || ' by ' || resolved_by FROM outbox_dead_letters WHERE id = " + a_id),
            std::vector<std::string>{"retried by test-operator"});
  EXPECT_EQ(Query(db_.url(), "SELECT count(*) FROM outbox WHERE published_at IS NULL"), std::vector<std::string>{"0"});
  EXPECT_EQ(open_dead_letters(), "0");
  EXPECT_EQ(RunDeadLetterTool(db_.url(), "retry --id=" + a_id + " --by=test-operator").first, 1)
      << "a resolved dead letter cannot be retried twice";
}

}  // namespace
}  // namespace mentoring::testing
