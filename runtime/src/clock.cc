#include "mentoring/runtime/clock.h"

namespace mentoring {

const Clock& SystemClock::Instance() {
  static const SystemClock clock;
  return clock;
}

absl::Time ManualClock::Now() const {
  absl::MutexLock lock(&mu_);
  return now_;
}

void ManualClock::Advance(absl::Duration by) {
  absl::MutexLock lock(&mu_);
  now_ += by;
}

void ManualClock::Set(absl::Time to) {
  absl::MutexLock lock(&mu_);
  now_ = to;
}

absl::Time AdjustableClock::Now() const {
  absl::MutexLock lock(&mu_);
  return absl::Now() + offset_;
}

void AdjustableClock::Advance(absl::Duration by) {
  if (by <= absl::ZeroDuration()) return;
  absl::MutexLock lock(&mu_);
  offset_ += by;
}

}  // namespace mentoring
