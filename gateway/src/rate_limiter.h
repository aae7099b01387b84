#pragma once
// Per-caller rate limits: a fixed one-minute window counted in Redis, so every gateway
// replica shares one count per caller. When Redis cannot answer, each replica keeps
// counting on its own (the same limit per replica): callers are still limited, and an
// outage of a cache never takes the API down with it.
#include <absl/container/flat_hash_map.h>
#include <absl/synchronization/mutex.h>

#include <cstdint>
#include <string>

#include "mentoring/runtime/clock.h"
#include "mentoring/runtime/redis.h"

namespace mentoring::gateway {

struct RateDecision {
  bool allowed = true;
  int64_t limit = 0;
  int64_t remaining = 0;
  int64_t retry_after_seconds = 0;  // when refused: until the window ends
  bool shared = true;               // false: counted by this replica alone (Redis unreachable)
};

class RateLimiter {
 public:
  // `redis` may be null (local counting only). `per_minute` <= 0 disables limiting.
  RateLimiter(redis::Client* redis, int64_t per_minute, const Clock& clock);
  RateDecision Check(const std::string& caller_id);

 private:
  RateDecision Decide(int64_t count, int64_t window_end_seconds, int64_t now_seconds, bool shared) const;
  RateDecision CheckLocally(const std::string& caller_id, int64_t window, int64_t window_end, int64_t now);

  redis::Client* redis_;
  int64_t per_minute_;
  const Clock& clock_;
  absl::Mutex mu_;
  int64_t local_window_ ABSL_GUARDED_BY(mu_) = -1;
  absl::flat_hash_map<std::string, int64_t> local_counts_ ABSL_GUARDED_BY(mu_);
};

}  // namespace mentoring::gateway
