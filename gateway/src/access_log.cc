#include "access_log.h"

#include <absl/strings/str_cat.h>

#include "mentoring/runtime/logging.h"
#include "mentoring/runtime/request_metrics.h"

namespace mentoring::gateway {

AccessLog::AccessLog(prometheus::Registry& registry)
    : requests_(prometheus::BuildCounter()
                    .Name("http_requests_total")
                    .Help("HTTP requests answered, by method, route template and status")
                    .Register(registry)),
      seconds_(prometheus::BuildHistogram()
                   .Name("http_request_duration_seconds")
                   .Help("Time from a request's header to its answer, in seconds, by method and route template")
                   .Register(registry)) {}

void AccessLog::Record(const AnsweredRequest& r) {
  const std::string route = r.route.empty() ? "unmatched" : std::string(r.route);
  const std::string method(r.method);
  const std::string status = std::to_string(r.status);
  {
    const std::string key = absl::StrCat(method, " ", route);
    const std::string counter_key = absl::StrCat(key, " ", status);
    absl::MutexLock lock(&mu_);
    auto& counter = counters_[counter_key];
    if (counter == nullptr) counter = &requests_.Add({{"method", method}, {"route", route}, {"status", status}});
    counter->Increment();
    auto& histogram = histograms_[key];
    if (histogram == nullptr) histogram = &seconds_.Add({{"method", method}, {"route", route}}, LatencyBuckets());
    histogram->Observe(absl::ToDoubleSeconds(r.elapsed));
  }
  LogWithFields(spdlog::level::info, "access",
                {{"type", "access"},
                 {"method", r.method},
                 {"route", route},
                 {"status", r.status},
                 {"duration_ms", absl::ToDoubleMilliseconds(r.elapsed)},
                 {"bytes", static_cast<int64_t>(r.response_bytes)},
                 {"request_id", r.request_id},
                 {"trace_id", r.trace_id},
                 {"caller", r.caller_id}});
}

}  // namespace mentoring::gateway
