#include "http_server.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <spdlog/spdlog.h>

#include <array>
#include <optional>

#include "beast_request.h"
#include "http_errors.h"

namespace mentoring::gateway {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

std::chrono::steady_clock::duration Chrono(absl::Duration d) { return absl::ToChronoNanoseconds(d); }

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, const GatewayApp& app, const HttpServerSettings& settings, std::atomic<int>& open)
      : stream_(std::move(socket)), app_(app), settings_(settings), open_(open) {}
  ~Session() { --open_; }

  void Start() { Read(); }

 private:
  void Read() {
    parser_.emplace();
    ApplyLimits(*parser_, settings_);
    stream_.expires_after(Chrono(first_request_ ? settings_.read_timeout : settings_.idle_timeout));
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, size_t) { self->OnRead(ec); });
  }

  void OnRead(beast::error_code ec) {
    first_request_ = false;
    if (ec == http::error::end_of_stream || ec == beast::error::timeout || ec == asio::error::connection_reset) {
      return Close();
    }
    if (ec == http::error::body_limit) return Refuse(413, "the request body is larger than allowed");
    if (ec == http::error::header_limit) return Refuse(431, "the request headers are larger than allowed");
    if (ec) return Refuse(400, "malformed HTTP request");
    auto request = parser_->release();
    keep_alive_ = request.keep_alive();
    app_.Handle(ToGatewayRequest(std::move(request)), [self = shared_from_this()](HttpResponse out) {
      // Back onto the connection's own executor: the answer may come from a gRPC thread.
      asio::post(self->stream_.get_executor(), [self, out = std::move(out)]() mutable { self->Write(std::move(out)); });
    });
  }

  void Refuse(int status, const std::string& why) {
    keep_alive_ = false;
    linger_ = true;  // the client may still be sending the body we refused
    const absl::Status as_status(status == 400 ? absl::StatusCode::kInvalidArgument : absl::StatusCode::kOutOfRange, why);
    Write(HttpResponse{status, ErrorBody(as_status, ""), "", {}});
  }

  void Write(HttpResponse out) {
    response_.emplace(static_cast<http::status>(out.status), 11);
    response_->set(http::field::content_type, "application/json");
    response_->set(http::field::server, "mentoring-gateway");
    if (!out.request_id.empty()) response_->set("X-Request-Id", out.request_id);
    for (const auto& [name, value] : out.headers) response_->set(name, value);
    response_->keep_alive(keep_alive_);
    response_->body() = std::move(out.body);
    response_->prepare_payload();
    stream_.expires_after(Chrono(settings_.read_timeout));
    http::async_write(stream_, *response_, [self = shared_from_this()](beast::error_code ec, size_t) {
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
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http::response<http::string_body>> response_;
  const GatewayApp& app_;
  const HttpServerSettings& settings_;
  std::atomic<int>& open_;
  bool keep_alive_ = false;
  bool first_request_ = true;
  bool linger_ = false;
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
      if (open.load() >= settings.max_connections) {
        // Over the cap: refuse at once rather than queue (clients retry elsewhere).
        beast::error_code ignored;
        socket.close(ignored);
      } else {
        ++open;
        std::make_shared<Session>(std::move(socket), app, settings, open)->Start();
      }
      Accept();
    });
  }

  const GatewayApp& app;
  HttpServerSettings settings;
  std::atomic<int> open{0};  // before io: sessions destroyed with io still count down
  asio::io_context io;
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

void HttpServer::Stop() {
  if (!impl_ || impl_->threads.empty()) return;
  asio::post(impl_->io, [this] {
    beast::error_code ignored;
    impl_->acceptor->close(ignored);
  });
  impl_->io.stop();
  for (auto& thread : impl_->threads) thread.join();
  impl_->threads.clear();
}

}  // namespace mentoring::gateway
