#include "mentoring/runtime/grpc_api.h"

#include <absl/strings/str_cat.h>
#include <absl/strings/str_join.h>
#include <spdlog/spdlog.h>

namespace mentoring {
namespace {

const char* TypeName(bool client_streaming, bool server_streaming) {
  if (client_streaming && server_streaming) return "bidi_stream";
  if (client_streaming) return "client_stream";
  if (server_streaming) return "server_stream";
  return "unary";
}

grpc::internal::RpcMethod::RpcType RpcTypeOf(const google::protobuf::MethodDescriptor& method) {
  if (method.client_streaming() && method.server_streaming()) return grpc::internal::RpcMethod::BIDI_STREAMING;
  if (method.client_streaming()) return grpc::internal::RpcMethod::CLIENT_STREAMING;
  if (method.server_streaming()) return grpc::internal::RpcMethod::SERVER_STREAMING;
  return grpc::internal::RpcMethod::NORMAL_RPC;
}

}  // namespace

GrpcApi::GrpcApi(const google::protobuf::ServiceDescriptor& service, WorkerPool& workers,
                 const InternalTokenVerifier& verifier)
    : service_(service), workers_(workers), verifier_(verifier) {
  // Every method of the service, in the descriptor's order; handlers come with Unary,
  // ServerStream and the rest, and Check() insists on all of them.
  for (int i = 0; i < service.method_count(); ++i) {
    const auto* method = service.method(i);
    paths_.push_back(absl::StrCat("/", service.full_name(), "/", method->name()));
    AddMethod(new grpc::internal::RpcServiceMethod(paths_.back().c_str(), RpcTypeOf(*method), nullptr));
    methods_.push_back(
        {method,
         &RequestMetrics::Instance().Server(TypeName(method->client_streaming(), method->server_streaming()),
                                            service.full_name(), method->name()),
         false});
  }
}

int GrpcApi::Prepare(std::string_view method_name, const google::protobuf::Descriptor* request,
                     const google::protobuf::Descriptor* response, bool client_streaming, bool server_streaming) {
  const std::string name(method_name);
  const auto* method = service_.FindMethodByName(name);
  if (method == nullptr) {
    problems_.push_back(absl::StrCat(service_.full_name(), " has no method ", name));
    return -1;
  }
  const int index = method->index();
  if (methods_[index].registered) problems_.push_back(absl::StrCat(name, ": registered twice"));
  if (method->input_type() != request) {
    problems_.push_back(
        absl::StrCat(name, " takes ", method->input_type()->full_name(), ", not ", request->full_name()));
  }
  if (response != nullptr && method->output_type() != response) {
    problems_.push_back(
        absl::StrCat(name, " returns ", method->output_type()->full_name(), ", not ", response->full_name()));
  }
  if (method->client_streaming() != client_streaming || method->server_streaming() != server_streaming) {
    problems_.push_back(absl::StrCat(name, " is a ", TypeName(method->client_streaming(), method->server_streaming()),
                                     " method, registered as ", TypeName(client_streaming, server_streaming)));
  }
  methods_[index].registered = true;
  return index;
}

absl::Status GrpcApi::Check() const {
  std::vector<std::string> problems = problems_;
  for (const auto& method : methods_) {
    if (!method.registered) problems.push_back(absl::StrCat(method.descriptor->name(), " has no handler"));
  }
  if (problems.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(service_.full_name(), ": ", absl::StrJoin(problems, "; ")));
}

GrpcApi::Call GrpcApi::Begin(int method, const grpc::CallbackServerContext& ctx) const {
  Call call{ReadCallContext(ctx, verifier_), methods_[method].metrics, paths_[method].c_str(),
            std::chrono::steady_clock::now()};
  call.metrics->Started();
  return call;
}

grpc::Status GrpcApi::End(const Call& call, const absl::Status& status) {
  if (status.code() == absl::StatusCode::kInternal || status.code() == absl::StatusCode::kUnknown) {
    // The client gets "internal error" only; the cause is here, with the call's trace.
    std::optional<ScopedLogContext> log_context;
    if (call.context.ok()) log_context.emplace(*call.context);
    spdlog::error("{} failed: {}", call.path, status.ToString());
  }
  grpc::Status mapped = errors::ToGrpcStatus(status);
  call.metrics->Handled(mapped.error_code(), absl::FromChrono(std::chrono::steady_clock::now() - call.started));
  return mapped;
}

}  // namespace mentoring
