#pragma once
// HTTP/1.1 with keep-alive on Boost.Beast, asynchronous: slow clients cost a socket, not a
// thread. Limits are applied before a request reaches the gateway: header and body sizes,
// a read timeout (a client trickling bytes is cut off), and a cap on open connections. An
// upload route's body is streamed into its service a chunk at a time, never held whole.
#include <absl/status/statusor.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "gateway_app.h"

namespace mentoring::gateway {

struct HttpServerSettings {
  std::string listen_address = "127.0.0.1";
  int port = 0;  // 0: pick a free one
  int threads = 2;
  int max_connections = 10000;
  size_t max_header_bytes = 16 * 1024;
  size_t max_body_bytes = 1024 * 1024;
  size_t max_upload_bytes = size_t{4} << 30;        // an upload route's body, streamed (HR exports)
  size_t upload_chunk_bytes = 64 * 1024;            // what an upload holds at a time
  absl::Duration read_timeout = absl::Seconds(15);  // to receive a whole request; each chunk of an upload
  absl::Duration idle_timeout = absl::Seconds(60);  // keep-alive between requests
};

class HttpServer {
 public:
  HttpServer(const GatewayApp& app, HttpServerSettings settings);
  ~HttpServer();
  absl::Status Start();
  int port() const { return port_; }
  // Stops accepting; answers the requests already read for up to `grace` (keep-alive
  // connections are told to close); then closes every connection and joins the threads.
  void Stop(absl::Duration grace = absl::ZeroDuration());

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  int port_ = 0;
};

}  // namespace mentoring::gateway
