// What an operator sees of requests, end to end through the real gateway and services:
// a client's trace and request id followed into a service's log lines, request metrics by
// route template and by gRPC method (served and called), process metrics, and one JSON
// access-log line per answer that never holds a raw path.
#include <absl/strings/match.h>
#include <absl/strings/str_cat.h>
#include <absl/strings/str_split.h>
#include <gtest/gtest.h>

#include "gateway_client.h"

namespace mentoring::testing {
namespace {

namespace http = boost::beast::http;

class ObservabilityTest : public GatewayStackSuite {
 protected:
  static std::string Metrics(ServiceProcess& process) { return HttpGet(process.admin_port(), "/metrics"); }

  // Polls `process`'s metrics until `series` is at least `at_least` (metrics of a call are
  // recorded as it finishes, which may be a moment after the client saw its answer).
  static double MetricAtLeast(ServiceProcess& process, const std::string& series, double at_least) {
    double value = -1;
    for (int i = 0; i < 100 && value < at_least; ++i) {
      value = MetricValue(Metrics(process), series);
      if (value < at_least) absl::SleepFor(absl::Milliseconds(50));
    }
    return value;
  }
};

TEST_F(ObservabilityTest, AClientsTraceAndRequestIdReachTheServicesLogLines) {
  const std::string trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
  const std::string request_id = absl::StrCat("obs-", absl::ToUnixMillis(absl::Now()));
  const std::string csv = absl::StrCat("employee_id,display_name,email,level,time_zone,department\n", request_id,
                                       ",Traced Person,", request_id, "@example.com,4,Europe/Paris,Research\n");
  const Reply reply =
      Call(stack_->port(), http::verb::post, "/v1/people:import?format=CSV", csv,
           UserToken("hr-system", R"(["hr_integration"])"), "", "", "text/csv",
           {{"traceparent", absl::StrCat("00-", trace_id, "-00f067aa0ba902b7-01")}, {"X-Request-Id", request_id}});
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.request_id, request_id);
  // The import logs as it goes, on the worker pool, with the call's ids on every line.
  bool found = false;
  for (int i = 0; i < 50 && !found; ++i) {
    for (absl::string_view line : absl::StrSplit(stack_->profiles().log(), '\n')) {
      if (absl::StrContains(line, "HR import") && absl::StrContains(line, absl::StrCat("\"trace_id\":\"", trace_id)) &&
          absl::StrContains(line, absl::StrCat("\"request_id\":\"", request_id))) {
        found = true;
      }
    }
    if (!found) absl::SleepFor(absl::Milliseconds(100));
  }
  EXPECT_TRUE(found) << "no 'HR import' line of profiles carries the client's trace and request id";
}

TEST_F(ObservabilityTest, TheGatewayCountsAndLogsByRouteTemplateNeverByPath) {
  const std::string admin = UserToken("admin-1", R"(["programme_admin"])");
  const std::string missing = "01a24000-0000-7000-8000-000000000001";
  ASSERT_EQ(Call(stack_->port(), http::verb::get, "/v1/people/" + missing, "", admin).status, 404);
  ASSERT_EQ(Call(stack_->port(), http::verb::get, "/v1/programmes", "", admin).status, 200);

  const std::string route_404 = R"(http_requests_total{method="GET",route="/v1/people/{person_id}",status="404"})";
  EXPECT_GE(MetricAtLeast(stack_->gateway(), route_404, 1), 1);
  EXPECT_GE(
      MetricAtLeast(stack_->gateway(), R"(http_requests_total{method="GET",route="/v1/programmes",status="200"})", 1),
      1);
  const std::string metrics = Metrics(stack_->gateway());
  EXPECT_TRUE(
      absl::StrContains(metrics, "http_request_duration_seconds_bucket{method=\"GET\",route=\"/v1/programmes\""));
  EXPECT_FALSE(absl::StrContains(metrics, missing)) << "a raw path (an id) reached the metrics";

  bool access_line = false;
  for (absl::string_view line : absl::StrSplit(stack_->gateway().log(), '\n')) {
    if (absl::StrContains(line, "\"type\":\"access\"") && absl::StrContains(line, "\"status\":404") &&
        absl::StrContains(line, "\"route\":\"/v1/people/{person_id}\"")) {
      access_line = true;
    }
    EXPECT_FALSE(absl::StrContains(line, missing) && absl::StrContains(line, "\"type\":\"access\""))
        << "an access-log line holds the raw path: " << line;
  }
  EXPECT_TRUE(access_line) << "no access-log line for the 404";
}

TEST_F(ObservabilityTest, ServicesCountTheCallsTheyServeAndMakeAndReportTheProcess) {
  const std::string admin = UserToken("admin-1", R"(["programme_admin"])");
  ASSERT_EQ(Call(stack_->port(), http::verb::get, "/v1/programmes", "", admin).status, 200);
  EXPECT_GE(MetricAtLeast(stack_->matching(),
                          R"(grpc_server_handled_total{grpc_code="OK",grpc_method="ListProgrammes",)"
                          R"(grpc_service="mentoring.matching.v1.MatchingService",grpc_type="unary"})",
                          1),
            1);
  // Matching loaded its read model from profiles: a call it made, counted as a client.
  EXPECT_GE(MetricAtLeast(stack_->matching(),
                          R"(grpc_client_handled_total{grpc_code="OK",grpc_method="ListPeople",)"
                          R"(grpc_service="mentoring.profiles.v1.ProfilesService",grpc_type="server_stream"})",
                          1),
            1);
  const std::string metrics = Metrics(stack_->matching());
  EXPECT_TRUE(absl::StrContains(metrics, "grpc_server_handling_seconds_bucket{grpc_method=\"ListProgrammes\""));
  EXPECT_GT(MetricValue(metrics, "process_cpu_seconds_total"), 0);
  EXPECT_GT(MetricValue(metrics, "process_resident_memory_bytes"), 1e6);
  EXPECT_GT(MetricValue(metrics, "process_open_fds"), 0);
}

}  // namespace
}  // namespace mentoring::testing
