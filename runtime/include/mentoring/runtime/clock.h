#pragma once
// Every "now" in the product comes from a Clock, so tests and the end-to-end scenario can
// move time forward instead of sleeping.
#include <absl/synchronization/mutex.h>
#include <absl/time/time.h>

namespace mentoring {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() const = 0;
};

class SystemClock final : public Clock {
 public:
  absl::Time Now() const override { return absl::Now(); }
  // The process-wide real clock.
  static const Clock& Instance();
};

// A clock that only moves when told to. Thread-safe.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(absl::Time start) : now_(start) {}
  absl::Time Now() const override;
  void Advance(absl::Duration by);
  void Set(absl::Time to);

 private:
  mutable absl::Mutex mu_;
  absl::Time now_ ABSL_GUARDED_BY(mu_);
};

// Real time plus an offset that only grows: a running service whose tests move time forward
// (a meeting's grace period passing, a review falling due) without sleeping. Only started
// with TEST_CLOCK=true, which also serves mentoring.runtime.v1.TestClock to move it.
class AdjustableClock final : public Clock {
 public:
  absl::Time Now() const override;
  // Moves time forward by `by` (a negative amount is ignored: time never goes back).
  void Advance(absl::Duration by);

 private:
  mutable absl::Mutex mu_;
  absl::Duration offset_ ABSL_GUARDED_BY(mu_) = absl::ZeroDuration();
};

}  // namespace mentoring
