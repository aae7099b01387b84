#pragma once
// An HTTP body streamed into a client-streaming gRPC method, one chunk at a time: a chunk is
// sent only when the service has taken the one before (gRPC flow control), so the gateway
// holds about one chunk per upload, whatever the size of the file.
#include <google/protobuf/message.h>
#include <grpcpp/grpcpp.h>

#include <functional>
#include <memory>
#include <string>

#include "route_table.h"

namespace mentoring::gateway {

class Upload {
 public:
  // The call's end: its status and, when OK, the service's answer.
  using Answered = std::function<void(const grpc::Status&, const google::protobuf::Message& response)>;

  virtual ~Upload() = default;
  // Sends the next chunk of the body. `taken(true)`: the next may come; `taken(false)`: the
  // call has ended early (its answer goes to `answered`). One chunk at a time; any thread.
  virtual void Write(std::string chunk, std::function<void(bool taken)> taken) = 0;
  // The body is complete: the service answers.
  virtual void Finish() = 0;
  // The client went away or broke a limit: the call is cancelled, and the service applies
  // nothing of it.
  virtual void Cancel() = 0;
};

// Starts the call on `route` (an upload) with its first message, the parameters. `context`
// comes ready (deadline, metadata). `answered` is called exactly once, on a gRPC thread.
std::shared_ptr<Upload> StartUpload(const std::shared_ptr<grpc::Channel>& channel, const Route& route,
                                    std::unique_ptr<grpc::ClientContext> context,
                                    std::unique_ptr<google::protobuf::Message> first, Upload::Answered answered);

}  // namespace mentoring::gateway
