#pragma once
// How use cases take part in streaming calls without knowing gRPC: a server stream is
// written page by page, a client stream is taken message by message (grpc_api.h adapts
// both).
#include <absl/status/statusor.h>

#include <functional>
#include <string>
#include <vector>

namespace mentoring {

// How a call that waits without blocking (a pipelined Redis read) answers: once, from any
// thread, with the response already serialized (e.g. cached bytes sent as they are stored).
using SerializedDone = std::function<void(absl::StatusOr<std::string>)>;

// One page of a server stream; an empty `next_cursor` ends the stream after this page.
template <class Response>
struct StreamPage {
  std::vector<Response> items;
  std::string next_cursor;
};

// Takes a client stream one message at a time (on the worker pool, the next message read
// only when the last was taken) and answers once it has ended. Destroyed without Finish when
// the client cancels or the connection drops: it must then apply nothing.
template <class Request, class Response>
class StreamSink {
 public:
  virtual ~StreamSink() = default;
  virtual absl::Status Take(const Request& message) = 0;
  virtual absl::StatusOr<Response> Finish() = 0;
};

}  // namespace mentoring
