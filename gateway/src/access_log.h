#pragma once
// What operators see of every answered request: http_requests_total and
// http_request_duration_seconds labelled by method, route template (never the raw path,
// which can hold ids or a calendar feed's capability token) and status, and one JSON
// access-log line with the request and trace ids.
#include <absl/container/flat_hash_map.h>
#include <absl/synchronization/mutex.h>
#include <absl/time/time.h>
#include <prometheus/counter.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <string>
#include <string_view>

namespace mentoring::gateway {

struct AnsweredRequest {
  std::string_view method;  // "GET"
  std::string_view route;   // "/v1/people/{person_id}"; empty when no route matched
  int status = 0;
  absl::Duration elapsed;  // from the request's header to its answer
  size_t response_bytes = 0;
  std::string_view request_id;
  std::string_view trace_id;
  std::string_view caller_id;  // an opaque id, when the caller was authenticated
};

class AccessLog {
 public:
  explicit AccessLog(prometheus::Registry& registry);
  void Record(const AnsweredRequest& request);

 private:
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Histogram>& seconds_;
  absl::Mutex mu_;
  // The series already made, so a request costs a lookup, not a new label set.
  absl::flat_hash_map<std::string, prometheus::Counter*> counters_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, prometheus::Histogram*> histograms_ ABSL_GUARDED_BY(mu_);
};

}  // namespace mentoring::gateway
