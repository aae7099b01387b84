#pragma once
// The pieces of a serving process: metrics on an admin port, a gRPC server on the callback
// API with the standard health service and reflection, a worker pool that runs blocking
// handler work off gRPC's threads, the caller's identity and trace read from a call, and
// graceful drain on SIGTERM. The service skeleton (service.h) puts them together.
#include <absl/status/statusor.h>
#include <absl/synchronization/mutex.h>
#include <absl/time/time.h>
#include <grpcpp/grpcpp.h>
#include <prometheus/exposer.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "mentoring/runtime/call_context.h"
#include "mentoring/runtime/errors.h"
#include "mentoring/runtime/identity.h"
#include "mentoring/runtime/logging.h"
#include "mentoring/runtime/tracing.h"
#include "mentoring/runtime/worker_pool.h"

namespace mentoring {

// The process's registry (request_metrics.h), with the process_* metrics, served at
// http://ADDRESS/metrics.
class MetricsEndpoint {
 public:
  explicit MetricsEndpoint(const std::string& listen_address);
  prometheus::Registry& registry() { return *registry_; }
  std::vector<int> ports() const { return exposer_.GetListeningPorts(); }

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Exposer exposer_;
};

// Who is calling (the internal token, verified), under which trace (a child span of the
// caller's traceparent, or a new root) and for which client request (x-request-id).
absl::StatusOr<CallContext> ReadCallContext(const grpc::ServerContextBase& ctx, const InternalTokenVerifier& verifier);

struct ServerSettings {
  std::string listen_address = "127.0.0.1:0";  // port 0: pick a free one
  // On SIGTERM: report NOT_SERVING, keep serving for `drain_delay` (load balancers notice),
  // then stop accepting and give in-flight calls `shutdown_grace` to finish.
  absl::Duration drain_delay = absl::ZeroDuration();
  absl::Duration shutdown_grace = absl::Seconds(20);
  std::shared_ptr<grpc::ServerCredentials> credentials;  // null: plaintext (ServerCredentialsFor)
};

class GrpcServer {
 public:
  explicit GrpcServer(ServerSettings settings);
  void AddService(grpc::Service* service) { services_.push_back(service); }
  absl::Status Start();
  int port() const { return port_; }
  void Drain() {  // graceful: health NOT_SERVING, drain delay, Shutdown(deadline)
    BeginDrain();
    FinishDrain();
  }
  // Drain's two halves, for a process with other work to finish in between: the gateway
  // answers its HTTP requests in flight after the delay and before FinishDrain, because a
  // server's shutdown also stops the callbacks of this process's own outgoing calls.
  void BeginDrain();   // NOT_SERVING, then the drain delay
  void FinishDrain();  // refuse new calls; in-flight ones get shutdown_grace

 private:
  ServerSettings settings_;
  std::vector<grpc::Service*> services_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

// Blocks SIGTERM and SIGINT in this thread and every thread started after it. Call first
// thing in main; then WaitForShutdownSignal() returns when one arrives.
void BlockShutdownSignals();
int WaitForShutdownSignal();

// A deadline on every outbound call, plus the caller's identity and trace; the request id
// of `parent` travels on when there is one.
std::unique_ptr<grpc::ClientContext> OutboundContext(absl::Duration deadline, const std::string& internal_token,
                                                     const TraceContext* parent, const std::string& request_id = "");

}  // namespace mentoring
