// A capability route end to end: the gateway (GatewayApp behind its HttpServer, in this
// process) in front of a real gRPC server, also in this process, that implements
// SchedulingService.GetCalendarFeed alone through the project's adapter (GrpcApi), with the
// stack's Redis counting rates: the capability's path through the gateway, with a server
// that records what reached it (the real scheduling service is behind the gateway in
// gateway_routes_test). A calendar client sends no bearer
// token; the answer is the iCalendar text with its ETag; If-None-Match makes it a 304; and
// the token in the path is found in no answer, log line, metric or Redis key.
#include <absl/strings/match.h>
#include <absl/strings/str_cat.h>
#include <absl/synchronization/mutex.h>
#include <gtest/gtest.h>
#include <prometheus/text_serializer.h>
#include <spdlog/sinks/base_sink.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "gateway_app.h"
#include "gateway_client.h"
#include "harness.h"
#include "http_server.h"
#include "mentoring/runtime/errors.h"
#include "mentoring/runtime/grpc_api.h"
#include "mentoring/runtime/redis.h"
#include "mentoring/runtime/request_metrics.h"
#include "mentoring/runtime/server.h"
#include "mentoring/scheduling/v1/scheduling.grpc.pb.h"
#include "rate_limiter.h"
#include "route_table.h"

namespace mentoring::testing {
namespace {

namespace http = boost::beast::http;
using scheduling::v1::CalendarFeedContent;
using scheduling::v1::GetCalendarFeedRequest;

constexpr char kIcs[] = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//mentoring//test//EN\r\nEND:VCALENDAR\r\n";
constexpr int64_t kFeedVersion = 3;
constexpr int64_t kLimitPerMinute = 20;

const google::protobuf::ServiceDescriptor& SchedulingService() {
  return *scheduling::v1::Meeting::descriptor()->file()->FindServiceByName("SchedulingService");
}

// Every line this process logs, through the same JSON format the gateway's process uses.
class CapturedLog final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  std::string Text() {
    std::lock_guard<std::mutex> lock(mutex_);
    return text_;
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& message) override {
    spdlog::memory_buf_t line;
    formatter_->format(message, line);
    text_.append(line.data(), line.size());
  }
  void flush_() override {}

 private:
  std::string text_;
};

// Scheduling's calendar feed and nothing else: one feed, `token`, at version 3. A token
// starting "broken-" fails as a store might (DATA_LOSS, saying the token, as a careless
// service might); any other is NOT_FOUND, whose message names the token. It remembers what
// each call carried.
class CalendarFeeds {
 public:
  struct Seen {
    Caller caller;
    std::string token;
    int64_t known_version = 0;
  };

  explicit CalendarFeeds(std::string token) : token_(std::move(token)) {}

  absl::StatusOr<CalendarFeedContent> GetCalendarFeed(const CallContext& call, const GetCalendarFeedRequest& request) {
    {
      absl::MutexLock lock(&mu_);
      seen_.push_back({call.caller, request.token(), request.known_version()});
    }
    if (absl::StartsWith(request.token(), "broken-")) {
      return absl::DataLossError("the feed store lost " + request.token());
    }
    if (request.token() != token_) return errors::NotFound("calendar feed", request.token());
    CalendarFeedContent content;
    content.set_version(kFeedVersion);
    // The client holds this version: the service skips building the calendar.
    if (request.known_version() != kFeedVersion) content.set_ics(kIcs);
    return content;
  }

  Seen last() const {
    absl::MutexLock lock(&mu_);
    return seen_.empty() ? Seen{} : seen_.back();
  }

 private:
  const std::string token_;
  mutable absl::Mutex mu_;
  std::vector<Seen> seen_ ABSL_GUARDED_BY(mu_);
};

// The test server and the gateway in front of it, destroyed in the reverse order.
struct FeedStack {
  explicit FeedStack(const std::string& token) : feeds(token) {}

  absl::Status Start() {
    api.Unary("GetCalendarFeed", feeds, &CalendarFeeds::GetCalendarFeed);  // the other methods stay unregistered
    server.AddService(&api);
    if (auto started = server.Start(); !started.ok()) return started;
    auto channel = ChannelTo(absl::StrCat("127.0.0.1:", server.port()), TlsFiles{});
    if (!channel.ok()) return channel.status();
    auto routes = gateway::RouteTable::FromServices({&SchedulingService()});
    if (!routes.ok()) return routes.status();
    app = std::make_unique<gateway::GatewayApp>(
        std::move(*routes), std::map<std::string, std::shared_ptr<grpc::Channel>>{{kScheduling, *channel}},
        // No bearer token is good here: a capability route must not ask for one.
        [](std::string_view) -> absl::StatusOr<Caller> {
          return errors::Unauthenticated("this test's gateway accepts no bearer token");
        },
        signer, SystemClock::Instance(), &limiter);
    http_server = std::make_unique<gateway::HttpServer>(*app, gateway::HttpServerSettings{});
    return http_server->Start();
  }

  static constexpr char kScheduling[] = "mentoring.scheduling.v1.SchedulingService";
  CalendarFeeds feeds;
  WorkerPool workers{2};
  InternalTokenVerifier verifier{{.secret = kTestTokenSecret}, SystemClock::Instance()};
  GrpcApi api{SchedulingService(), workers, verifier};
  GrpcServer server{ServerSettings{}};
  InternalTokenSigner signer{{.secret = kTestTokenSecret}, SystemClock::Instance()};
  redis::Client redis{{.host = StackValue("REDIS_HOST"), .port = std::stoi(StackValue("REDIS_PORT"))}};
  gateway::RateLimiter limiter{&redis, kLimitPerMinute, SystemClock::Instance()};
  std::unique_ptr<gateway::GatewayApp> app;
  std::unique_ptr<gateway::HttpServer> http_server;
};

class GatewayCapabilityTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // Tokens of this run only: the rate windows in the shared Redis outlive a run.
    nonce_ = new std::string(absl::StrCat(absl::ToUnixNanos(absl::Now())));
    log_ = std::make_shared<CapturedLog>();
    previous_logger_ = new std::shared_ptr<spdlog::logger>(spdlog::default_logger());
    auto logger = std::make_shared<spdlog::logger>("gateway", log_);
    logger->set_formatter(JsonLogFormatter("gateway"));
    spdlog::set_default_logger(std::move(logger));
    stack_ = new FeedStack(Token());
    started_ = stack_->Start();
  }
  static void TearDownTestSuite() {
    delete stack_;
    spdlog::set_default_logger(*previous_logger_);
    delete previous_logger_;
    log_.reset();
    delete nonce_;
  }
  void SetUp() override { ASSERT_TRUE(started_.ok()) << started_; }

  static std::string Token() { return "feed-good-" + *nonce_; }
  static std::string Feed(const std::string& token) { return "/v1/calendar-feeds/" + token; }
  static Reply Get(const std::string& target, const std::map<std::string, std::string>& headers = {},
                   const std::string& bearer = "") {
    return Call(stack_->http_server->port(), http::verb::get, target, "", bearer, "", "", "application/json", headers);
  }

  static inline std::string* nonce_ = nullptr;
  static inline std::shared_ptr<CapturedLog> log_;
  static inline std::shared_ptr<spdlog::logger>* previous_logger_ = nullptr;
  static inline FeedStack* stack_ = nullptr;
  static inline absl::Status started_;
};

TEST_F(GatewayCapabilityTest, ACalendarClientGetsTheIcsWithoutABearerToken) {
  const Reply reply = Get(Feed(Token()));
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.body, kIcs);  // as the service wrote it, not JSON
  EXPECT_EQ(reply.content_type, "text/calendar; charset=utf-8");
  EXPECT_EQ(reply.etag, "\"3\"");
  // The service verified the internal token the gateway signed: the anonymous caller, no roles.
  const CalendarFeeds::Seen seen = stack_->feeds.last();
  EXPECT_EQ(seen.caller.id, "anonymous");
  EXPECT_TRUE(seen.caller.roles.empty());
  EXPECT_EQ(seen.token, Token());
  EXPECT_EQ(seen.known_version, 0);

  // A bearer token plays no part (this gateway would refuse any), and another spelling of
  // the token is the same capability.
  const Reply with_bearer = Get(Feed(Token()), {}, "some-calendar-app-token");
  EXPECT_EQ(with_bearer.status, 200) << with_bearer.body;
  EXPECT_EQ(with_bearer.body, kIcs);
  const Reply escaped = Get(Feed(absl::StrCat("feed%2Dgood%2d", *nonce_)));
  EXPECT_EQ(escaped.status, 200) << escaped.body;
  // Every other route still wants a bearer token.
  EXPECT_EQ(Get("/v1/meetings/m-1").status, 401);
}

TEST_F(GatewayCapabilityTest, TheServiceVerifiesEveryCallItself) {
  auto stub = scheduling::v1::SchedulingService::NewStub(
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", stack_->server.port()), grpc::InsecureChannelCredentials()));
  GetCalendarFeedRequest request;
  request.set_token(Token());
  CalendarFeedContent content;
  grpc::ClientContext bare;  // no internal token
  EXPECT_EQ(stub->GetCalendarFeed(&bare, request, &content).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(stub->GetCalendarFeed(ContextAs(Caller{"anonymous", {}}).get(), request, &content).ok());
}

TEST_F(GatewayCapabilityTest, IfNoneMatchWithTheCurrentEtagIs304WithoutABody) {
  for (const char* held : {R"("3")", R"(W/"3")", R"("1", W/"3")"}) {
    const Reply reply = Get(Feed(Token()), {{"If-None-Match", held}});
    EXPECT_EQ(reply.status, 304) << held << ": " << reply.body;
    EXPECT_EQ(reply.body, "");
    EXPECT_EQ(reply.etag, "\"3\"");
    EXPECT_EQ(reply.content_type, "");
    EXPECT_EQ(stack_->feeds.last().known_version, kFeedVersion) << held;  // the service skipped the calendar
  }
  // An older version: the calendar, and the service knew which version the client had.
  const Reply stale = Get(Feed(Token()), {{"If-None-Match", R"("2")"}});
  EXPECT_EQ(stale.status, 200);
  EXPECT_EQ(stale.body, kIcs);
  EXPECT_EQ(stack_->feeds.last().known_version, 2);
  const Reply malformed = Get(Feed(Token()), {{"If-None-Match", "3"}});
  EXPECT_EQ(malformed.status, 400);
  EXPECT_EQ(malformed.content_type, "application/json");
  EXPECT_EQ(FieldOf(malformed.json, "status"), "INVALID_ARGUMENT");
}

TEST_F(GatewayCapabilityTest, AnUnknownFeedIs404WithoutItsTokenInTheAnswer) {
  const std::string unknown = "feed-unknown-" + *nonce_;
  const Reply reply = Get(Feed(unknown));
  ASSERT_EQ(reply.status, 404) << reply.body;
  EXPECT_EQ(reply.content_type, "application/json");  // errors stay JSON
  EXPECT_EQ(FieldOf(reply.json, "status"), "NOT_FOUND");
  EXPECT_EQ(FieldOf(reply.json, "message"), "calendar feed '{token}' not found");
  EXPECT_FALSE(absl::StrContains(reply.body, unknown)) << reply.body;
  EXPECT_EQ(stack_->feeds.last().token, unknown);  // the service did see it
}

TEST_F(GatewayCapabilityTest, TheTokenReachesNoAnswerLogLineMetricOrRedisKey) {
  const std::vector<std::string> secrets = {Token(), "feed-unknown2-" + *nonce_, "broken-" + *nonce_,
                                            absl::StrCat("feed%2Dgood%2D", *nonce_)};
  std::vector<Reply> replies = {
      Get(Feed(secrets[0])),                                 // 200
      Get(Feed(secrets[0]), {{"If-None-Match", R"("3")"}}),  // 304
      Get(Feed(secrets[1])),                                 // 404 from the service
      Get(Feed(secrets[2])),                                 // 500: the service's cause is logged, and said
      Get(Feed(secrets[3])),                                 // 200, %-encoded
      Get(Feed(secrets[0]) + "/events"),                     // 404: no route
      Get(Feed(secrets[0]) + ":refresh"),                    // 404: no route
      Call(stack_->http_server->port(), http::verb::delete_, Feed(secrets[0])),  // 405
  };
  const std::vector<int> expected = {200, 304, 404, 500, 200, 404, 404, 405};
  for (size_t i = 0; i < replies.size(); ++i) {
    EXPECT_EQ(replies[i].status, expected[i]) << i << ": " << replies[i].body;
    for (const auto& secret : secrets) EXPECT_FALSE(absl::StrContains(replies[i].body, secret)) << replies[i].body;
  }

  // The log: access lines by route template and caller, and the 500's cause, without the token.
  const std::string log = log_->Text();
  EXPECT_TRUE(absl::StrContains(log, R"("route":"/v1/calendar-feeds/{token}","status":304)")) << log;
  EXPECT_TRUE(absl::StrContains(log, R"("caller":"anonymous")")) << log;
  EXPECT_TRUE(absl::StrContains(log, "the feed store lost {token}")) << log;
  for (const auto& secret : secrets) EXPECT_FALSE(absl::StrContains(log, secret)) << secret << " in the log:\n" << log;

  // Every metric of the process: the gateway's, and gRPC's on both sides of the call.
  const std::string metrics = prometheus::TextSerializer().Serialize(ProcessRegistry().Collect());
  EXPECT_TRUE(absl::StrContains(metrics, R"(route="/v1/calendar-feeds/{token}",status="304")")) << metrics;
  for (const auto& secret : secrets) EXPECT_FALSE(absl::StrContains(metrics, secret)) << secret << " in the metrics";

  // The rate limiter's keys: one per capability, by hash.
  auto keys = stack_->redis.Command({"KEYS", "gateway:rate:*"});
  ASSERT_TRUE(keys.ok()) << keys.status();
  bool capability_key = false;
  for (const auto& key : keys->elements) {
    capability_key |= absl::StartsWith(key.str, "gateway:rate:capability:");
    for (const auto& secret : secrets) EXPECT_FALSE(absl::StrContains(key.str, secret)) << key.str;
  }
  EXPECT_TRUE(capability_key);
}

TEST_F(GatewayCapabilityTest, EachCapabilityIsRateLimitedOnItsOwn) {
  // Up to twice the limit: the one-minute window may turn during the loop.
  const std::string flooded = Feed("feed-flood-" + *nonce_);
  Reply last;
  for (int i = 0; i < 2 * kLimitPerMinute + 1 && last.status != 429; ++i) last = Get(flooded);
  ASSERT_EQ(last.status, 429) << last.body;
  EXPECT_FALSE(last.retry_after.empty());
  EXPECT_EQ(FieldOf(last.json, "status"), "RESOURCE_EXHAUSTED");
  // Other capabilities, all made by the same "anonymous" caller, are not affected.
  EXPECT_EQ(Get(Feed("feed-other-" + *nonce_)).status, 404);
  EXPECT_EQ(Get(Feed(Token())).status, 200);
}

}  // namespace
}  // namespace mentoring::testing
