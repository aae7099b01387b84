#pragma once
// A fixed-size pool of threads for blocking work (PostgreSQL, Redis), so that gRPC's
// callback threads never block. Free of gRPC: use cases that finish a call later (a cache
// miss read on the pool) take it too.
#include <absl/synchronization/mutex.h>

#include <deque>
#include <functional>
#include <thread>
#include <vector>

namespace mentoring {

// Fixed-size pool for blocking work (database, Redis) so gRPC's callback threads never block.
class WorkerPool {
 public:
  explicit WorkerPool(int threads);
  ~WorkerPool();  // finishes queued work, then joins
  void Submit(std::function<void()> work);

 private:
  absl::Mutex mu_;
  std::deque<std::function<void()>> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace mentoring
