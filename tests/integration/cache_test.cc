// The versioned cache against a real Redis: a slow reader can never put back an older
// version over a newer one, and deletions stick.
#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <absl/synchronization/notification.h>

#include <atomic>
#include <thread>
#include <vector>

#include "harness.h"
#include "mentoring/runtime/ids.h"
#include "mentoring/runtime/redis.h"

namespace mentoring::testing {
namespace {

using Entry = redis::VersionedCache::Entry;

class CacheTest : public ::testing::Test {
 protected:
  redis::Client client_{{.host = StackValue("REDIS_HOST"), .port = std::stoi(StackValue("REDIS_PORT"))}};
  prometheus::Registry registry_;
  redis::VersionedCache cache_{client_, "test:" + NewUuidV7() + ":", absl::Minutes(1), registry_};
};

TEST_F(CacheTest, AnOlderVersionNeverReplacesANewerOne) {
  cache_.Put("k", {2, "two", false});
  cache_.Put("k", {1, "one", false});
  auto got = cache_.Get("k");
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->version, 2);
  EXPECT_EQ(got->data, "two");
}

TEST_F(CacheTest, ASlowReaderRacingAWriterLeavesTheWritersVersion) {
  // The "database": version 1, then a writer commits version 2 while a reader that loaded
  // version 1 is still on its way to the cache.
  std::atomic<int64_t> db_version{1};
  std::atomic<bool> reader_loaded{false};
  std::thread reader([&] {
    auto result = cache_.GetOrLoad("race", [&]() -> absl::StatusOr<Entry> {
      const int64_t v = db_version.load();
      reader_loaded = true;
      absl::SleepFor(absl::Milliseconds(300));  // injected delay: the writer gets in here
      return Entry{v, "v" + std::to_string(v), false};
    });
    EXPECT_TRUE(result.ok());
  });
  while (!reader_loaded) absl::SleepFor(absl::Milliseconds(1));
  db_version = 2;
  cache_.Put("race", {2, "v2", false});  // the writer's write-through after its commit
  reader.join();
  auto cached = cache_.Get("race");
  ASSERT_TRUE(cached.has_value());
  EXPECT_EQ(cached->version, 2) << "the slow reader put back a stale value";
  EXPECT_EQ(cached->data, "v2");
}

TEST_F(CacheTest, ATombstoneKeepsADeletedRecordDeleted) {
  cache_.Put("gone", {3, "", true});
  cache_.Put("gone", {2, "resurrected", false});
  auto got = cache_.Get("gone");
  ASSERT_TRUE(got.has_value());
  EXPECT_TRUE(got->deleted);
}

TEST_F(CacheTest, EntriesExpire) {
  prometheus::Registry registry;
  redis::VersionedCache short_lived(client_, "test:" + NewUuidV7() + ":", absl::Milliseconds(200), registry);
  short_lived.Put("k", {1, "x", false});
  EXPECT_TRUE(short_lived.Get("k").has_value());
  absl::SleepFor(absl::Milliseconds(400));
  EXPECT_FALSE(short_lived.Get("k").has_value());
}

// GetAsync, waited for: what the pipelined read answered.
std::optional<Entry> GetAsyncAndWait(redis::VersionedCache& cache, const std::string& key) {
  absl::Notification answered;
  std::optional<Entry> got;
  cache.GetAsync(key, [&](std::optional<Entry> entry) {
    got = std::move(entry);
    answered.Notify();
  });
  answered.WaitForNotification();
  return got;
}

TEST_F(CacheTest, APipelinedReadSeesWhatWasWrittenBeforeIt) {
  EXPECT_FALSE(GetAsyncAndWait(cache_, "absent").has_value());
  cache_.Put("k", {4, "four", false});
  auto got = GetAsyncAndWait(cache_, "k");
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->version, 4);
  EXPECT_EQ(got->data, "four");
  cache_.Put("k", {5, "", true});
  got = GetAsyncAndWait(cache_, "k");
  ASSERT_TRUE(got.has_value());
  EXPECT_TRUE(got->deleted);
}

// Many reads of many keys from many threads share pipelined batches: each answer must be
// the one for its own key.
TEST_F(CacheTest, PipelinedReadsEachGetTheirOwnKeysAnswer) {
  constexpr int kKeys = 50;
  for (int k = 0; k < kKeys; ++k) cache_.Put("key" + std::to_string(k), {k + 1, "value" + std::to_string(k), false});
  std::atomic<int> wrong{0};
  std::atomic<int> answered{0};
  constexpr int kThreads = 8;
  constexpr int kReadsPerThread = 500;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kReadsPerThread; ++i) {
        const int k = (t * 7 + i) % kKeys;
        cache_.GetAsync("key" + std::to_string(k), [&, k](std::optional<Entry> entry) {
          if (!entry || entry->version != k + 1 || entry->data != "value" + std::to_string(k)) ++wrong;
          ++answered;
        });
      }
    });
  }
  for (auto& t : threads) t.join();
  while (answered.load() < kThreads * kReadsPerThread) absl::SleepFor(absl::Milliseconds(1));
  EXPECT_EQ(wrong.load(), 0);
}

// The promise that matters: once a write has returned, no read started afterwards sees
// anything older, while other reads are in flight on the same pipeline.
TEST_F(CacheTest, NoPipelinedReadStartedAfterAWriteSeesAnOlderVersion) {
  std::atomic<bool> stop{false};
  std::vector<std::thread> background;
  for (int t = 0; t < 4; ++t) {
    background.emplace_back([&] {
      while (!stop) GetAsyncAndWait(cache_, "hot");
    });
  }
  int stale = 0;
  for (int64_t version = 1; version <= 300; ++version) {
    cache_.Put("hot", {version, "v" + std::to_string(version), false});
    auto got = GetAsyncAndWait(cache_, "hot");
    if (!got || got->version < version) ++stale;
  }
  stop = true;
  for (auto& t : background) t.join();
  EXPECT_EQ(stale, 0);
}

// With Redis unreachable a pipelined read answers as a miss (the caller then reads the
// database) instead of hanging, and a later one is refused at once by the breaker.
TEST(CacheWithoutRedis, APipelinedReadMisses) {
  redis::Client unreachable({.host = "127.0.0.1", .port = 1});
  prometheus::Registry registry;
  redis::VersionedCache cache(unreachable, "test:", absl::Minutes(1), registry);
  EXPECT_FALSE(GetAsyncAndWait(cache, "k").has_value());
  EXPECT_FALSE(GetAsyncAndWait(cache, "k").has_value());
}

}  // namespace
}  // namespace mentoring::testing
