// The skeleton's pieces that hold state, against a real PostgreSQL: the document store
// helper (versions never go back, corrupt rows are errors), typed event routes in a
// transaction, the read-model loader's record of its snapshot, and background jobs.
#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <atomic>

#include "harness.h"
#include "mentoring/common/v1/common.pb.h"
#include "mentoring/matching/v1/matching.pb.h"
#include "mentoring/runtime/background_job.h"
#include "mentoring/runtime/event_consumer.h"
#include "mentoring/runtime/event_router.h"
#include "mentoring/runtime/events.h"
#include "mentoring/runtime/ids.h"
#include "mentoring/runtime/outbox.h"
#include "mentoring/runtime/read_model.h"
#include "mentoring/runtime/store.h"

namespace mentoring::testing {
namespace {

using Programme = matching::v1::Programme;

class RuntimePiecesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(pg::ApplyMigrations(pool_, "runtime", RuntimeMigrations()).ok());
    ASSERT_TRUE(pool_
                    .Exec("CREATE TABLE programmes (programme_id text PRIMARY KEY, body bytea NOT NULL, "
                          "version bigint NOT NULL, name text NOT NULL, created_at timestamptz NOT NULL)")
                    .ok());
  }

  static Programme Named(const std::string& id, const std::string& name, int64_t version) {
    Programme p;
    p.set_programme_id(id);
    p.set_name(name);
    p.set_version(version);
    return p;
  }

  ScratchDatabase db_{"runtime_pieces"};
  pg::Pool pool_{{.conninfo = db_.url(), .size = 4}};
  prometheus::Registry registry_;
  pg::DocumentTable<Programme> programmes_{
      {.table = "programmes",
       .what = "programme",
       .key_column = "programme_id",
       .key = [](const Programme& p) { return p.programme_id(); },
       .version = [](const Programme& p) { return p.version(); },
       .columns = {{"name", [](const Programme& p) { return pg::Param(p.name()); }}},
       .insert_only = {"created_at"}}};
};

TEST_F(RuntimePiecesTest, ADocumentIsSavedLoadedAndNeverTakenBackAVersion) {
  ASSERT_TRUE(programmes_.Insert(pool_, Named("p1", "Spring", 1)).ok());
  EXPECT_EQ(programmes_.Insert(pool_, Named("p1", "Again", 1)).code(), absl::StatusCode::kAlreadyExists);
  auto saved = pg::InTransaction(pool_, [&](pg::Transaction& txn) -> absl::StatusOr<Programme> {
    auto current = programmes_.GetForUpdate(txn, "p1");
    if (!current.ok()) return current.status();
    current->set_name("Summer");
    current->set_version(current->version() + 1);
    if (auto done = programmes_.Save(txn, *current); !done.ok()) return done;
    return *current;
  });
  ASSERT_TRUE(saved.ok()) << saved.status();
  EXPECT_EQ(programmes_.Get(pool_, "p1")->name(), "Summer");
  EXPECT_EQ(Query(db_.url(), "SELECT name || version FROM programmes"), std::vector<std::string>{"Summer2"});
  // A writer that loaded version 1 without the row lock cannot put it back over version 2.
  EXPECT_EQ(programmes_.Save(pool_, Named("p1", "Stale", 1)).code(), absl::StatusCode::kAborted);
  EXPECT_EQ(programmes_.Get(pool_, "p1")->name(), "Summer");

  EXPECT_EQ(programmes_.Get(pool_, "nobody").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(programmes_.Get(pool_, "").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(programmes_.Find(pool_, "nobody")->has_value());
  // A row whose message does not parse is an error, never an empty programme.
  ASSERT_TRUE(pool_.Exec("INSERT INTO programmes VALUES ('bad', '\\xffff', 1, 'x', now())").ok());
  EXPECT_EQ(programmes_.Get(pool_, "bad").status().code(), absl::StatusCode::kInternal);
  auto many = programmes_.Many(pool_, "SELECT body FROM programmes ORDER BY programme_id");
  EXPECT_EQ(many.status().code(), absl::StatusCode::kInternal);
}

TEST_F(RuntimePiecesTest, EventsGoToTheHandlerOfTheirPayloadType) {
  int made = 0, closed = 0;
  EventRouter router;
  router
      .On<events::v1::MatchMade>(
          [&](pg::Transaction&, const events::EventEnvelope& event, const events::v1::MatchMade& m) {
            EXPECT_EQ(m.relationship_id(), event.aggregate_id());
            ++made;
            return absl::OkStatus();
          })
      .On<events::v1::RelationshipClosed>([&](pg::Transaction&, const events::EventEnvelope&, const auto&) {
        ++closed;
        return absl::OkStatus();
      });
  ASSERT_TRUE(router.Check().ok());
  auto event = events::NewEvent("matching", "relationship", "r1", 1, SystemClock::Instance());
  event.mutable_match_made()->set_relationship_id("r1");
  auto other = events::NewEvent("matching", "relationship", "r1", 2, SystemClock::Instance());
  other.mutable_match_declined()->set_relationship_id("r1");  // no handler: acknowledged, skipped
  ASSERT_TRUE(pool_
                  .InTransaction([&](pg::Transaction& txn) -> absl::Status {
                    if (auto a = router.Dispatch(txn, event); !a.ok()) return a;
                    return router.Dispatch(txn, other);
                  })
                  .ok());
  EXPECT_EQ(made, 1);
  EXPECT_EQ(closed, 0);
  EXPECT_TRUE(router.Handles(event));
  EXPECT_FALSE(router.Handles(other));

  EventRouter wrong;
  wrong
      .On<common::v1::Date>(
          [](pg::Transaction&, const events::EventEnvelope&, const auto&) { return absl::OkStatus(); })
      .On<events::v1::MatchMade>(
          [](pg::Transaction&, const events::EventEnvelope&, const auto&) { return absl::OkStatus(); })
      .On<events::v1::MatchMade>(
          [](pg::Transaction&, const events::EventEnvelope&, const auto&) { return absl::OkStatus(); });
  const std::string problems(wrong.Check().message());
  EXPECT_NE(problems.find("mentoring.common.v1.Date is not a payload"), std::string::npos) << problems;
  EXPECT_NE(problems.find("two handlers for mentoring.events.v1.MatchMade"), std::string::npos) << problems;
}

TEST_F(RuntimePiecesTest, ARunOfOneTypeGoesToItsBatchHandlerOnceAndWhatItParksIsKept) {
  std::vector<std::vector<std::string>> calls;  // the relationship ids of each batch call
  int closed = 0;
  EventRouter router;
  router
      .OnBatch<events::v1::MatchMade>(
          [&](pg::Transaction&, const std::vector<EventRouter::Item<events::v1::MatchMade>>& made)
              -> absl::StatusOr<std::vector<absl::Status>> {
            std::vector<std::string> ids;
            std::vector<absl::Status> outcome;
            for (const auto& [event, m] : made) {
              ids.push_back(m.relationship_id());
              // "late" stands for an event whose prerequisite has not arrived.
              outcome.push_back(m.relationship_id() == "late" ? EventConsumer::Park("not yet") : absl::OkStatus());
            }
            calls.push_back(ids);
            return outcome;
          })
      .On<events::v1::RelationshipClosed>([&](pg::Transaction&, const events::EventEnvelope&, const auto&) {
        ++closed;
        return absl::OkStatus();
      });
  ASSERT_TRUE(router.Check().ok());
  auto made = [](const std::string& relationship_id) {
    auto event = events::NewEvent("matching", "relationship", relationship_id, 1, SystemClock::Instance());
    event.mutable_match_made()->set_relationship_id(relationship_id);
    return event;
  };
  auto closing = events::NewEvent("matching", "relationship", "r0", 2, SystemClock::Instance());
  closing.mutable_relationship_closed()->set_relationship_id("r0");
  const auto seen_before = made("seen-before");
  const auto twice = made("r2");
  EventConsumer consumer(pool_, {.name = "batch-test"}, router, registry_);
  ASSERT_TRUE(consumer.Apply(seen_before).ok());
  calls.clear();

  ASSERT_TRUE(consumer.ApplyBatch({made("r1"), twice, seen_before, twice, made("late"), closing, made("r3")}).ok());
  // The run before the closure in one call, without the event seen before or the second
  // copy; then the closure through its own handler; then the run after it. After that,
  // only retries of the parked one, alone (it is due at once).
  ASSERT_GE(calls.size(), 2u);
  EXPECT_EQ(calls[0], (std::vector<std::string>{"r1", "r2", "late"}));
  EXPECT_EQ(calls[1], (std::vector<std::string>{"r3"}));
  for (size_t i = 2; i < calls.size(); ++i) EXPECT_EQ(calls[i], (std::vector<std::string>{"late"}));
  EXPECT_EQ(closed, 1);
  auto parked = pool_.Exec("SELECT reason FROM parked_events WHERE consumer = 'batch-test'");
  ASSERT_TRUE(parked.ok());
  ASSERT_EQ(parked->rows(), 1);
  EXPECT_EQ(parked->Text(0, 0), "not yet");
  auto consumed = pool_.Exec("SELECT count(*) FROM consumed_events WHERE consumer = 'batch-test'");
  ASSERT_TRUE(consumed.ok());
  EXPECT_EQ(consumed->Text(0, 0), "6");  // seen-before, r1, r2, late (parked), the closure, r3
}

TEST_F(RuntimePiecesTest, AReadModelLoadIsRedoneUntilItCompletesAndItsStartIsKept) {
  std::atomic<int> attempts{0};
  ReadModelSettings settings{.name = "people",
                             .load = [&]() -> absl::StatusOr<int64_t> {
                               if (++attempts < 3) return absl::UnavailableError("the owner is not up yet");
                               return 42;
                             },
                             .overlap = absl::Minutes(5),
                             .retry_interval = absl::Milliseconds(10)};
  absl::Time first_start;
  {
    ReadModelLoader loader(pool_, settings, registry_);
    auto start = loader.Prepare();
    ASSERT_TRUE(start.ok()) << start.status();
    first_start = *start;
    EXPECT_LE(first_start, absl::Now() - absl::Minutes(5) + absl::Seconds(2));
    EXPECT_FALSE(loader.loaded());
    loader.Start();
    for (int i = 0; i < 200 && !loader.loaded(); ++i) absl::SleepFor(absl::Milliseconds(10));
    EXPECT_TRUE(loader.loaded());
    EXPECT_EQ(attempts.load(), 3);
  }
  // The next start finds the load complete: nothing to redo, and the same snapshot start.
  ReadModelLoader again(pool_, settings, registry_);
  auto start = again.Prepare();
  ASSERT_TRUE(start.ok());
  EXPECT_EQ(*start, first_start);
  EXPECT_TRUE(again.loaded());
  again.Start();
  EXPECT_EQ(attempts.load(), 3);
}

TEST_F(RuntimePiecesTest, ABackgroundJobTicksUntilStoppedAndRunsAgainAtOnceWhenMoreIsDue) {
  std::atomic<int> ticks{0};
  BackgroundJob job(
      {.name = "test_job", .interval = absl::Hours(1)},
      [&]() -> absl::StatusOr<JobProgress> {
        // Three full batches, then caught up: the interval (an hour) never passes.
        return ++ticks < 4 ? JobProgress::kMoreDue : JobProgress::kDone;
      },
      registry_);
  job.Start();
  for (int i = 0; i < 200 && ticks < 4; ++i) absl::SleepFor(absl::Milliseconds(10));
  job.Stop();
  EXPECT_EQ(ticks.load(), 4);
}

}  // namespace
}  // namespace mentoring::testing
