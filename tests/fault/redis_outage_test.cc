// Redis stopped: cached reads stay correct (served from PostgreSQL), writes succeed, and
// nothing stale is served once Redis is back.
#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include "harness.h"
#include "mentoring/runtime/ids.h"
#include "mentoring/runtime/redis.h"

namespace mentoring::testing {
namespace {

TEST(RedisOutage, CachedReadsStayCorrectThroughTheOutage) {
  ScratchDatabase db("redis_outage");
  ServiceProcess service(ServiceBinary("profiles"), ServiceEnv("profiles", {{"DATABASE_URL", db.url()}}));
  ASSERT_TRUE(service.Start().ok()) << service.log();
  auto stub = profiles::v1::ProfilesService::NewStub(service.channel());
  const auto get = [&](const std::string& id) {
    profiles::v1::GetPersonRequest request;
    request.set_person_id(id);
    profiles::v1::Person person;
    auto status = stub->GetPerson(ContextAs(ServiceCaller()).get(), request, &person);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return person;
  };

  profiles::v1::CreatePersonRequest create;
  *create.mutable_person() = SamplePerson("redis");
  profiles::v1::Person v1;
  ASSERT_TRUE(stub->CreatePerson(ContextAs(HrCaller()).get(), create, &v1).ok());
  EXPECT_EQ(get(v1.person_id()).version(), 1);  // now cached

  StackControl("stop", "redis");
  EXPECT_EQ(get(v1.person_id()).version(), 1);
  profiles::v1::UpdatePersonRequest update;
  *update.mutable_person() = v1;
  update.mutable_person()->set_title("Changed while Redis was down");
  update.set_expected_version(1);
  profiles::v1::Person v2;
  auto updated = stub->UpdatePerson(ContextAs(HrCaller()).get(), update, &v2);
  ASSERT_TRUE(updated.ok()) << updated.error_message();
  EXPECT_EQ(get(v1.person_id()).title(), "Changed while Redis was down");
  StackControl("start", "redis");

  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(get(v1.person_id()).version(), 2);
    absl::SleepFor(absl::Milliseconds(100));
  }
  EXPECT_TRUE(service.running());
}

// A write the cache could not take while Redis was away is remembered: until it lands,
// reads of that key miss (and go to the database) instead of serving the old entry, and it
// is re-sent by itself once Redis is back.
TEST(RedisOutage, AWriteTheCacheMissedIsResentWhenRedisReturns) {
  redis::Client client({.host = StackValue("REDIS_HOST"),
                        .port = std::stoi(StackValue("REDIS_PORT")),
                        .breaker_cooldown = absl::Milliseconds(100)});
  prometheus::Registry registry;
  redis::VersionedCache cache(client, "test:" + NewUuidV7() + ":", absl::Minutes(5), registry);
  cache.Put("k", {1, "old", false});
  ASSERT_EQ(cache.Get("k")->data, "old");
  StackControl("stop", "redis");
  cache.Put("k", {2, "new", false});  // fails: remembered
  EXPECT_FALSE(cache.Get("k").has_value()) << "a miss (then the database), never the old value";
  StackControl("start", "redis");
  absl::SleepFor(absl::Milliseconds(300));
  std::optional<redis::VersionedCache::Entry> got;
  for (int i = 0; i < 50; ++i) {
    got = cache.Get("k");
    if (got) break;
    absl::SleepFor(absl::Milliseconds(100));
  }
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->data, "new");
}

}  // namespace
}  // namespace mentoring::testing
