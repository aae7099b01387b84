#include "mentoring/runtime/background_job.h"

#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>

#include "mentoring/runtime/request_metrics.h"

namespace mentoring {
namespace {

constexpr int kJobNiceness = 10;  // of 19: below requests, still well ahead of idle work

prometheus::Counter& Runs(prometheus::Registry& registry, const std::string& job, const char* outcome) {
  return prometheus::BuildCounter()
      .Name("mentoring_job_runs_total")
      .Help("Ticks of a background job, by outcome")
      .Register(registry)
      .Add({{"job", job}, {"outcome", outcome}});
}

}  // namespace

BackgroundJob::BackgroundJob(JobSettings settings, JobTick tick, prometheus::Registry& registry)
    : settings_(std::move(settings)),
      tick_(std::move(tick)),
      succeeded_(Runs(registry, settings_.name, "ok")),
      failed_(Runs(registry, settings_.name, "error")),
      seconds_(prometheus::BuildHistogram()
                   .Name("mentoring_job_duration_seconds")
                   .Help("Time a tick of a background job took, in seconds")
                   .Register(registry)
                   .Add({{"job", settings_.name}}, LatencyBuckets())),
      last_success_(prometheus::BuildGauge()
                        .Name("mentoring_job_last_success_timestamp_seconds")
                        .Help("When a background job last finished a tick without error (Unix time)")
                        .Register(registry)
                        .Add({{"job", settings_.name}})) {}

BackgroundJob::~BackgroundJob() { Stop(); }

void BackgroundJob::Start() {
  thread_ = std::thread([this] { Run(); });
}

void BackgroundJob::Stop() {
  if (!stop_.HasBeenNotified()) stop_.Notify();
  if (thread_.joinable()) thread_.join();
}

void BackgroundJob::Run() {
  // A job's work can wait a moment; a caller's cannot. On Linux a thread's nice value is
  // its own, so this thread yields the CPU to the service's request threads when both
  // want it (a rebuild during an HR sync must not be what a caller waits behind).
  if (setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), kJobNiceness) != 0) {
    spdlog::warn("job {}: could not lower its CPU priority", settings_.name);
  }
  while (!stop_.HasBeenNotified()) {
    const auto started = std::chrono::steady_clock::now();
    auto progress = tick_();
    seconds_.Observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    if (!progress.ok()) {
      failed_.Increment();
      spdlog::warn("job {}: {}", settings_.name, progress.status().ToString());
    } else {
      succeeded_.Increment();
      last_success_.Set(absl::ToDoubleSeconds(absl::Now() - absl::UnixEpoch()));
      if (*progress == JobProgress::kMoreDue) continue;
    }
    stop_.WaitForNotificationWithTimeout(settings_.interval);
  }
}

}  // namespace mentoring
