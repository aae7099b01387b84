#pragma once
// Rate, errors and latency of every gRPC call a process serves or makes, under the names
// operators know from grpc-ecosystem's go-grpc-prometheus (grpc_server_handled_total,
// grpc_server_handling_seconds, grpc_client_*), and the process's own CPU, memory, threads
// and file descriptors (process_*). The adapters (grpc_api.h) and every channel made by
// ChannelTo (tls.h) record them without the service asking.
#include <absl/strings/string_view.h>
#include <absl/synchronization/mutex.h>
#include <absl/time/time.h>
#include <grpcpp/support/client_interceptor.h>
#include <grpcpp/support/status_code_enum.h>
#include <prometheus/collectable.h>
#include <prometheus/counter.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <array>
#include <atomic>
#include <map>
#include <memory>
#include <string>

namespace mentoring {

// The registry every metric of this process is registered in and /metrics serves.
prometheus::Registry& ProcessRegistry();
std::shared_ptr<prometheus::Registry> ProcessRegistryPtr();

// One method's series, made once (at registration for served methods, at the first call
// for methods called), so a call costs two atomic adds and a histogram observation.
class MethodMetrics {
 public:
  MethodMetrics(prometheus::Family<prometheus::Counter>& started, prometheus::Family<prometheus::Counter>& handled,
                prometheus::Family<prometheus::Histogram>& seconds, prometheus::Labels labels);
  void Started() { started_.Increment(); }
  void Handled(grpc::StatusCode code, absl::Duration elapsed);

 private:
  prometheus::Family<prometheus::Counter>& handled_family_;
  prometheus::Labels labels_;
  prometheus::Counter& started_;
  prometheus::Histogram& seconds_;
  std::array<std::atomic<prometheus::Counter*>, 17> handled_{};  // by status code, made on first use
};

class RequestMetrics {
 public:
  static RequestMetrics& Instance();

  // grpc_type is "unary", "client_stream", "server_stream" or "bidi_stream".
  MethodMetrics& Server(absl::string_view type, absl::string_view service, absl::string_view method);
  // `full_method` is the call's path, "/mentoring.profiles.v1.ProfilesService/GetPerson".
  MethodMetrics& Client(absl::string_view type, absl::string_view full_method);

  // Records grpc_client_* for every call of a channel made with it.
  std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface> ClientInterceptorFactory();

 private:
  RequestMetrics();
  MethodMetrics& Find(bool server, absl::string_view type, absl::string_view service, absl::string_view method);

  struct Families {
    prometheus::Family<prometheus::Counter>& started;
    prometheus::Family<prometheus::Counter>& handled;
    prometheus::Family<prometheus::Histogram>& seconds;
  };
  static Families MakeFamilies(const std::string& side, const std::string& who);
  Families server_;
  Families client_;
  absl::Mutex mu_;
  std::map<std::string, std::unique_ptr<MethodMetrics>, std::less<>> methods_ ABSL_GUARDED_BY(mu_);
};

// The bucket bounds, in seconds, of every latency histogram (sub-millisecond cache reads
// up to the longest import).
const prometheus::Histogram::BucketBoundaries& LatencyBuckets();

// The process_* metrics, read from /proc at each scrape (MetricsEndpoint serves them).
std::shared_ptr<prometheus::Collectable> ProcessMetrics();

}  // namespace mentoring
