#pragma once
// The one gRPC adapter. A service registers a function per method of its proto service
// (a use case taking the caller and the request, returning the response or a domain
// error); the adapter does what every call needs, in one place:
//   - the caller's identity (the internal token) and trace, set on the call's log lines;
//   - blocking work handed to the worker pool, never run on gRPC's threads;
//   - the one error mapping (grpc_status.h), internal errors logged and never leaked;
//   - grpc_server_started_total, grpc_server_handled_total and grpc_server_handling_seconds
//     for every method (request_metrics.h).
// Methods are found by name in the service's descriptor, their request and response types
// checked, and Check() refuses a service with a method left without a handler, so a
// mistake shows at start, not at the first call.
//
//   GrpcApi& api = service.Serve(*v1::MatchingService::descriptor());
//   api.Unary("GetProgramme", programmes, &ProgrammesApp::GetProgramme)
//      .Unary("ListProgrammes", [&](const CallContext& call, const v1::ListProgrammesRequest& r) {...});
#include <absl/status/statusor.h>
#include <google/protobuf/descriptor.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/impl/codegen/server_callback_handlers.h>
#include <grpcpp/impl/service_type.h>

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "mentoring/runtime/call_context.h"
#include "mentoring/runtime/grpc_status.h"
#include "mentoring/runtime/identity.h"
#include "mentoring/runtime/logging.h"
#include "mentoring/runtime/request_metrics.h"
#include "mentoring/runtime/server.h"
#include "mentoring/runtime/streams.h"

namespace mentoring {

namespace internal {
// The request and response types of a handler `(const CallContext&, const Request&) ->
// absl::StatusOr<Response>`.
template <class F>
struct UnarySignature : UnarySignature<decltype(&F::operator())> {};
template <class C, class Result, class Req>
struct UnarySignature<Result (C::*)(const CallContext&, const Req&) const> {
  using Request = Req;
  using Response = typename Result::value_type;
};
}  // namespace internal

class GrpcApi final : public grpc::Service {
 public:
  GrpcApi(const google::protobuf::ServiceDescriptor& service, WorkerPool& workers,
          const InternalTokenVerifier& verifier);

  // A unary method whose work may block: it runs on the worker pool.
  template <class Handler>
  GrpcApi& Unary(std::string_view method, Handler handler);
  // The same for a use case that takes the request message as it is.
  template <class App, class Request, class Response>
  GrpcApi& Unary(std::string_view method, App& app,
                 absl::StatusOr<Response> (App::*use_case)(const CallContext&, const Request&)) {
    return Unary(method, [&app, use_case](const CallContext& call, const Request& request) {
      return (app.*use_case)(call, request);
    });
  }

  // A unary method whose work waits without blocking a thread (a pipelined Redis read):
  // `start` runs on gRPC's thread, must not block, and calls `done` once, from any thread,
  // with the response already serialized (e.g. cached bytes sent as they are stored).
  template <class Request>
  GrpcApi& UnaryNonBlocking(std::string_view method,
                            std::function<void(const CallContext&, const Request&, SerializedDone)> start);
  template <class App, class Request>
  GrpcApi& UnaryNonBlocking(std::string_view method, App& app,
                            void (App::*start)(const CallContext&, const Request&, SerializedDone)) {
    return UnaryNonBlocking<Request>(
        method, [&app, start](const CallContext& call, const Request& request, SerializedDone done) {
          (app.*start)(call, request, std::move(done));
        });
  }

  // A server-streaming method written page by page: each page is read on the worker pool
  // and written with flow control, so memory holds one page whatever the stream's length.
  template <class Request, class Response>
  GrpcApi& ServerStream(
      std::string_view method,
      std::function<absl::StatusOr<StreamPage<Response>>(const CallContext&, const Request&, const std::string& cursor)>
          next_page);

  template <class App, class Request, class Response>
  GrpcApi& ServerStream(std::string_view method, App& app,
                        absl::StatusOr<StreamPage<Response>> (App::*next_page)(const CallContext&, const Request&,
                                                                               const std::string&)) {
    return ServerStream<Request, Response>(
        method, [&app, next_page](const CallContext& call, const Request& request, const std::string& cursor) {
          return (app.*next_page)(call, request, cursor);
        });
  }

  // A client-streaming method: `open` makes the sink for an authenticated caller (or
  // refuses it), then the stream's messages go to it one at a time.
  template <class Request, class Response>
  GrpcApi& ClientStream(
      std::string_view method,
      std::function<absl::StatusOr<std::unique_ptr<StreamSink<Request, Response>>>(const CallContext&)> open);

  template <class App, class Request, class Response>
  GrpcApi& ClientStream(
      std::string_view method, App& app,
      absl::StatusOr<std::unique_ptr<StreamSink<Request, Response>>> (App::*open)(const CallContext&)) {
    return ClientStream<Request, Response>(method, [&app, open](const CallContext& call) { return (app.*open)(call); });
  }

  // OK when every method has its handler and every registration matched its method;
  // otherwise INVALID_ARGUMENT listing each mistake.
  absl::Status Check() const;
  const google::protobuf::ServiceDescriptor& descriptor() const { return service_; }

  // What a call needs from its start to its status, shared by the reactors below.
  struct Call {
    absl::StatusOr<CallContext> context;
    MethodMetrics* metrics = nullptr;
    const char* path = nullptr;
    std::chrono::steady_clock::time_point started;
  };
  Call Begin(int method, const grpc::CallbackServerContext& ctx) const;
  // The status to finish `call` with: mapped once, counted, internal errors logged.
  static grpc::Status End(const Call& call, const absl::Status& status);
  WorkerPool& workers() const { return workers_; }

 private:
  struct Method {
    const google::protobuf::MethodDescriptor* descriptor = nullptr;
    MethodMetrics* metrics = nullptr;
    bool registered = false;
  };
  // The index of `name`, its types and kind checked; -1 (and a problem recorded) if wrong.
  int Prepare(std::string_view name, const google::protobuf::Descriptor* request,
              const google::protobuf::Descriptor* response, bool client_streaming, bool server_streaming);

  const google::protobuf::ServiceDescriptor& service_;
  WorkerPool& workers_;
  const InternalTokenVerifier& verifier_;
  std::deque<std::string> paths_;  // "/package.Service/Method": gRPC keeps a pointer to each
  std::vector<Method> methods_;
  std::vector<std::string> problems_;
};

// ---------------------------------------------------------------- implementation

template <class Handler>
GrpcApi& GrpcApi::Unary(std::string_view name, Handler handler) {
  using Request = typename internal::UnarySignature<Handler>::Request;
  using Response = typename internal::UnarySignature<Handler>::Response;
  const int index = Prepare(name, Request::descriptor(), Response::descriptor(), false, false);
  if (index < 0) return *this;
  MarkMethodCallback(index, new grpc::internal::CallbackUnaryHandler<Request, Response>(
                                [this, index, handler = std::move(handler)](
                                    grpc::CallbackServerContext* ctx, const Request* request, Response* response) {
                                  auto* reactor = ctx->DefaultReactor();
                                  Call call = Begin(index, *ctx);
                                  if (!call.context.ok()) {
                                    reactor->Finish(End(call, call.context.status()));
                                    return reactor;
                                  }
                                  workers_.Submit([&handler, reactor, request, response, call = std::move(call)] {
                                    ScopedLogContext log_context(*call.context);
                                    absl::StatusOr<Response> result = handler(*call.context, *request);
                                    if (result.ok()) *response = std::move(*result);
                                    reactor->Finish(End(call, result.status()));
                                  });
                                  return reactor;
                                }));
  return *this;
}

template <class Request>
GrpcApi& GrpcApi::UnaryNonBlocking(std::string_view name,
                                   std::function<void(const CallContext&, const Request&, SerializedDone)> start) {
  const int index = Prepare(name, Request::descriptor(), nullptr, false, false);
  if (index < 0) return *this;
  MarkMethodRawCallback(
      index, new grpc::internal::CallbackUnaryHandler<grpc::ByteBuffer, grpc::ByteBuffer>(
                 [this, index, start = std::move(start)](grpc::CallbackServerContext* ctx,
                                                         const grpc::ByteBuffer* bytes, grpc::ByteBuffer* response) {
                   auto* reactor = ctx->DefaultReactor();
                   auto call = std::make_shared<const Call>(Begin(index, *ctx));
                   if (!call->context.ok()) {
                     reactor->Finish(End(*call, call->context.status()));
                     return reactor;
                   }
                   Request request;
                   grpc::ByteBuffer copy(*bytes);  // shares the slices
                   if (!grpc::SerializationTraits<Request>::Deserialize(&copy, &request).ok()) {
                     reactor->Finish(End(*call, errors::InvalidArgument("", "message", "the request does not parse")));
                     return reactor;
                   }
                   ScopedLogContext log_context(*call->context);
                   start(*call->context, request, [reactor, response, call](absl::StatusOr<std::string> serialized) {
                     if (serialized.ok()) {
                       grpc::Slice slice(std::move(*serialized));
                       *response = grpc::ByteBuffer(&slice, 1);
                     }
                     reactor->Finish(End(*call, serialized.status()));
                   });
                   return reactor;
                 }));
  return *this;
}

namespace internal {

template <class Request, class Response>
class PagedWriter final : public grpc::ServerWriteReactor<Response> {
 public:
  using NextPage =
      std::function<absl::StatusOr<StreamPage<Response>>(const CallContext&, const Request&, const std::string&)>;

  PagedWriter(const GrpcApi& api, GrpcApi::Call call, const Request& request, const NextPage& next_page)
      : api_(api), call_(std::move(call)), request_(request), next_page_(next_page) {
    if (!call_.context.ok()) {
      this->Finish(GrpcApi::End(call_, call_.context.status()));
      return;
    }
    Fetch();
  }

  void OnWriteDone(bool ok) override {
    if (!ok) {
      this->Finish(GrpcApi::End(call_, absl::CancelledError("the client went away")));
      return;
    }
    WriteNext();
  }
  void OnDone() override { delete this; }

 private:
  void Fetch() {
    api_.workers().Submit([this] {
      ScopedLogContext log_context(*call_.context);
      auto page = next_page_(*call_.context, request_, cursor_);
      if (!page.ok()) {
        this->Finish(GrpcApi::End(call_, page.status()));
        return;
      }
      page_ = std::move(*page);
      next_ = 0;
      cursor_ = page_.next_cursor;
      WriteNext();
    });
  }

  void WriteNext() {
    if (next_ < page_.items.size()) {
      this->StartWrite(&page_.items[next_++]);
    } else if (cursor_.empty()) {
      this->Finish(GrpcApi::End(call_, absl::OkStatus()));
    } else {
      Fetch();
    }
  }

  const GrpcApi& api_;
  GrpcApi::Call call_;
  const Request& request_;
  const NextPage& next_page_;
  std::string cursor_;
  StreamPage<Response> page_;
  size_t next_ = 0;
};

template <class Request, class Response>
class SinkReader final : public grpc::ServerReadReactor<Request> {
 public:
  using Open = std::function<absl::StatusOr<std::unique_ptr<StreamSink<Request, Response>>>(const CallContext&)>;

  SinkReader(const GrpcApi& api, grpc::CallbackServerContext* ctx, GrpcApi::Call call, Response* response,
             const Open& open)
      : api_(api), ctx_(ctx), call_(std::move(call)), response_(response) {
    if (!call_.context.ok()) {
      this->Finish(GrpcApi::End(call_, call_.context.status()));
      return;
    }
    api_.workers().Submit([this, &open] {
      ScopedLogContext log_context(*call_.context);
      auto sink = open(*call_.context);
      if (!sink.ok()) {
        this->Finish(GrpcApi::End(call_, sink.status()));
        return;
      }
      sink_ = std::move(*sink);
      this->StartRead(&message_);
    });
  }

  void OnReadDone(bool ok) override {
    // The stream also ends this way when the client cancels or the connection drops: a
    // partial stream is never finished (for an import: never applied).
    if (!ok && ctx_->IsCancelled()) {
      this->Finish(GrpcApi::End(call_, absl::CancelledError("the stream was cancelled; nothing applied")));
      return;
    }
    api_.workers().Submit([this, ok] {
      ScopedLogContext log_context(*call_.context);
      if (ok) {
        if (auto taken = sink_->Take(message_); !taken.ok()) {
          this->Finish(GrpcApi::End(call_, taken));
          return;
        }
        this->StartRead(&message_);
        return;
      }
      auto result = sink_->Finish();
      if (result.ok()) *response_ = std::move(*result);
      this->Finish(GrpcApi::End(call_, result.status()));
    });
  }

  void OnDone() override {
    // Whatever the sink holds is released on the pool: it may touch the database.
    if (sink_) api_.workers().Submit([sink = std::shared_ptr<StreamSink<Request, Response>>(std::move(sink_))] {});
    delete this;
  }

 private:
  const GrpcApi& api_;
  grpc::CallbackServerContext* ctx_;
  GrpcApi::Call call_;
  Response* response_;
  Request message_;
  std::unique_ptr<StreamSink<Request, Response>> sink_;
};

}  // namespace internal

template <class Request, class Response>
GrpcApi& GrpcApi::ServerStream(
    std::string_view name,
    std::function<absl::StatusOr<StreamPage<Response>>(const CallContext&, const Request&, const std::string&)>
        next_page) {
  const int index = Prepare(name, Request::descriptor(), Response::descriptor(), false, true);
  if (index < 0) return *this;
  MarkMethodCallback(
      index,
      new grpc::internal::CallbackServerStreamingHandler<Request, Response>(
          [this, index, next_page = std::move(next_page)](grpc::CallbackServerContext* ctx, const Request* request) {
            return new internal::PagedWriter<Request, Response>(*this, Begin(index, *ctx), *request, next_page);
          }));
  return *this;
}

template <class Request, class Response>
GrpcApi& GrpcApi::ClientStream(
    std::string_view name,
    std::function<absl::StatusOr<std::unique_ptr<StreamSink<Request, Response>>>(const CallContext&)> open) {
  const int index = Prepare(name, Request::descriptor(), Response::descriptor(), true, false);
  if (index < 0) return *this;
  MarkMethodCallback(
      index, new grpc::internal::CallbackClientStreamingHandler<Request, Response>(
                 [this, index, open = std::move(open)](grpc::CallbackServerContext* ctx, Response* response) {
                   return new internal::SinkReader<Request, Response>(*this, ctx, Begin(index, *ctx), response, open);
                 }));
  return *this;
}

}  // namespace mentoring
