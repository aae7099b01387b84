// Unit tests for the skeleton's pieces that need no server: the generic adapter's checks,
// secrets from files, log lines with fields, event type names.
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "mentoring/runtime/clock.h"
#include "mentoring/runtime/config.h"
#include "mentoring/runtime/events.h"
#include "mentoring/runtime/grpc_api.h"
#include "mentoring/runtime/logging.h"
#include "mentoring/runtime/v1/test_clock.grpc.pb.h"

namespace mentoring {
namespace {

const google::protobuf::ServiceDescriptor& TestClockService() {
  return *runtime::v1::AdvanceClockRequest::descriptor()->file()->FindServiceByName("TestClock");
}

class GrpcApiTest : public ::testing::Test {
 protected:
  WorkerPool workers_{1};
  InternalTokenVerifier verifier_{{.secret = "0123456789abcdef0123456789abcdef"}, SystemClock::Instance()};
};

TEST_F(GrpcApiTest, AMethodWithoutAHandlerRefusesToStart) {
  GrpcApi api(TestClockService(), workers_, verifier_);
  const absl::Status checked = api.Check();
  EXPECT_EQ(checked.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(checked.message().find("Advance has no handler"), std::string::npos) << checked;
}

TEST_F(GrpcApiTest, AHandlerOfTheWrongTypesOrNameIsNamed) {
  GrpcApi api(TestClockService(), workers_, verifier_);
  api.Unary("Advance",
            [](const CallContext&, const runtime::v1::ClockTime&) -> absl::StatusOr<runtime::v1::ClockTime> {
              return runtime::v1::ClockTime();
            })
      .Unary("Rewind", [](const CallContext&, const runtime::v1::AdvanceClockRequest&) {
        return absl::StatusOr<runtime::v1::ClockTime>(runtime::v1::ClockTime());
      });
  const std::string message(api.Check().message());
  EXPECT_NE(message.find("Advance takes mentoring.runtime.v1.AdvanceClockRequest, not mentoring.runtime.v1.ClockTime"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("has no method Rewind"), std::string::npos) << message;
}

TEST_F(GrpcApiTest, EveryMethodRegisteredChecksOut) {
  GrpcApi api(TestClockService(), workers_, verifier_);
  api.Unary("Advance", [](const CallContext&, const runtime::v1::AdvanceClockRequest&) {
    return absl::StatusOr<runtime::v1::ClockTime>(runtime::v1::ClockTime());
  });
  EXPECT_TRUE(api.Check().ok()) << api.Check();
}

TEST(Config, ASecretComesFromItsFileAndIsNeverEchoed) {
  const std::string path = ::testing::TempDir() + "/secret";
  std::ofstream(path) << "file-secret-0123456789abcdef0123456789\n";
  Config config = Config::FromMap("SVC", {{"SVC_INTERNAL_TOKEN_SECRET_FILE", path}});
  EXPECT_EQ(config.Secret("INTERNAL_TOKEN_SECRET", 32), "file-secret-0123456789abcdef0123456789");
  EXPECT_TRUE(config.Check().ok());

  Config short_one = Config::FromMap("SVC", {{"SVC_INTERNAL_TOKEN_SECRET", "tiny-secret-value"}});
  short_one.Secret("INTERNAL_TOKEN_SECRET", 32);
  const std::string message(short_one.Check().message());
  EXPECT_NE(message.find("at least 32 bytes (got 17 bytes)"), std::string::npos) << message;
  EXPECT_EQ(message.find("tiny-secret-value"), std::string::npos) << "a secret must never be echoed: " << message;

  Config missing_file = Config::FromMap("SVC", {{"SVC_DATABASE_URL_FILE", "/nonexistent/secret"}});
  missing_file.Secret("DATABASE_URL", 1);
  EXPECT_NE(missing_file.Check().message().find("DATABASE_URL_FILE"), std::string::npos);
}

TEST(Logging, ALineWithFieldsIsOneJsonObject) {
  std::ostringstream out;
  auto logger = std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::ostream_sink_mt>(out));
  logger->set_formatter(JsonLogFormatter("gateway"));
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(logger);
  {
    ScopedLogContext context(*TraceContext::Parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"), "req-1");
    LogWithFields(spdlog::level::info, "access",
                  {{"method", "GET"},
                   {"route", "/v1/people/{person_id}"},
                   {"status", 200},
                   {"duration_ms", 1.5},
                   {"odd", "quote\" and \xff"}});
  }
  spdlog::info("plain");
  spdlog::set_default_logger(previous);

  std::istringstream lines(out.str());
  std::string line;
  std::vector<google::protobuf::Struct> parsed;
  while (std::getline(lines, line)) {
    google::protobuf::Struct object;
    ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(line, &object).ok()) << line;
    parsed.push_back(object);
  }
  ASSERT_EQ(parsed.size(), 2u);
  const auto& access = parsed[0].fields();
  EXPECT_EQ(access.at("msg").string_value(), "access");
  EXPECT_EQ(access.at("status").number_value(), 200);
  EXPECT_EQ(access.at("duration_ms").number_value(), 1.5);
  EXPECT_EQ(access.at("route").string_value(), "/v1/people/{person_id}");
  EXPECT_EQ(access.at("trace_id").string_value(), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(access.at("span_id").string_value(), "00f067aa0ba902b7");
  EXPECT_EQ(access.at("request_id").string_value(), "req-1");
  // The fields belong to that line alone; the context ended with its scope.
  EXPECT_FALSE(parsed[1].fields().contains("route"));
  EXPECT_FALSE(parsed[1].fields().contains("trace_id"));
}

TEST(Events, TypeNamesFollowThePayloadNames) {
  events::EventEnvelope event;
  event.mutable_meeting_agenda_missing();
  EXPECT_EQ(events::TypeOf(event), "meeting.agenda_missing");
  event.mutable_relationship_agreement_amended();
  EXPECT_EQ(events::TypeOf(event), "relationship.agreement_amended");
  event.mutable_rapport_at_risk();
  EXPECT_EQ(events::TypeOf(event), "rapport.at_risk");
  event.clear_payload();
  EXPECT_EQ(events::TypeOf(event), "");
}

TEST(AdjustableClock, OnlyMovesForward) {
  AdjustableClock clock;
  const absl::Time before = clock.Now();
  clock.Advance(absl::Hours(2));
  EXPECT_GE(clock.Now() - before, absl::Hours(2));
  clock.Advance(-absl::Hours(5));
  EXPECT_GE(clock.Now() - before, absl::Hours(2));
}

}  // namespace
}  // namespace mentoring
