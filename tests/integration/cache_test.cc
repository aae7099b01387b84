// The versioned cache against a real Redis: a slow reader can never put back an older
// version over a newer one, and deletions stick.
#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <thread>

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

}  // namespace
}  // namespace mentoring::testing
