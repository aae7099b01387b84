// The gateway's request path under libFuzzer: the bytes are one HTTP/1.1 request, read by
// Boost.Beast as the server reads it (header first, the server's limits), converted as the
// server converts it, and handled by a real GatewayApp over the real route table (routing,
// the role gate, capability routes, path bindings, the query string, JSON → protobuf,
// If-Match and If-None-Match; an upload route's admission and parameters). There are no
// upstream channels, so every request that survives the parsing ends at "no upstream"
// (503), synchronously, before any gRPC call.
//
// The same file is built twice: with clang and -fsanitize=fuzzer (deploy/fuzz.sh), and with
// the suite's compiler and replay_main.cc, which runs the committed corpus as a unit test.
// Invariants that hold for every input abort with a message (not assert(): the suite's
// builds define NDEBUG). See README.md here.
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/stubs/logging.h>
#include <google/protobuf/util/json_util.h>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "beast_request.h"
#include "gateway_app.h"
#include "http_server.h"
#include "mentoring/evaluation/v1/evaluation.pb.h"
#include "mentoring/matching/v1/matching.pb.h"
#include "mentoring/profiles/v1/profiles.pb.h"
#include "mentoring/runtime/errors.h"
#include "mentoring/scheduling/v1/scheduling.pb.h"

namespace {

using namespace mentoring;
namespace http = boost::beast::http;
using google::protobuf::Value;

[[noreturn]] void Fail(const char* invariant, const gateway::HttpResponse& response) {
  std::fprintf(stderr, "request_fuzzer: invariant violated: %s\n  status %d, request id '%s'\n  body: %.2000s\n",
               invariant, response.status, response.request_id.c_str(), response.body.c_str());
  std::abort();
}

#define FUZZ_CHECK(condition, response)           \
  do {                                            \
    if (!(condition)) Fail(#condition, response); \
  } while (false)

// The gateway as main.cc builds it, minus the network: the real route table (and
// scheduling's routes, which main.cc does not serve yet), an authenticator that lets any
// non-empty Authorization header in as a caller with every end-user role (an empty one is
// refused 401, as the JWT authenticator refuses it), no rate limiter, no idempotency store,
// and no channels. Built once and never destroyed.
struct Gateway {
  ManualClock clock{absl::FromUnixSeconds(1767225600)};  // fixed: the internal token is signed once
  InternalTokenSigner signer{{.secret = std::string(32, 'f')}, clock};
  std::unique_ptr<gateway::GatewayApp> app;

  Gateway() {
    // protobuf logs an ERROR line for every string with invalid UTF-8 it serializes, which
    // fuzzing does thousands of times a second; REQUEST_FUZZER_VERBOSE=1 keeps them.
    if (std::getenv("REQUEST_FUZZER_VERBOSE") == nullptr) google::protobuf::SetLogHandler(nullptr);
    (void)profiles::v1::Person::descriptor();  // registers the services in the generated pool
    (void)matching::v1::Programme::descriptor();
    (void)scheduling::v1::Meeting::descriptor();
    (void)evaluation::v1::Feedback::descriptor();
    const auto* pool = google::protobuf::DescriptorPool::generated_pool();
    // Scheduling too, though the gateway has no upstream for it yet: its calendar feed is
    // the capability route (no bearer token) with a non-JSON answer.
    auto routes =
        gateway::RouteTable::FromServices({pool->FindServiceByName("mentoring.profiles.v1.ProfilesService"),
                                           pool->FindServiceByName("mentoring.matching.v1.MatchingService"),
                                           pool->FindServiceByName("mentoring.scheduling.v1.SchedulingService"),
                                           pool->FindServiceByName("mentoring.evaluation.v1.EvaluationService")});
    if (!routes.ok()) {
      std::fprintf(stderr, "request_fuzzer: route table: %s\n", routes.status().ToString().c_str());
      std::abort();
    }
    app = std::make_unique<gateway::GatewayApp>(
        std::move(*routes), std::map<std::string, std::shared_ptr<grpc::Channel>>{},
        [](std::string_view authorization) -> absl::StatusOr<Caller> {
          if (authorization.empty()) return errors::Unauthenticated("a bearer token is required");
          return Caller{"fuzz-caller",
                        {roles::kEmployee, roles::kProgrammeAdmin, roles::kHrIntegration, roles::kAnalyticsViewer}};
        },
        signer, clock);
  }
};

const gateway::GatewayApp& App() {
  static const Gateway* const gateway = new Gateway();
  return *gateway->app;
}

bool SafeHeaderText(std::string_view text) {
  for (const char c : text) {
    if (c == '\r' || c == '\n' || c == '\0') return false;
  }
  return true;
}

bool SafeRequestId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (const char c : id) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

// RFC 8259: JSON between systems is UTF-8. Strict: no overlong forms, no surrogates.
bool ValidUtf8(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    size_t extra = 0;
    std::uint32_t point = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if (c >= 0xC2 && c <= 0xDF) {
      extra = 1;
      point = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      extra = 2;
      point = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      extra = 3;
      point = c & 0x07;
    } else {
      return false;
    }
    if (i + extra >= text.size()) return false;  // truncated sequence
    for (size_t k = 1; k <= extra; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0) != 0x80) return false;
      point = (point << 6) | (next & 0x3F);
    }
    if ((extra == 2 && point < 0x800) || (extra == 3 && (point < 0x10000 || point > 0x10FFFF)) ||
        (point >= 0xD800 && point <= 0xDFFF)) {
      return false;
    }
    i += extra + 1;
  }
  return true;
}

const Value* FieldOf(const Value& object, const std::string& name) {
  if (object.kind_case() != Value::kStructValue) return nullptr;
  const auto& fields = object.struct_value().fields();
  const auto it = fields.find(name);
  return it == fields.end() ? nullptr : &it->second;
}

bool IsString(const Value* value) { return value != nullptr && value->kind_case() == Value::kStringValue; }

// What every answer must look like, whatever was sent.
void CheckResponse(const gateway::HttpResponse& response) {
  FUZZ_CHECK(response.status >= 200 && response.status <= 599, response);
  // Without upstreams nothing may fail inside the gateway: a 500 is a bug reached from outside.
  FUZZ_CHECK(response.status != 500, response);
  // The request id is echoed in a header and logged.
  FUZZ_CHECK(SafeRequestId(response.request_id), response);
  for (const auto& [name, value] : response.headers) {
    FUZZ_CHECK(!name.empty() && SafeHeaderText(name) && SafeHeaderText(value), response);
  }

  // A 304 has no body and no content type; any other answer says what its body is.
  if (response.status == 304) {
    FUZZ_CHECK(response.body.empty() && response.content_type.empty(), response);
    return;
  }
  FUZZ_CHECK(!response.content_type.empty() && SafeHeaderText(response.content_type), response);
  // A route's own media type (a calendar) is the service's bytes as they are; errors are JSON.
  if (response.content_type != "application/json") {
    FUZZ_CHECK(response.status < 400, response);
    return;
  }
  FUZZ_CHECK(ValidUtf8(response.body), response);
  Value body;
  FUZZ_CHECK(google::protobuf::util::JsonStringToMessage(response.body, &body).ok(), response);
  FUZZ_CHECK(body.kind_case() == Value::kStructValue, response);
  if (response.status < 400) return;

  // {"error": {"code", "status", "message", "requestId", "fieldViolations": [...]}}
  const Value* error = FieldOf(body, "error");
  FUZZ_CHECK(error != nullptr && error->kind_case() == Value::kStructValue, response);
  const Value* code = FieldOf(*error, "code");
  FUZZ_CHECK(code != nullptr && code->kind_case() == Value::kNumberValue, response);
  FUZZ_CHECK(code->number_value() == response.status, response);
  const Value* status = FieldOf(*error, "status");
  FUZZ_CHECK(IsString(status) && !status->string_value().empty(), response);
  FUZZ_CHECK(IsString(FieldOf(*error, "message")), response);
  const Value* request_id = FieldOf(*error, "requestId");
  FUZZ_CHECK(IsString(request_id) && request_id->string_value() == response.request_id, response);
  const Value* violations = FieldOf(*error, "fieldViolations");
  FUZZ_CHECK(violations != nullptr && violations->kind_case() == Value::kListValue, response);
  for (const Value& violation : violations->list_value().values()) {
    FUZZ_CHECK(IsString(FieldOf(violation, "field")) && IsString(FieldOf(violation, "rule")) &&
                   IsString(FieldOf(violation, "description")),
               response);
    // Every rule the gateway writes is a fixed word: an empty one means the details were lost.
    FUZZ_CHECK(!FieldOf(violation, "rule")->string_value().empty(), response);
  }
}

// Feeds `parser` the rest of the input until `finished`; false when the parser refuses it or
// the input ends first (the server would wait for more bytes until its read timeout).
template <class Parser, class Finished>
bool Feed(Parser& parser, boost::asio::const_buffer& input, Finished finished) {
  boost::beast::error_code ec;
  while (!finished() && input.size() > 0) {
    const std::size_t used = parser.put(input, ec);
    input += used;
    if (ec || used == 0) return false;
  }
  return finished();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const gateway::GatewayApp& app = App();
  const gateway::HttpServerSettings settings;
  boost::asio::const_buffer input(data, size);

  // Read as the server's Session reads (http_server.cc): the header first, with the header
  // limit; a declared length over the limit for the route's kind is refused; an upload
  // starts on its header alone, any other request has its body read whole (body limit)
  // and goes to Handle. What the parser refuses gets a fixed 400/413/431 from the server
  // and never reaches the gateway.
  http::request_parser<http::empty_body> header_parser;
  gateway::LimitHeader(header_parser, settings);
  if (!Feed(header_parser, input, [&] { return header_parser.is_header_done(); })) return 0;
  const auto& header = header_parser.get();
  const bool upload = gateway::IsUpload(app, header);
  if (const auto length = header_parser.content_length(); length && *length > gateway::BodyLimit(upload, settings)) {
    return 0;
  }

  int calls = 0;
  gateway::HttpResponse answer;
  auto done = [&calls, &answer](gateway::HttpResponse response) {
    ++calls;
    answer = std::move(response);
  };
  if (upload) {
    // The server builds the request from the header (the body is streamed later, and is not
    // fuzzed here). Without channels the upload is refused or fails to start: never begun.
    if (app.BeginUpload(gateway::HeaderRequest(header), done) != nullptr) {
      std::fprintf(stderr, "request_fuzzer: invariant violated: an upload began without a channel\n");
      std::abort();
    }
  } else {
    http::request_parser<http::string_body> parser(std::move(header_parser));
    parser.body_limit(gateway::BodyLimit(false, settings));
    parser.eager(true);
    if (!Feed(parser, input, [&] { return parser.is_done(); })) return 0;
    app.Handle(gateway::ToGatewayRequest(parser.release()), done);
  }
  // With no channels every path answers before Handle (or BeginUpload) returns, and only once.
  if (calls != 1) {
    std::fprintf(stderr, "request_fuzzer: invariant violated: done called %d times (expected exactly once)\n", calls);
    std::abort();
  }
  // REQUEST_FUZZER_VERBOSE=1: what the gateway answered (for a reproducer under study).
  static const bool verbose = std::getenv("REQUEST_FUZZER_VERBOSE") != nullptr;
  if (verbose) {
    std::fprintf(stderr, "request_fuzzer: %d %s\n", answer.status, answer.body.substr(0, 4000).c_str());
  }
  CheckResponse(answer);
  return 0;
}
