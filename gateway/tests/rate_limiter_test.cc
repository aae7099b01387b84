// Rate limits per caller, shared through Redis, and what happens when Redis is gone: each
// replica keeps limiting on its own.
#include "rate_limiter.h"

#include <gtest/gtest.h>

namespace mentoring::gateway {
namespace {

TEST(RateLimiter, RefusesPastTheLimitUntilTheMinuteEnds) {
  ManualClock clock(absl::FromUnixSeconds(1'800'000'010));  // 10 s into a minute
  RateLimiter limiter(nullptr, 3, clock);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.Check("ada").allowed);
  const RateDecision refused = limiter.Check("ada");
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after_seconds, 50);
  EXPECT_EQ(refused.remaining, 0);
  EXPECT_TRUE(limiter.Check("grace").allowed);  // per caller
  clock.Advance(absl::Seconds(50));             // the next minute
  EXPECT_TRUE(limiter.Check("ada").allowed);
}

TEST(RateLimiter, WithRedisUnreachableEachReplicaStillLimits) {
  ManualClock clock(absl::FromUnixSeconds(1'800'000'000));
  // Nothing listens on port 1: every command fails fast (and the breaker opens).
  redis::Client unreachable({.host = "127.0.0.1", .port = 1});
  RateLimiter limiter(&unreachable, 2, clock);
  const RateDecision first = limiter.Check("ada");
  EXPECT_TRUE(first.allowed);
  EXPECT_FALSE(first.shared);
  EXPECT_TRUE(limiter.Check("ada").allowed);
  EXPECT_FALSE(limiter.Check("ada").allowed);
}

TEST(RateLimiter, ZeroMeansOff) {
  ManualClock clock(absl::FromUnixSeconds(1'800'000'000));
  RateLimiter limiter(nullptr, 0, clock);
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(limiter.Check("ada").allowed);
}

}  // namespace
}  // namespace mentoring::gateway
