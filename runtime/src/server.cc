#include "mentoring/runtime/server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <csignal>

#include "mentoring/runtime/request_metrics.h"

namespace mentoring {

MetricsEndpoint::MetricsEndpoint(const std::string& listen_address)
    : registry_(ProcessRegistryPtr()), exposer_(listen_address) {
  exposer_.RegisterCollectable(registry_);
  exposer_.RegisterCollectable(ProcessMetrics());
}

absl::StatusOr<CallContext> ReadCallContext(const grpc::ServerContextBase& ctx, const InternalTokenVerifier& verifier) {
  const auto& metadata = ctx.client_metadata();
  std::string_view token;
  if (auto it = metadata.find(kInternalTokenHeader); it != metadata.end()) {
    token = std::string_view(it->second.data(), it->second.size());
  }
  auto caller = verifier.Verify(token);
  if (!caller.ok()) return caller.status();
  CallContext call;
  call.caller = std::move(*caller);
  std::optional<TraceContext> parent;
  if (auto it = metadata.find(kTraceparentHeader); it != metadata.end()) {
    parent = TraceContext::Parse(std::string_view(it->second.data(), it->second.size()));
  }
  call.trace = parent ? parent->Child() : TraceContext::NewRoot();
  if (auto it = metadata.find(kRequestIdHeader); it != metadata.end()) {
    // Only what is safe to log: a client's id is printable ASCII and short.
    const std::string_view id(it->second.data(), std::min<size_t>(it->second.size(), 128));
    if (std::all_of(id.begin(), id.end(), [](char c) { return c > 0x20 && c < 0x7f && c != '"' && c != '\\'; })) {
      call.request_id = std::string(id);
    }
  }
  return call;
}

GrpcServer::GrpcServer(ServerSettings settings) : settings_(std::move(settings)) {}

absl::Status GrpcServer::Start() {
  // Abseil's mutex deadlock detector is on in Debian's build and costs a few percent of
  // every request; the services' lock order is simple and covered by tests.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(settings_.listen_address,
                           settings_.credentials ? settings_.credentials : grpc::InsecureServerCredentials(), &port_);
  // No bandwidth-delay probing: it grows a stream's receive window the longer an upload
  // runs, so a long client stream (an HR import) would buffer more and more of the file in
  // this process ahead of the reader. Inside a data centre the default window is enough.
  builder.AddChannelArgument(GRPC_ARG_HTTP2_BDP_PROBE, 0);
  for (auto* service : services_) builder.RegisterService(service);
  server_ = builder.BuildAndStart();
  if (!server_ || port_ == 0) {
    return absl::UnavailableError("cannot listen on " + settings_.listen_address +
                                  " (in use, or not an address of this host)");
  }
  server_->GetHealthCheckService()->SetServingStatus(true);
  return absl::OkStatus();
}

void GrpcServer::BeginDrain() {
  if (!server_) return;
  server_->GetHealthCheckService()->SetServingStatus(false);
  if (settings_.drain_delay > absl::ZeroDuration()) {
    spdlog::info("draining: NOT_SERVING for {}s before refusing new calls",
                 absl::ToDoubleSeconds(settings_.drain_delay));
    absl::SleepFor(settings_.drain_delay);
  }
}

void GrpcServer::FinishDrain() {
  if (!server_) return;
  // Refuses new calls at once; waits for in-flight calls up to the deadline, then cancels them.
  server_->Shutdown(absl::ToChronoTime(absl::Now() + settings_.shutdown_grace));
  server_->Wait();
}

void BlockShutdownSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

int WaitForShutdownSignal() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  int signal = 0;
  sigwait(&set, &signal);
  return signal;
}

std::unique_ptr<grpc::ClientContext> OutboundContext(absl::Duration deadline, const std::string& internal_token,
                                                     const TraceContext* parent, const std::string& request_id) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(absl::ToChronoTime(absl::Now() + deadline));
  if (!internal_token.empty()) ctx->AddMetadata(kInternalTokenHeader, internal_token);
  ctx->AddMetadata(kTraceparentHeader, (parent ? parent->Child() : TraceContext::NewRoot()).ToHeader());
  if (!request_id.empty()) ctx->AddMetadata(kRequestIdHeader, request_id);
  return ctx;
}

}  // namespace mentoring
