#include "mentoring/runtime/request_metrics.h"

#include <absl/strings/numbers.h>
#include <absl/strings/str_cat.h>
#include <absl/strings/str_split.h>
#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

namespace mentoring {
namespace {

constexpr std::array<const char*, 17> kCodeNames = {
    "OK",        "CANCELLED",      "UNKNOWN",           "INVALID_ARGUMENT",   "DEADLINE_EXCEEDED",
    "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
    "ABORTED",   "OUT_OF_RANGE",   "UNIMPLEMENTED",     "INTERNAL",           "UNAVAILABLE",
    "DATA_LOSS", "UNAUTHENTICATED"};

// grpc_client_* around each call of a channel: started when its metadata goes out,
// handled when its status comes back.
class ClientMetricsInterceptor final : public grpc::experimental::Interceptor {
 public:
  explicit ClientMetricsInterceptor(MethodMetrics& metrics) : metrics_(metrics) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    using Hook = grpc::experimental::InterceptionHookPoints;
    if (methods->QueryInterceptionHookPoint(Hook::PRE_SEND_INITIAL_METADATA)) {
      started_ = std::chrono::steady_clock::now();
      metrics_.Started();
    }
    if (methods->QueryInterceptionHookPoint(Hook::POST_RECV_STATUS)) {
      const grpc::Status* status = methods->GetRecvStatus();
      metrics_.Handled(status ? status->error_code() : grpc::StatusCode::UNKNOWN,
                       absl::FromChrono(std::chrono::steady_clock::now() - started_));
    }
    methods->Proceed();
  }

 private:
  MethodMetrics& metrics_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

class ClientMetricsFactory final : public grpc::experimental::ClientInterceptorFactoryInterface {
 public:
  grpc::experimental::Interceptor* CreateClientInterceptor(grpc::experimental::ClientRpcInfo* info) override {
    using Type = grpc::experimental::ClientRpcInfo::Type;
    const char* type = "unary";
    switch (info->type()) {
      case Type::CLIENT_STREAMING:
        type = "client_stream";
        break;
      case Type::SERVER_STREAMING:
        type = "server_stream";
        break;
      case Type::BIDI_STREAMING:
        type = "bidi_stream";
        break;
      default:
        break;
    }
    return new ClientMetricsInterceptor(RequestMetrics::Instance().Client(type, info->method()));
  }
};

// process_* from /proc/self at each scrape (what prometheus-cpp 1.0 does not provide).
class ProcessCollector final : public prometheus::Collectable {
 public:
  std::vector<prometheus::MetricFamily> Collect() const override {
    std::vector<prometheus::MetricFamily> families;
    std::ifstream in("/proc/self/stat");
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    // Fields after the command name (which may hold spaces) start at its closing ')'.
    const auto close = stat.rfind(')');
    if (close == std::string::npos) return families;
    std::vector<std::string> fields = absl::StrSplit(stat.substr(close + 2), ' ');
    // fields[0] is stat field 3 (state): field N is fields[N - 3].
    const auto field = [&](size_t n) {
      double value = 0;
      return n - 3 < fields.size() && absl::SimpleAtod(fields[n - 3], &value) ? value : 0.0;
    };
    const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
    const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
    Add(families, "process_cpu_seconds_total", "User and system CPU time spent, in seconds",
        prometheus::MetricType::Counter, (field(14) + field(15)) / ticks);
    Add(families, "process_resident_memory_bytes", "Resident memory size, in bytes", prometheus::MetricType::Gauge,
        field(24) * page);
    Add(families, "process_virtual_memory_bytes", "Virtual memory size, in bytes", prometheus::MetricType::Gauge,
        field(23));
    Add(families, "process_threads", "Threads of the process", prometheus::MetricType::Gauge, field(20));
    Add(families, "process_start_time_seconds", "Start time of the process since the Unix epoch, in seconds",
        prometheus::MetricType::Gauge, BootTime() + field(22) / ticks);
    std::error_code ec;
    double fds = 0;
    for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec); !ec && it != std::filesystem::end(it);
         it.increment(ec)) {
      ++fds;
    }
    Add(families, "process_open_fds", "Open file descriptors", prometheus::MetricType::Gauge, fds);
    return families;
  }

 private:
  static void Add(std::vector<prometheus::MetricFamily>& families, std::string name, std::string help,
                  prometheus::MetricType type, double value) {
    prometheus::MetricFamily family{std::move(name), std::move(help), type, {}};
    prometheus::ClientMetric metric;
    if (type == prometheus::MetricType::Counter) {
      metric.counter.value = value;
    } else {
      metric.gauge.value = value;
    }
    family.metric.push_back(std::move(metric));
    families.push_back(std::move(family));
  }

  static double BootTime() {
    std::ifstream in("/proc/stat");
    std::string line;
    while (std::getline(in, line)) {
      double value = 0;
      if (line.rfind("btime ", 0) == 0 && absl::SimpleAtod(line.substr(6), &value)) return value;
    }
    return 0;
  }
};

}  // namespace

prometheus::Registry& ProcessRegistry() { return *ProcessRegistryPtr(); }

std::shared_ptr<prometheus::Registry> ProcessRegistryPtr() {
  static const auto registry = std::make_shared<prometheus::Registry>();
  return registry;
}

const prometheus::Histogram::BucketBoundaries& LatencyBuckets() {
  static const prometheus::Histogram::BucketBoundaries buckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                                  0.1,    0.25,  0.5,    1,     2.5,  5,     10};
  return buckets;
}

std::shared_ptr<prometheus::Collectable> ProcessMetrics() {
  static const auto collector = std::make_shared<ProcessCollector>();
  return collector;
}

MethodMetrics::MethodMetrics(prometheus::Family<prometheus::Counter>& started,
                             prometheus::Family<prometheus::Counter>& handled,
                             prometheus::Family<prometheus::Histogram>& seconds, prometheus::Labels labels)
    : handled_family_(handled),
      labels_(std::move(labels)),
      started_(started.Add(labels_)),
      seconds_(seconds.Add(labels_, LatencyBuckets())) {}

void MethodMetrics::Handled(grpc::StatusCode code, absl::Duration elapsed) {
  const auto index = static_cast<size_t>(code) < handled_.size() ? static_cast<size_t>(code) : 2;  // UNKNOWN
  prometheus::Counter* counter = handled_[index].load(std::memory_order_acquire);
  if (counter == nullptr) {
    auto labels = labels_;
    labels["grpc_code"] = kCodeNames[index];
    counter = &handled_family_.Add(labels);  // the family returns the same series every time
    handled_[index].store(counter, std::memory_order_release);
  }
  counter->Increment();
  seconds_.Observe(absl::ToDoubleSeconds(elapsed));
}

RequestMetrics& RequestMetrics::Instance() {
  static RequestMetrics* metrics = new RequestMetrics();  // never destroyed: channels may outlive main
  return *metrics;
}

RequestMetrics::Families RequestMetrics::MakeFamilies(const std::string& side, const std::string& who) {
  return {prometheus::BuildCounter()
              .Name("grpc_" + side + "_started_total")
              .Help("RPCs started " + who)
              .Register(ProcessRegistry()),
          prometheus::BuildCounter()
              .Name("grpc_" + side + "_handled_total")
              .Help("RPCs completed " + who + ", by status code")
              .Register(ProcessRegistry()),
          prometheus::BuildHistogram()
              .Name("grpc_" + side + "_handling_seconds")
              .Help("Time from an RPC's start to its status " + who + ", in seconds")
              .Register(ProcessRegistry())};
}

RequestMetrics::RequestMetrics()
    : server_(MakeFamilies("server", "on the server")),
      client_(MakeFamilies("client", "by this process as a client")) {}

MethodMetrics& RequestMetrics::Find(bool server, absl::string_view type, absl::string_view service,
                                    absl::string_view method) {
  const std::string key = absl::StrCat(server ? "s" : "c", "/", type, "/", service, "/", method);
  absl::MutexLock lock(&mu_);
  auto it = methods_.find(key);
  if (it == methods_.end()) {
    Families& f = server ? server_ : client_;
    prometheus::Labels labels = {
        {"grpc_type", std::string(type)}, {"grpc_service", std::string(service)}, {"grpc_method", std::string(method)}};
    it = methods_.emplace(key, std::make_unique<MethodMetrics>(f.started, f.handled, f.seconds, std::move(labels)))
             .first;
  }
  return *it->second;
}

MethodMetrics& RequestMetrics::Server(absl::string_view type, absl::string_view service, absl::string_view method) {
  return Find(true, type, service, method);
}

MethodMetrics& RequestMetrics::Client(absl::string_view type, absl::string_view full_method) {
  // "/package.Service/Method"
  absl::string_view path = full_method;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  const auto slash = path.find('/');
  const absl::string_view service = slash == absl::string_view::npos ? path : path.substr(0, slash);
  const absl::string_view method = slash == absl::string_view::npos ? "" : path.substr(slash + 1);
  return Find(false, type, service, method);
}

std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface> RequestMetrics::ClientInterceptorFactory() {
  return std::make_unique<ClientMetricsFactory>();
}

}  // namespace mentoring
