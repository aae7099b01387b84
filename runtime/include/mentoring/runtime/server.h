#pragma once
// What every service's main needs: metrics on an admin port, a gRPC server on the callback
// API with the standard health service and reflection, a worker pool that runs blocking
// handler work off gRPC's threads, per-call identity and trace context, and graceful drain
// on SIGTERM.
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

#include "mentoring/runtime/errors.h"
#include "mentoring/runtime/identity.h"
#include "mentoring/runtime/logging.h"
#include "mentoring/runtime/tracing.h"

namespace mentoring {

// Prometheus registry served at http://ADDRESS/metrics.
class MetricsEndpoint {
 public:
  explicit MetricsEndpoint(const std::string& listen_address);
  prometheus::Registry& registry() { return *registry_; }
  std::vector<int> ports() const { return exposer_.GetListeningPorts(); }

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Exposer exposer_;
};

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

// Who is calling and under which trace, read from the call's metadata.
struct CallContext {
  Caller caller;
  TraceContext trace;  // a child span of the caller's traceparent, or a new root
};

absl::StatusOr<CallContext> ReadCallContext(const grpc::ServerContextBase& ctx, const InternalTokenVerifier& verifier);

// Runs `work` for a unary call on the pool, authenticated and traced, and finishes the
// call with its status. `work` returns absl::Status; domain errors map in one place.
template <class Work>
grpc::ServerUnaryReactor* HandleUnary(grpc::CallbackServerContext* ctx, WorkerPool& pool,
                                      const InternalTokenVerifier& verifier, Work work) {
  auto* reactor = ctx->DefaultReactor();
  pool.Submit([ctx, reactor, &verifier, work = std::move(work)]() mutable {
    auto call = ReadCallContext(*ctx, verifier);
    if (!call.ok()) {
      reactor->Finish(errors::ToGrpcStatus(call.status()));
      return;
    }
    ScopedLogTrace log_trace(call->trace.trace_id);
    absl::Status status = work(*call);
    if (status.code() == absl::StatusCode::kInternal || status.code() == absl::StatusCode::kUnknown) {
      spdlog::error("internal error: {}", status.ToString());
    }
    reactor->Finish(errors::ToGrpcStatus(status));
  });
  return reactor;
}

// For a unary call whose work waits without blocking a thread (Client::CommandAsync): runs
// `start(call, done)` on gRPC's thread, authenticated and traced, and `done(status)`,
// called once from any thread, finishes the call. `call` stays valid until `done` is
// called. `start` must not block: what may block still goes to the WorkerPool. This saves
// the hand-off to the pool and a pool thread blocked per call.
using UnaryDone = std::function<void(absl::Status)>;
template <class Start>
grpc::ServerUnaryReactor* HandleUnaryAsync(grpc::CallbackServerContext* ctx, const InternalTokenVerifier& verifier,
                                           Start start) {
  auto* reactor = ctx->DefaultReactor();
  auto call = ReadCallContext(*ctx, verifier);
  if (!call.ok()) {
    reactor->Finish(errors::ToGrpcStatus(call.status()));
    return reactor;
  }
  auto owned = std::make_shared<const CallContext>(std::move(*call));
  const CallContext& ref = *owned;
  ScopedLogTrace log_trace(ref.trace.trace_id);
  start(ref, UnaryDone([reactor, owned = std::move(owned)](absl::Status status) {
          if (status.code() == absl::StatusCode::kInternal || status.code() == absl::StatusCode::kUnknown) {
            ScopedLogTrace call_trace(owned->trace.trace_id);
            spdlog::error("internal error: {}", status.ToString());
          }
          reactor->Finish(errors::ToGrpcStatus(status));
        }));
  return reactor;
}

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

// A deadline on every outbound call, plus the caller's identity and trace.
std::unique_ptr<grpc::ClientContext> OutboundContext(absl::Duration deadline, const std::string& internal_token,
                                                     const TraceContext* parent);

}  // namespace mentoring
