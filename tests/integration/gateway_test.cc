// The gateway as a real process in front of real profiles and matching services: routes
// from the protos round-trip, the OpenAPI document is served, authentication is required,
// and bad requests are answered with the field and the rule, before any service sees the
// worst of them.
#include <absl/strings/str_cat.h>
#include <absl/time/clock.h>
#include <gtest/gtest.h>

#include <google/protobuf/util/json_util.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <csignal>
#include <fstream>
#include <iostream>

#include "gateway_client.h"
#include "harness.h"

namespace mentoring::testing {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;

class GatewayTest : public GatewayStackSuite {};

TEST_F(GatewayTest, ServesTheOpenApiDocumentOfItsRoutes) {
  const Reply reply = Call(Port(), http::verb::get, "/openapi.json");
  ASSERT_EQ(reply.status, 200);
  const auto& paths = reply.json.fields().at("paths").struct_value().fields();
  EXPECT_TRUE(paths.contains("/v1/people/{person_id}"));
  EXPECT_TRUE(paths.contains("/v1/programmes/{programme_id}/drafts"));
  EXPECT_FALSE(reply.request_id.empty());
}

TEST_F(GatewayTest, WithoutATokenItIs401AndNoServiceIsCalled) {
  Reply reply = Call(Port(), http::verb::get, "/v1/programmes");
  EXPECT_EQ(reply.status, 401);
  EXPECT_EQ(reply.www_authenticate, "Bearer");
  EXPECT_EQ(FieldOf(reply.json, "status"), "UNAUTHENTICATED");
  EXPECT_EQ(FieldOf(reply.json, "requestId"), reply.request_id);
  EXPECT_FALSE(FieldOf(reply.json, "reason").empty());  // machine-readable, e.g. MISSING_TOKEN
  // A token signed with another key is no better.
  reply = Call(Port(), http::verb::get, "/v1/programmes", "", UserToken("x", "[]") + "tampered");
  EXPECT_EQ(reply.status, 401);
}

TEST_F(GatewayTest, ProfilesAndMatchingRoundTripThroughTheirRoutes) {
  const std::string hr = UserToken("people-admin", R"(["programme_admin"])");
  Reply created = Call(Port(), http::verb::post, "/v1/people", R"({
      "hrEmployeeId": "GW-1", "displayName": "Grace Hopper", "email": "grace@example.com",
      "careerLevel": 9, "timeZone": "America/New_York", "languages": ["en"]})",
                       hr);
  ASSERT_EQ(created.status, 200) << created.body;
  const std::string id = created.json.fields().at("personId").string_value();
  ASSERT_FALSE(id.empty());

  // The person reads their own profile; the services see the caller the gateway vouches for.
  const Reply mine = Call(Port(), http::verb::get, "/v1/people/" + id, "", UserToken(id, R"(["employee"])"));
  ASSERT_EQ(mine.status, 200) << mine.body;
  EXPECT_EQ(mine.json.fields().at("displayName").string_value(), "Grace Hopper");

  const std::string admin = UserToken("admin-7", R"(["programme_admin"])");
  const Reply programme = Call(Port(), http::verb::post, "/v1/programmes", R"({
      "name": "Gateway cohort", "type": "PROGRAMME_TYPE_ONE_TO_ONE",
      "startDate": {"year": 2027, "month": 1, "day": 1}, "endDate": {"year": 2027, "month": 12, "day": 31}})",
                               admin);
  ASSERT_EQ(programme.status, 200) << programme.body;
  const std::string programme_id = programme.json.fields().at("programmeId").string_value();
  const Reply read = Call(Port(), http::verb::get, "/v1/programmes/" + programme_id, "", admin);
  ASSERT_EQ(read.status, 200);
  EXPECT_EQ(read.json.fields().at("name").string_value(), "Gateway cohort");
  // An employee may not create programmes: the service says so, the gateway maps it.
  const Reply refused =
      Call(Port(), http::verb::post, "/v1/programmes", R"({"name": "x"})", UserToken(id, R"(["employee"])"));
  EXPECT_EQ(refused.status, 403);
}

TEST_F(GatewayTest, BadRequestsNameTheFieldAndTheRule) {
  const std::string hr = UserToken("people-admin-2", R"(["programme_admin"])");
  Reply reply = Call(Port(), http::verb::post, "/v1/people", R"({"nickname": "x"})", hr);
  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(FieldOf(reply.json, "status"), "INVALID_ARGUMENT");
  // A rule the service enforces comes back the same way.
  reply = Call(Port(), http::verb::post, "/v1/people", R"({"hrEmployeeId": "GW-2", "displayName": "A",
      "email": "a@example.com", "careerLevel": 3, "timeZone": "Atlantis/Capital"})",
               hr);
  ASSERT_EQ(reply.status, 400) << reply.body;
  const auto& violations = reply.json.fields().at("error").struct_value().fields().at("fieldViolations").list_value();
  ASSERT_GE(violations.values_size(), 1);
  EXPECT_EQ(violations.values(0).struct_value().fields().at("field").string_value(), "person.time_zone");
  EXPECT_EQ(Call(Port(), http::verb::get, "/v1/nothing", "", hr).status, 404);
  const Reply not_allowed = Call(Port(), http::verb::patch, "/v1/programmes", "", hr);
  EXPECT_EQ(not_allowed.status, 405);
  EXPECT_EQ(not_allowed.json.fields().at("error").struct_value().fields().at("code").number_value(), 405);
  // Too large: refused before any service sees it.
  EXPECT_EQ(Call(Port(), http::verb::post, "/v1/people", std::string(2 << 20, ' '), hr).status, 413);
}

TEST_F(GatewayTest, RolesAreCheckedPerRouteBeforeAnyServiceIsCalled) {
  struct Case {
    const char* roles;
    http::verb verb;
    const char* target;
    int expected;
  };
  // 403 at the gateway for a role the route is not for; otherwise the service decides.
  const Case cases[] = {
      {R"(["hr_integration"])", http::verb::get, "/v1/programmes", 403},  // HR imports, nothing else
      {R"(["analytics_viewer"])", http::verb::get, "/v1/programmes", 403},
      {R"(["employee"])", http::verb::get, "/v1/programmes", 200},
      {R"(["employee"])", http::verb::post, "/v1/programmes", 403},  // admins manage programmes
      {R"(["employee"])", http::verb::post, "/v1/people", 403},
      {R"(["employee"])", http::verb::get, "/v1/drafts/x", 403},
      {R"(["programme_admin"])", http::verb::get, "/v1/drafts/01a20000-0000-7000-8000-000000000000", 404},
      {R"([])", http::verb::get, "/v1/programmes", 403},           // no role at all
      {R"(["service"])", http::verb::get, "/v1/programmes", 403},  // "service" is never taken from a user token
  };
  int n = 0;
  for (const Case& c : cases) {
    const Reply reply = Call(Port(), c.verb, c.target, "", UserToken(absl::StrCat("matrix-", n++), c.roles));
    EXPECT_EQ(reply.status, c.expected) << c.roles << " " << c.target << ": " << reply.body;
  }
}

TEST_F(GatewayTest, ETagsAreVersionsAndAStaleIfMatchIs412) {
  const std::string admin = UserToken("admin-etag", R"(["programme_admin"])");
  const Reply created = Call(Port(), http::verb::post, "/v1/programmes", R"({
      "name": "Versioned", "type": "PROGRAMME_TYPE_ONE_TO_ONE",
      "startDate": {"year": 2027, "month": 1, "day": 1}, "endDate": {"year": 2027, "month": 6, "day": 30}})",
                             admin);
  ASSERT_EQ(created.status, 200) << created.body;
  EXPECT_EQ(created.etag, "\"1\"");
  const std::string id = created.json.fields().at("programmeId").string_value();
  const std::string body = R"({"programme": {"name": "Versioned, renamed", "type": "PROGRAMME_TYPE_ONE_TO_ONE",
      "startDate": {"year": 2027, "month": 1, "day": 1}, "endDate": {"year": 2027, "month": 6, "day": 30}}})";
  const Reply updated = Call(Port(), http::verb::put, "/v1/programmes/" + id, body, admin, created.etag);
  ASSERT_EQ(updated.status, 200) << updated.body;
  EXPECT_EQ(updated.etag, "\"2\"");
  // Someone else wrote meanwhile: the old ETag no longer matches.
  const Reply stale = Call(Port(), http::verb::put, "/v1/programmes/" + id, body, admin, created.etag);
  EXPECT_EQ(stale.status, 412);
  EXPECT_EQ(Call(Port(), http::verb::put, "/v1/programmes/" + id, body, admin, "W/garbage").status, 400);
}

TEST_F(GatewayTest, ARetriedPostWithAnIdempotencyKeyCreatesOnce) {
  const std::string admin = UserToken("admin-idem", R"(["programme_admin"])");
  const std::string body = R"({"name": "Once only", "type": "PROGRAMME_TYPE_ONE_TO_ONE",
      "startDate": {"year": 2027, "month": 1, "day": 1}, "endDate": {"year": 2027, "month": 6, "day": 30}})";
  const std::string key = absl::StrCat("create-", absl::ToUnixNanos(absl::Now()));
  const Reply first = Call(Port(), http::verb::post, "/v1/programmes", body, admin, "", key);
  ASSERT_EQ(first.status, 200) << first.body;
  const Reply retried = Call(Port(), http::verb::post, "/v1/programmes", body, admin, "", key);
  ASSERT_EQ(retried.status, 200);
  EXPECT_EQ(retried.json.fields().at("programmeId").string_value(),
            first.json.fields().at("programmeId").string_value());
  int named = 0;
  const Reply all = Call(Port(), http::verb::get, "/v1/programmes", "", admin);
  for (const auto& p : all.json.fields().at("programmes").list_value().values()) {
    named += p.struct_value().fields().at("name").string_value() == "Once only";
  }
  EXPECT_EQ(named, 1);
  // The same key for another request is refused, not replayed.
  const Reply reused = Call(Port(), http::verb::post, "/v1/programmes", R"({"name": "Other"})", admin, "", key);
  EXPECT_EQ(reused.status, 422);
}

TEST_F(GatewayTest, ACallerOverTheRateLimitGets429WithRetryAfter) {
  // The suite's gateway allows 20 requests a minute per caller, counted in Redis.
  const std::string greedy = UserToken(absl::StrCat("greedy-", absl::ToUnixNanos(absl::Now())), R"(["employee"])");
  int ok = 0, limited = 0;
  Reply last;
  for (int i = 0; i < 25; ++i) {
    last = Call(Port(), http::verb::get, "/v1/programmes", "", greedy);
    if (last.status == 200) ++ok;
    if (last.status == 429) ++limited;
  }
  EXPECT_LE(ok, 20);
  EXPECT_GE(limited, 5);
  EXPECT_EQ(last.status, 429);
  EXPECT_FALSE(last.retry_after.empty());
  EXPECT_EQ(FieldOf(last.json, "status"), "RESOURCE_EXHAUSTED");
  // Another caller is not affected.
  EXPECT_EQ(Call(Port(), http::verb::get, "/v1/programmes", "", UserToken("patient", R"(["employee"])")).status, 200);
}

// An HR export as an HR system streams it: chunked transfer encoding, in pieces, so the
// gateway sees no length up front. Answers like Call.
Reply StreamUpload(int port, const std::string& target, const std::string& bearer, const std::string& body,
                   size_t piece = 16 * 1024) {
  boost::asio::io_context io;
  beast::tcp_stream stream(io);
  stream.connect(
      boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)));
  std::string head = absl::StrCat("POST ", target, " HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/csv\r\n",
                                  "Authorization: Bearer ", bearer, "\r\nTransfer-Encoding: chunked\r\n\r\n");
  beast::error_code ec;
  boost::asio::write(stream.socket(), boost::asio::buffer(head), ec);
  for (size_t at = 0; at < body.size() && !ec; at += piece) {
    const absl::string_view part = absl::string_view(body).substr(at, piece);
    const std::string framed = absl::StrCat(absl::Hex(part.size()), "\r\n", part, "\r\n");
    boost::asio::write(stream.socket(), boost::asio::buffer(framed), ec);
  }
  if (!ec) boost::asio::write(stream.socket(), boost::asio::buffer(std::string("0\r\n\r\n")), ec);
  beast::flat_buffer buffer;
  http::response<http::string_body> response;
  http::read(stream, buffer, response, ec);
  Reply reply;
  reply.status = ec ? -1 : static_cast<int>(response.result_int());
  reply.body = response.body();
  (void)google::protobuf::util::JsonStringToMessage(reply.body, &reply.json);
  return reply;
}

int64_t NumberAt(const google::protobuf::Struct& json, const std::string& key) {
  // proto3 JSON writes int64 as a string, and leaves zero out.
  if (!json.fields().contains(key)) return 0;
  const auto& value = json.fields().at(key);
  return value.has_string_value() ? std::stoll(value.string_value()) : static_cast<int64_t>(value.number_value());
}

// `rows` people (ids tagged so runs do not collide), with line 5 and line 8 broken.
std::string HrExport(const std::string& tag, int rows) {
  std::string csv = "employee_id,manager_id,display_name,email,level,time_zone,department\n";
  for (int i = 0; i < rows; ++i) {
    const int line = i + 2;  // the header is line 1
    const std::string id = absl::StrCat(tag, "-", i);
    const std::string email = line == 5 ? "not-an-email" : absl::StrCat(id, "@example.com");
    const std::string zone = line == 8 ? "Mars/Olympus" : "Europe/London";
    absl::StrAppend(&csv, id, ",", i == 0 ? "" : absl::StrCat(tag, "-0"), ",Person ", i, ",", email, ",", 3 + i % 5,
                    ",", zone, ",Engineering\n");
  }
  return csv;
}

// VmHWM (peak resident memory) of a process, in KiB.
int64_t PeakRssKib(pid_t pid) {
  std::ifstream status(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stoll(line.substr(6));
  }
  return -1;
}

TEST_F(GatewayTest, AnHrExportIsStreamedIntoTheImportAndAnsweredWithTheReport) {
  const std::string hr = UserToken("hr-system", R"(["hr_integration"])");
  const std::string tag = absl::StrCat("gwimp", absl::ToUnixMillis(absl::Now()) % 100000000);
  // Over a megabyte: more than any whole body the gateway accepts, and many chunks.
  const std::string file = HrExport(tag, 12000);
  ASSERT_GT(file.size(), size_t{1} << 20);

  const Reply first = StreamUpload(Port(), "/v1/people:import?format=IMPORT_FORMAT_CSV&source=gateway-test", hr, file);
  ASSERT_EQ(first.status, 200) << first.body.substr(0, 2000);
  EXPECT_EQ(NumberAt(first.json, "rows"), 12000);
  EXPECT_EQ(NumberAt(first.json, "created"), 11998);
  EXPECT_EQ(NumberAt(first.json, "failed"), 2);
  const auto& errors = first.json.fields().at("errors").list_value().values();
  ASSERT_EQ(errors.size(), 2);
  EXPECT_EQ(NumberAt(errors[0].struct_value(), "line"), 5);
  EXPECT_EQ(errors[0].struct_value().fields().at("rule").string_value(), "email");
  EXPECT_EQ(NumberAt(errors[1].struct_value(), "line"), 8);
  EXPECT_EQ(errors[1].struct_value().fields().at("rule").string_value(), "iana_time_zone");

  // The same file again, this time with a length (curl --data-binary): nothing changes.
  const Reply again = Call(Port(), http::verb::post, "/v1/people:import?format=CSV", file, hr, "", "", "text/csv");
  ASSERT_EQ(again.status, 200) << again.body.substr(0, 2000);
  EXPECT_EQ(NumberAt(again.json, "unchanged"), 11998);
  EXPECT_EQ(NumberAt(again.json, "created"), 0);
  EXPECT_EQ(NumberAt(again.json, "updated"), 0);

  // The imported people are there for everyone else.
  const Reply found = Call(Port(), http::verb::get, "/v1/people?department=Engineering&pageSize=5", "",
                           UserToken("hr-import-reader", R"(["programme_admin"])"));
  ASSERT_EQ(found.status, 200) << found.body;
  EXPECT_FALSE(found.json.fields().at("people").list_value().values().empty());
}

TEST_F(GatewayTest, AnUploadIsAdmittedOnItsHeadersBeforeAnyOfItsBodyIsRead) {
  const std::string file = HrExport("never", 3);
  const std::string target = "/v1/people:import?format=CSV";
  EXPECT_EQ(StreamUpload(Port(), target, "", file).status, 401);
  // The HR role imports, and nobody else does; not even an admin.
  EXPECT_EQ(StreamUpload(Port(), target, UserToken("emp-import", R"(["employee"])"), file).status, 403);
  EXPECT_EQ(StreamUpload(Port(), target, UserToken("admin-import", R"(["programme_admin"])"), file).status, 403);
  const std::string hr = UserToken("hr-bad-params", R"(["hr_integration"])");
  const Reply bad_format = StreamUpload(Port(), "/v1/people:import?format=XLSX", hr, file);
  EXPECT_EQ(bad_format.status, 400) << bad_format.body;
  EXPECT_NE(bad_format.body.find("format"), std::string::npos) << bad_format.body;
  const Reply unknown = StreamUpload(Port(), "/v1/people:import?format=CSV&sheet=2", hr, file);
  EXPECT_EQ(unknown.status, 400) << unknown.body;
  // The service's own rule: a format is required.
  const Reply no_format = StreamUpload(Port(), "/v1/people:import", hr, file);
  EXPECT_EQ(no_format.status, 400) << no_format.body;
  EXPECT_NE(no_format.body.find("format"), std::string::npos) << no_format.body;
  EXPECT_EQ(Call(Port(), http::verb::post, "/v1/people:import?format=CSV", file, hr, "", "retry-1", "text/csv").status,
            400);  // an upload takes no Idempotency-Key: it is idempotent by content
}

TEST_F(GatewayTest, TheGatewayNeverHoldsAnUploadWhole) {
  // 40 MB of rows the importer refuses at once (wrong column count): a cheap file to stream.
  std::string file = "employee_id,display_name,email,level,time_zone\n";
  const std::string row = "x,only,three" + std::string(100, ' ') + "\n";
  while (file.size() < (size_t{40} << 20)) file += row;
  const pid_t gateway = stack_->gateway().pid();
  const int64_t before = PeakRssKib(gateway);
  ASSERT_GT(before, 0);
  const Reply reply = StreamUpload(Port(), "/v1/people:import?format=CSV", UserToken("hr-big", R"(["hr_integration"])"),
                                   file, 256 * 1024);
  ASSERT_EQ(reply.status, 200) << reply.body.substr(0, 500);
  EXPECT_GT(NumberAt(reply.json, "failed"), 300000);
  EXPECT_TRUE(reply.json.fields().at("errorsTruncated").bool_value());
  // Holding the file would raise the peak by 40 MB or more; streaming keeps a chunk or two
  // per upload plus gRPC's flow-control window.
  const int64_t grown_kib = PeakRssKib(gateway) - before;
  EXPECT_LT(grown_kib, 16 * 1024) << "the gateway's peak memory grew by " << grown_kib << " KiB";
  std::cout << "gateway peak memory grew by " << grown_kib << " KiB over a " << (file.size() >> 20) << " MiB upload\n";
}

TEST_F(GatewayTest, OnSigtermAnUploadInFlightIsFinishedBeforeTheGatewayExits) {
  // A gateway of its own, since this one is stopped.
  auto env = ServiceEnv("gateway", {{"PROFILES_ADDR", absl::StrCat("127.0.0.1:", stack_->profiles().grpc_port())},
                                    {"MATCHING_ADDR", absl::StrCat("127.0.0.1:", stack_->matching().grpc_port())},
                                    {"SCHEDULING_ADDR", absl::StrCat("127.0.0.1:", stack_->scheduling().grpc_port())},
                                    {"EVALUATION_ADDR", absl::StrCat("127.0.0.1:", stack_->evaluation().grpc_port())},
                                    {"JWT_HS256_SECRET", kGatewayJwtSecret}});
  env["GATEWAY_DRAIN_DELAY"] = "1s";
  env["GATEWAY_SHUTDOWN_GRACE"] = "20s";
  ServiceProcess gateway(ServiceBinary("gateway"), env);
  ASSERT_TRUE(gateway.Start().ok()) << gateway.log();

  const std::string file = HrExport(absl::StrCat("drain", absl::ToUnixMillis(absl::Now()) % 100000000), 2000);
  boost::asio::io_context io;
  beast::tcp_stream stream(io);
  stream.connect(boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"),
                                                static_cast<unsigned short>(gateway.http_port())));
  const std::string head =
      absl::StrCat("POST /v1/people:import?format=CSV HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/csv\r\n",
                   "Authorization: Bearer ", UserToken("hr-drain", R"(["hr_integration"])"),
                   "\r\nContent-Length: ", file.size(), "\r\n\r\n");
  boost::asio::write(stream.socket(), boost::asio::buffer(head + file.substr(0, file.size() / 2)));
  absl::SleepFor(absl::Milliseconds(300));  // the upload is under way
  gateway.Signal(SIGTERM);
  absl::SleepFor(absl::Milliseconds(1500));  // past the drain delay: no longer accepting
  boost::asio::write(stream.socket(), boost::asio::buffer(file.substr(file.size() / 2)));
  beast::flat_buffer buffer;
  http::response<http::string_body> response;
  beast::error_code ec;
  http::read(stream, buffer, response, ec);
  ASSERT_FALSE(ec) << ec.message() << "\n" << gateway.log();
  EXPECT_EQ(response.result_int(), 200u) << response.body().substr(0, 500);
  EXPECT_FALSE(response.keep_alive());  // told to go elsewhere
  google::protobuf::Struct report;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(response.body(), &report).ok());
  EXPECT_EQ(NumberAt(report, "rows"), 2000);
  EXPECT_EQ(gateway.Wait(), 0) << gateway.log();
}

}  // namespace
}  // namespace mentoring::testing
