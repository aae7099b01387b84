#include "http_server.h"

#include <spdlog/spdlog.h>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <array>
#include <optional>

#include "beast_request.h"
#include "http_errors.h"
#include "upload.h"

namespace mentoring::gateway {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

std::chrono::steady_clock::duration Chrono(absl::Duration d) { return absl::ToChronoNanoseconds(d); }

// What the server counts across its connections.
struct Load {
  std::atomic<int> open{0};           // connections
  std::atomic<int> in_flight{0};      // requests read and not yet answered
  std::atomic<bool> draining{false};  // stopping: answer what is in flight, then close
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, const GatewayApp& app, const HttpServerSettings& settings, Load& load)
      : stream_(std::move(socket)), app_(app), settings_(settings), load_(load) {}
  ~Session() {
    if (counted_) --load_.in_flight;
    --load_.open;
  }

  void Start() { Read(); }

 private:
  // The header first: an upload's body is streamed, every other body is read whole.
  void Read() {
    header_parser_.emplace();
    LimitHeader(*header_parser_, settings_);
    stream_.expires_after(Chrono(first_request_ ? settings_.read_timeout : settings_.idle_timeout));
    http::async_read_header(stream_, buffer_, *header_parser_,
                            [self = shared_from_this()](beast::error_code ec, size_t) { self->OnHeader(ec); });
  }

  // Maps a failed read to the answer (or a silent close when the client is gone).
  bool Failed(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout || ec == asio::error::connection_reset ||
        ec == asio::error::eof) {
      Close();
    } else if (ec == http::error::body_limit) {
      Refuse(413, "the request body is larger than allowed");
    } else if (ec == http::error::header_limit) {
      Refuse(431, "the request headers are larger than allowed");
    } else if (ec) {
      Refuse(400, "malformed HTTP request");
    }
    return static_cast<bool>(ec);
  }

  void OnHeader(beast::error_code ec) {
    first_request_ = false;
    started_ = absl::Now();
    if (!ec) method_ = std::string(header_parser_->get().method_string());
    if (Failed(ec)) return;
    counted_ = true;
    ++load_.in_flight;
    const auto& header = header_parser_->get();
    keep_alive_ = header.keep_alive();
    expects_continue_ = beast::iequals(header[http::field::expect], "100-continue");
    const bool upload = IsUpload(app_, header);
    // A declared length over the limit is refused before any of the body is read.
    if (const auto length = header_parser_->content_length(); length && *length > BodyLimit(upload, settings_)) {
      return Refuse(413, "the request body is larger than allowed");
    }
    if (upload) return BeginUpload();
    parser_.emplace(std::move(*header_parser_));
    parser_->body_limit(BodyLimit(false, settings_));
    stream_.expires_after(Chrono(settings_.read_timeout));
    ContinueThen([self = shared_from_this()] {
      http::async_read(self->stream_, self->buffer_, *self->parser_,
                       [self](beast::error_code read, size_t) { self->OnRead(read); });
    });
  }

  void OnRead(beast::error_code ec) {
    if (Failed(ec)) return;
    app_.Handle(ToGatewayRequest(parser_->release()), Answering());
  }

  // The answer's way back onto the connection's own executor: it may come from a gRPC thread.
  std::function<void(HttpResponse)> Answering() {
    return [self = shared_from_this()](HttpResponse out) {
      asio::post(self->stream_.get_executor(),
                 [self, out = std::move(out)]() mutable { self->Answered(std::move(out)); });
    };
  }

  // A client that sent "Expect: 100-continue" waits to be told before it sends the body
  // (curl does for large uploads): tell it, then read.
  void ContinueThen(std::function<void()> read) {
    if (!expects_continue_) return read();
    continue_.emplace(http::status::continue_, 11);
    http::async_write(stream_, *continue_,
                      [self = shared_from_this(), read = std::move(read)](beast::error_code ec, size_t) {
                        if (ec) return self->Close();
                        read();
                      });
  }

  // An upload: admitted (or refused) on its header alone, then the body goes to the service
  // a chunk at a time, each read only when the service has taken the last.
  void BeginUpload() {
    upload_ = app_.BeginUpload(HeaderRequest(header_parser_->get()), Answering());
    if (!upload_) {
      // Refused before any of the body was read (an Expect: 100-continue client sends none).
      keep_alive_ = false;
      linger_ = true;
      return;
    }
    upload_parser_.emplace(std::move(*header_parser_));
    upload_parser_->body_limit(BodyLimit(true, settings_));
    chunk_.resize(settings_.upload_chunk_bytes);
    ContinueThen([self = shared_from_this()] { self->ReadChunk(); });
  }

  void ReadChunk() {
    if (upload_parser_->is_done()) return upload_->Finish();
    auto& body = upload_parser_->get().body();
    body.data = chunk_.data();
    body.size = chunk_.size();
    reading_chunk_ = true;
    stream_.expires_after(Chrono(settings_.read_timeout));
    http::async_read_some(stream_, buffer_, *upload_parser_,
                          [self = shared_from_this()](beast::error_code ec, size_t) { self->OnChunk(ec); });
  }

  void OnChunk(beast::error_code ec) {
    reading_chunk_ = false;
    if (ec == http::error::need_buffer) ec = {};
    if (early_answer_) return Answered(std::move(*std::exchange(early_answer_, std::nullopt)));
    if (ec) {
      // The client broke a limit, stalled or went away: nothing of the upload is applied.
      upload_->Cancel();
      refusal_ = ec == http::error::body_limit ? std::pair{413, "the upload is larger than allowed"}
                 : ec == beast::error::timeout ? std::pair{408, "the upload stalled; send the body faster"}
                                               : std::pair{400, "malformed or interrupted upload body"};
      return;  // the cancelled call's answer comes back through Answered
    }
    const size_t got = chunk_.size() - upload_parser_->get().body().size;
    if (got == 0) return ReadChunk();
    upload_->Write(std::string(chunk_.data(), got), [self = shared_from_this(), upload = upload_](bool taken) {
      asio::post(self->stream_.get_executor(), [self, upload, taken] {
        if (taken && upload == self->upload_) self->ReadChunk();
        // Not taken: the call has ended early; its answer is on its way to Answered.
      });
    });
  }

  void Answered(HttpResponse out) {
    if (upload_) {
      if (reading_chunk_) {
        // The service answered while a chunk is being read: answer once that read is over.
        early_answer_ = std::move(out);
        return;
      }
      if (!upload_parser_ || !upload_parser_->is_done()) {
        keep_alive_ = false;  // the rest of the body is not read: the connection cannot go on
        linger_ = true;
      }
      upload_.reset();
      upload_parser_.reset();
      if (refusal_) {
        const auto [status, why] = *std::exchange(refusal_, std::nullopt);
        return Refuse(status, why, out.request_id);
      }
    }
    Write(std::move(out));
  }

  void Refuse(int status, const std::string& why, const std::string& request_id = "") {
    keep_alive_ = false;
    linger_ = true;  // the client may still be sending the body we refused
    const absl::StatusCode code = status == 400   ? absl::StatusCode::kInvalidArgument
                                  : status == 408 ? absl::StatusCode::kDeadlineExceeded
                                                  : absl::StatusCode::kOutOfRange;
    Write(HttpResponse{status, ErrorBody(absl::Status(code, why), request_id, status), request_id, {}});
  }

  void Write(HttpResponse out) {
    response_.emplace(static_cast<http::status>(out.status), 11);
    // JSON, or what a route's response_body is; nothing for a 304, which has no body.
    if (!out.content_type.empty()) response_->set(http::field::content_type, out.content_type);
    response_->set(http::field::server, "mentoring-gateway");
    if (!out.request_id.empty()) response_->set("X-Request-Id", out.request_id);
    for (const auto& [name, value] : out.headers) response_->set(name, value);
    if (load_.draining) keep_alive_ = false;  // "Connection: close": the client goes elsewhere
    response_->keep_alive(keep_alive_);
    response_->body() = std::move(out.body);
    response_->prepare_payload();
    app_.Answered(method_.empty() ? "-" : method_, out, absl::Now() - started_, response_->body().size());
    method_.clear();
    stream_.expires_after(Chrono(settings_.read_timeout));
    http::async_write(stream_, *response_, [self = shared_from_this()](beast::error_code ec, size_t) {
      if (std::exchange(self->counted_, false)) --self->load_.in_flight;
      if (ec || !self->keep_alive_) return self->Close();
      self->Read();
    });
  }

  void Close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    if (linger_) Drain();
  }

  // A lingering close: read and drop what the client still sends (for at most a second),
  // so closing does not reset the connection before the client has read our answer.
  void Drain() {
    stream_.expires_after(std::chrono::seconds(1));
    stream_.async_read_some(asio::buffer(drain_), [self = shared_from_this()](beast::error_code ec, size_t) {
      if (!ec) self->Drain();
    });
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::empty_body>> header_parser_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http::response<http::empty_body>> continue_;
  // An upload in progress: its call, its body parser and the one chunk it holds.
  std::shared_ptr<Upload> upload_;
  std::optional<http::request_parser<http::buffer_body>> upload_parser_;
  std::string chunk_;
  bool reading_chunk_ = false;
  bool expects_continue_ = false;
  std::optional<HttpResponse> early_answer_;
  std::optional<std::pair<int, const char*>> refusal_;
  std::optional<http::response<http::string_body>> response_;
  const GatewayApp& app_;
  const HttpServerSettings& settings_;
  Load& load_;
  bool counted_ = false;  // this connection's request counts as in flight
  bool keep_alive_ = false;
  bool first_request_ = true;
  bool linger_ = false;
  std::string method_;                         // of the request being answered
  absl::Time started_ = absl::InfinitePast();  // when its header was read
  std::array<char, 16 * 1024> drain_{};
};

}  // namespace

struct HttpServer::Impl {
  Impl(const GatewayApp& gateway, HttpServerSettings s) : app(gateway), settings(std::move(s)), io(settings.threads) {}

  void Accept() {
    acceptor->async_accept(asio::make_strand(io), [this](beast::error_code ec, tcp::socket socket) {
      if (ec) {
        if (ec != asio::error::operation_aborted) Accept();
        return;
      }
      if (load.open.load() >= settings.max_connections) {
        // Over the cap: refuse at once rather than queue (clients retry elsewhere).
        beast::error_code ignored;
        socket.close(ignored);
      } else {
        ++load.open;
        std::make_shared<Session>(std::move(socket), app, settings, load)->Start();
      }
      Accept();
    });
  }

  const GatewayApp& app;
  HttpServerSettings settings;
  Load load;  // before io: sessions destroyed with io still count down
  asio::io_context io;
  // Keeps the threads running while no socket operation is pending: once the acceptor is
  // closed, a session waiting on a gRPC call has nothing queued in `io` until the answer.
  asio::executor_work_guard<asio::io_context::executor_type> work{io.get_executor()};
  std::optional<tcp::acceptor> acceptor;
  std::vector<std::thread> threads;
};

HttpServer::HttpServer(const GatewayApp& app, HttpServerSettings settings)
    : impl_(std::make_unique<Impl>(app, std::move(settings))) {}

HttpServer::~HttpServer() { Stop(); }

absl::Status HttpServer::Start() {
  beast::error_code ec;
  const auto address = asio::ip::make_address(impl_->settings.listen_address, ec);
  if (ec) return absl::InvalidArgumentError("HTTP listen address: " + ec.message());
  impl_->acceptor.emplace(impl_->io);
  const tcp::endpoint endpoint(address, static_cast<unsigned short>(impl_->settings.port));
  impl_->acceptor->open(endpoint.protocol(), ec);
  if (!ec) impl_->acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl_->acceptor->bind(endpoint, ec);
  if (!ec) impl_->acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return absl::UnavailableError("cannot listen for HTTP: " + ec.message());
  port_ = impl_->acceptor->local_endpoint().port();
  impl_->Accept();
  for (int i = 0; i < impl_->settings.threads; ++i) impl_->threads.emplace_back([this] { impl_->io.run(); });
  return absl::OkStatus();
}

void HttpServer::Stop(absl::Duration grace) {
  if (!impl_ || impl_->threads.empty()) return;
  impl_->load.draining = true;
  asio::post(impl_->io, [this] {
    beast::error_code ignored;
    impl_->acceptor->close(ignored);
  });
  // Requests already read get their answers (an upload included) for up to `grace`.
  const absl::Time give_up = absl::Now() + grace;
  while (impl_->load.in_flight.load() > 0 && absl::Now() < give_up) absl::SleepFor(absl::Milliseconds(20));
  impl_->io.stop();
  for (auto& thread : impl_->threads) thread.join();
  impl_->threads.clear();
}

}  // namespace mentoring::gateway
