#pragma once
// Snapshots that readers may still hold, kept until every reader has let go, so that the
// time freeing one takes (tens of milliseconds for 50,000 people) is spent on the
// background job that calls Collect, never on the thread of a call that happened to drop
// the last copy.
#include <absl/container/flat_hash_map.h>
#include <absl/synchronization/mutex.h>

#include <memory>
#include <vector>

namespace mentoring::matching {

class Retired {
 public:
  // Keeps `old` until no reader holds it (nothing when null).
  void Add(std::shared_ptr<const void> old) {
    if (old == nullptr) return;
    absl::MutexLock lock(&mu_);
    kept_.push_back(std::move(old));
  }

  // Frees, on the calling thread, what only this list still holds.
  void Collect() {
    std::vector<std::shared_ptr<const void>> unused;
    {
      absl::MutexLock lock(&mu_);
      // The same object may be kept twice (two holders retired it): free when every
      // remaining reference is one of ours.
      absl::flat_hash_map<const void*, long> ours;
      for (const auto& kept : kept_) ++ours[kept.get()];
      auto unheld = [&](const std::shared_ptr<const void>& kept) { return kept.use_count() == ours[kept.get()]; };
      for (auto& kept : kept_) {
        if (unheld(kept)) unused.push_back(std::move(kept));
      }
      std::erase(kept_, nullptr);
    }
  }

 private:
  absl::Mutex mu_;
  std::vector<std::shared_ptr<const void>> kept_ ABSL_GUARDED_BY(mu_);
};

}  // namespace mentoring::matching
