#include "gateway_client.h"

#include <absl/strings/str_cat.h>
#include <absl/time/clock.h>
#include <arpa/inet.h>
#include <google/protobuf/util/json_util.h>
#include <jwt.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cstdlib>

namespace mentoring::testing {

namespace beast = boost::beast;
namespace http = beast::http;

Reply Call(int port, http::verb verb, const std::string& target, const std::string& body, const std::string& bearer,
           const std::string& if_match, const std::string& idempotency_key, const std::string& content_type,
           const std::map<std::string, std::string>& headers) {
  boost::asio::io_context io;
  beast::tcp_stream stream(io);
  beast::error_code ec;
  stream.connect(
      boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)),
      ec);
  Reply reply;
  if (ec) {
    reply.status = -1;
    return reply;
  }
  http::request<http::string_body> request(verb, target, 11);
  request.set(http::field::host, "localhost");
  if (!bearer.empty()) request.set(http::field::authorization, "Bearer " + bearer);
  if (!if_match.empty()) request.set(http::field::if_match, if_match);
  if (!idempotency_key.empty()) request.set("Idempotency-Key", idempotency_key);
  for (const auto& [name, value] : headers) request.set(name, value);
  if (!body.empty()) {
    request.set(http::field::content_type, content_type);
    request.body() = body;
  }
  request.prepare_payload();
  http::write(stream, request, ec);  // a server refusing a large body may stop reading it
  beast::flat_buffer buffer;
  http::response<http::string_body> response;
  ec = {};
  http::read(stream, buffer, response, ec);
  reply.status = ec ? -1 : static_cast<int>(response.result_int());
  reply.body = response.body();
  reply.request_id = std::string(response["X-Request-Id"]);
  reply.www_authenticate = std::string(response[http::field::www_authenticate]);
  reply.retry_after = std::string(response[http::field::retry_after]);
  reply.etag = std::string(response[http::field::etag]);
  reply.content_type = std::string(response[http::field::content_type]);
  reply.allow = std::string(response[http::field::allow]);
  (void)google::protobuf::util::JsonStringToMessage(reply.body, &reply.json);
  return reply;
}

std::string UserToken(const std::string& subject, const std::string& roles_json) {
  jwt_t* jwt = nullptr;
  jwt_new(&jwt);
  const long now = absl::ToUnixSeconds(absl::Now());
  jwt_add_grant(jwt, "sub", subject.c_str());
  jwt_add_grant(jwt, "iss", "test-idp");
  jwt_add_grant(jwt, "aud", "mentoring");
  jwt_add_grant_int(jwt, "iat", now);
  jwt_add_grant_int(jwt, "exp", now + 600);
  jwt_add_grants_json(jwt, absl::StrCat(R"({"roles": )", roles_json, "}").c_str());
  jwt_set_alg(jwt, JWT_ALG_HS256, reinterpret_cast<const unsigned char*>(kGatewayJwtSecret),
              sizeof(kGatewayJwtSecret) - 1);
  char* encoded = jwt_encode_str(jwt);
  std::string token = encoded ? encoded : "";
  free(encoded);  // libjwt 1.10 has no jwt_free_str
  jwt_free(jwt);
  return token;
}

std::string FieldOf(const google::protobuf::Struct& json, const std::string& key) {
  const auto error = json.fields().find("error");
  if (error == json.fields().end()) return "";
  const auto& fields = error->second.struct_value().fields();
  const auto value = fields.find(key);
  return value == fields.end() ? "" : value->second.string_value();
}

GatewayStack::~GatewayStack() {
  delete gateway_;
  delete evaluation_;
  delete matching_;
  delete scheduling_;
  delete profiles_;
  delete evaluation_db_;
  delete matching_db_;
  delete scheduling_db_;
  delete profiles_db_;
}

namespace {

// A loopback port free now, for a service that must be addressed before it starts.
absl::StatusOr<int> FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = 0;
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  socklen_t length = sizeof(addr);
  const bool bound = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
                     getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &length) == 0;
  close(fd);
  if (!bound) return absl::InternalError("no free loopback port");
  return ntohs(addr.sin_port);
}

}  // namespace

absl::Status GatewayStack::Start(const std::map<std::string, std::string>& gateway_env,
                                 const std::function<absl::Status(int gateway_port)>& before_matching) {
  profiles_db_ = new ScratchDatabase("gwprof");
  matching_db_ = new ScratchDatabase("gwmatch");
  scheduling_db_ = new ScratchDatabase("gwsched");
  evaluation_db_ = new ScratchDatabase("gweval");
  profiles_ =
      new ServiceProcess(ServiceBinary("profiles"), ServiceEnv("profiles", {{"DATABASE_URL", profiles_db_->url()}}));
  if (auto started = profiles_->Start(); !started.ok()) return started;
  const std::string profiles_addr = absl::StrCat("127.0.0.1:", profiles_->grpc_port());
  // Scheduling's clock is the tests' to move (AdvanceClock): meetings start and are missed
  // without anyone waiting for them.
  scheduling_ = new ServiceProcess(
      ServiceBinary("scheduling"),
      ServiceEnv("scheduling", {{"DATABASE_URL", scheduling_db_->url()},
                                {"PROFILES_ADDR", profiles_addr},
                                {"TEST_CLOCK", "true"},
                                // Through both spring clock changes (New York 14 March, Europe 28 March 2027).
                                {"WINDOW_DAYS", "150"}}));
  if (auto started = scheduling_->Start(); !started.ok()) return started;
  evaluation_ = new ServiceProcess(
      ServiceBinary("evaluation"),
      ServiceEnv("evaluation", {{"DATABASE_URL", evaluation_db_->url()}, {"PROFILES_ADDR", profiles_addr}}));
  if (auto started = evaluation_->Start(); !started.ok()) return started;
  const std::string evaluation_addr = absl::StrCat("127.0.0.1:", evaluation_->grpc_port());
  auto matching_env = ServiceEnv("matching", {{"DATABASE_URL", matching_db_->url()}, {"PROFILES_ADDR", profiles_addr}});
  auto start_gateway = [&](const std::string& matching_addr) {
    auto env = ServiceEnv("gateway", {{"PROFILES_ADDR", profiles_addr},
                                      {"MATCHING_ADDR", matching_addr},
                                      {"SCHEDULING_ADDR", absl::StrCat("127.0.0.1:", scheduling_->grpc_port())},
                                      {"EVALUATION_ADDR", evaluation_addr},
                                      {"JWT_HS256_SECRET", kGatewayJwtSecret}});
    for (const auto& [key, value] : gateway_env) env[key] = value;
    gateway_ = new ServiceProcess(ServiceBinary("gateway"), env);
    return gateway_->Start();
  };
  if (before_matching) {
    // The gateway's channels connect when first used, so it may start before matching.
    auto port = FreePort();
    if (!port.ok()) return port.status();
    const std::string matching_addr = absl::StrCat("127.0.0.1:", *port);
    matching_env["MATCHING_GRPC_LISTEN"] = matching_addr;
    if (auto started = start_gateway(matching_addr); !started.ok()) return started;
    if (auto ran = before_matching(gateway_->http_port()); !ran.ok()) return ran;
    matching_ = new ServiceProcess(ServiceBinary("matching"), matching_env);
    return matching_->Start();
  }
  matching_ = new ServiceProcess(ServiceBinary("matching"), matching_env);
  if (auto started = matching_->Start(); !started.ok()) return started;
  return start_gateway(absl::StrCat("127.0.0.1:", matching_->grpc_port()));
}

}  // namespace mentoring::testing
