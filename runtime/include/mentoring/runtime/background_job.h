#pragma once
// Work a service does on its own, not on a request: sweepers, window extenders, connectors.
// Each job runs `tick` every `interval` on a thread of its own until the service stops; a
// tick that reports a full batch runs again at once. Ticks decide what is due from the
// service's injectable clock (the interval only paces them), so tests move time forward
// instead of sleeping. Every job reports its runs, failures, duration and last success.
// Jobs run at a lower CPU priority than the threads that answer calls.
#include <absl/status/statusor.h>
#include <absl/synchronization/notification.h>
#include <absl/time/time.h>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <functional>
#include <string>
#include <thread>

namespace mentoring {

// What a tick reports: whether more is due now (it stopped at its batch size).
enum class JobProgress { kDone, kMoreDue };
using JobTick = std::function<absl::StatusOr<JobProgress>()>;

struct JobSettings {
  std::string name;  // "missed_meeting_sweeper": the metrics label and the log prefix
  absl::Duration interval = absl::Seconds(1);
};

class BackgroundJob {
 public:
  BackgroundJob(JobSettings settings, JobTick tick, prometheus::Registry& registry);
  ~BackgroundJob();  // stops
  void Start();
  // Lets the tick in hand finish, then joins.
  void Stop();

 private:
  void Run();

  JobSettings settings_;
  JobTick tick_;
  absl::Notification stop_;
  std::thread thread_;
  prometheus::Counter& succeeded_;
  prometheus::Counter& failed_;
  prometheus::Histogram& seconds_;
  prometheus::Gauge& last_success_;
};

}  // namespace mentoring
