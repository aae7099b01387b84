#pragma once
// Splits work over mentee rows between a few threads. Scoring dominates the solver's time and
// rows cost about the same, so a shared counter handing out small chunks keeps both cores busy
// without a pool that outlives the call.
#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace mentoring::matching::internal {

// Calls body(worker, first, last) for consecutive chunks covering [0, count), on up to
// `threads` threads (worker in [0, threads)); each worker index is used by one thread only, so
// body may keep per-worker scratch. The first exception thrown stops the others and is rethrown
// here once every thread has finished.
template <typename Body>
void ParallelForRows(int threads, int count, const Body& body) {
  constexpr int kChunk = 16;
  const int chunks = (count + kChunk - 1) / kChunk;
  const int workers = std::clamp(threads, 1, std::max(1, chunks));
  std::atomic<int> next_row{0};
  std::atomic<bool> failed{false};
  std::exception_ptr first_error;
  std::mutex error_mutex;
  auto work = [&](int worker) {
    try {
      while (!failed.load(std::memory_order_relaxed)) {
        const int first = next_row.fetch_add(kChunk, std::memory_order_relaxed);
        if (first >= count) return;
        body(worker, first, std::min(count, first + kChunk));
      }
    } catch (...) {
      std::lock_guard lock(error_mutex);
      if (!first_error) first_error = std::current_exception();
      failed.store(true, std::memory_order_relaxed);
    }
  };
  {
    std::vector<std::jthread> helpers;
    helpers.reserve(static_cast<size_t>(workers - 1));
    for (int worker = 1; worker < workers; ++worker) helpers.emplace_back(work, worker);
    work(0);
  }  // jthreads join here
  if (first_error) std::rethrow_exception(first_error);
}

}  // namespace mentoring::matching::internal
