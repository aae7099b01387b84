#include "rate_limiter.h"

#include <absl/strings/str_cat.h>

namespace mentoring::gateway {
namespace {

constexpr int64_t kWindowSeconds = 60;
// Counts the request and starts the key's expiry with the window, atomically.
constexpr char kCountScript[] =
    "local n = redis.call('INCR', KEYS[1]) "
    "if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end "
    "return n";

}  // namespace

RateLimiter::RateLimiter(redis::Client* redis, int64_t per_minute, const Clock& clock)
    : redis_(redis), per_minute_(per_minute), clock_(clock) {}

RateDecision RateLimiter::Decide(int64_t count, int64_t window_end, int64_t now, bool shared) const {
  RateDecision decision;
  decision.limit = per_minute_;
  decision.shared = shared;
  decision.allowed = count <= per_minute_;
  decision.remaining = std::max<int64_t>(0, per_minute_ - count);
  if (!decision.allowed) decision.retry_after_seconds = std::max<int64_t>(1, window_end - now);
  return decision;
}

RateDecision RateLimiter::CheckLocally(const std::string& caller_id, int64_t window, int64_t window_end, int64_t now) {
  absl::MutexLock lock(&mu_);
  if (window != local_window_) {  // a new minute: forget the last one's counts (bounded memory)
    local_window_ = window;
    local_counts_.clear();
  }
  return Decide(++local_counts_[caller_id], window_end, now, false);
}

RateDecision RateLimiter::Check(const std::string& caller_id) {
  if (per_minute_ <= 0) return RateDecision{};
  const int64_t now = absl::ToUnixSeconds(clock_.Now());
  const int64_t window = now / kWindowSeconds;
  const int64_t window_end = (window + 1) * kWindowSeconds;
  if (redis_ != nullptr) {
    auto reply = redis_->Command({"EVAL", kCountScript, "1", absl::StrCat("gateway:rate:", caller_id, ":", window),
                                  absl::StrCat(kWindowSeconds + 5)});
    if (reply.ok() && reply->type == redis::Reply::Type::kInteger) {
      return Decide(reply->integer, window_end, now, true);
    }
  }
  return CheckLocally(caller_id, window, window_end, now);
}

}  // namespace mentoring::gateway
