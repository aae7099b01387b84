// Routes that are not the usual JSON-with-a-bearer-token kind, still generated from the
// protos: a capability URL (the path is the authority), a non-JSON answer (one response
// field is the body), and conditional reads (If-None-Match → known_version, 304). The route
// table refuses every contract mistake at start, naming the method; the OpenAPI document says
// what such a route takes and answers; capabilities are counted and reported by hash only.
#include <absl/strings/match.h>
#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/text_format.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <tuple>
#include <vector>

#include "capability.h"
#include "conditional.h"
#include "mentoring/api/v1/http.pb.h"
#include "mentoring/runtime/errors.h"
#include "mentoring/scheduling/v1/scheduling.pb.h"
#include "openapi.h"
#include "route_table.h"

namespace mentoring::gateway {
namespace {

using google::protobuf::FieldDescriptorProto;
using google::protobuf::Struct;

const google::protobuf::ServiceDescriptor& Scheduling() {
  return *scheduling::v1::Meeting::descriptor()->file()->FindServiceByName("SchedulingService");
}

RouteTable SchedulingTable() {
  auto table = RouteTable::FromServices({&Scheduling()});
  EXPECT_TRUE(table.ok()) << table.status();
  return table.ok() ? *table : RouteTable();
}

// A service of one method, `test.Feeds/Get`, in a pool of its own, whose http option is
// `rule` (text format): a contract mistake made without a proto file for each.
//   Request  { string token; int64 known_version; bytes data; Params params; }
//   Response { string ics; int64 version; bytes blob; repeated string lines; }
class OneMethod {
 public:
  explicit OneMethod(const std::string& rule_text, bool client_streaming = false) {
    google::protobuf::FileDescriptorProto file;
    file.set_name("test/one_method.proto");
    file.set_package("test");
    file.set_syntax("proto3");
    auto add_message = [&](const char* name,
                           std::vector<std::tuple<const char*, FieldDescriptorProto::Type, bool>> fields) {
      auto* message = file.add_message_type();
      message->set_name(name);
      int number = 0;
      for (const auto& [field_name, type, repeated] : fields) {
        auto* field = message->add_field();
        field->set_name(field_name);
        field->set_number(++number);
        field->set_type(type);
        field->set_label(repeated ? FieldDescriptorProto::LABEL_REPEATED : FieldDescriptorProto::LABEL_OPTIONAL);
        if (type == FieldDescriptorProto::TYPE_MESSAGE) field->set_type_name(".test.Params");
      }
    };
    add_message("Params", {{"format", FieldDescriptorProto::TYPE_STRING, false}});
    add_message("Request", {{"token", FieldDescriptorProto::TYPE_STRING, false},
                            {"known_version", FieldDescriptorProto::TYPE_INT64, false},
                            {"data", FieldDescriptorProto::TYPE_BYTES, false},
                            {"params", FieldDescriptorProto::TYPE_MESSAGE, false}});
    add_message("Response", {{"ics", FieldDescriptorProto::TYPE_STRING, false},
                             {"version", FieldDescriptorProto::TYPE_INT64, false},
                             {"blob", FieldDescriptorProto::TYPE_BYTES, false},
                             {"lines", FieldDescriptorProto::TYPE_STRING, true}});
    auto* service = file.add_service();
    service->set_name("Feeds");
    auto* method = service->add_method();
    method->set_name("Get");
    method->set_input_type(".test.Request");
    method->set_output_type(".test.Response");
    method->set_client_streaming(client_streaming);
    api::v1::HttpRule rule;
    EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(rule_text, &rule)) << rule_text;
    *method->mutable_options()->MutableExtension(api::v1::http) = rule;
    EXPECT_NE(pool_.BuildFile(file), nullptr);
  }

  absl::StatusOr<RouteTable> Table() const { return RouteTable::FromServices({pool_.FindServiceByName("test.Feeds")}); }

 private:
  google::protobuf::DescriptorPool pool_;
};

// The route table's refusal of `rule`: INVALID_ARGUMENT naming the method and saying `why`.
void ExpectRefused(const std::string& rule, const std::string& why, bool client_streaming = false) {
  const auto table = OneMethod(rule, client_streaming).Table();
  ASSERT_FALSE(table.ok()) << rule;
  EXPECT_EQ(table.status().code(), absl::StatusCode::kInvalidArgument) << rule;
  EXPECT_TRUE(absl::StrContains(table.status().message(), "test.Feeds.Get")) << table.status();
  EXPECT_TRUE(absl::StrContains(table.status().message(), why)) << table.status();
}

TEST(CapabilityRoutes, TheCalendarFeedIsACapabilityRouteWithAnIcsAnswer) {
  const RouteTable table = SchedulingTable();
  EXPECT_EQ(static_cast<int>(table.routes().size()), Scheduling().method_count());  // every method annotated
  auto feed = table.Match("GET", "/v1/calendar-feeds/abc");
  ASSERT_TRUE(feed.ok());
  EXPECT_EQ(feed->route->method->name(), "GetCalendarFeed");
  EXPECT_TRUE(feed->route->capability_url);
  EXPECT_TRUE(feed->route->roles.empty());  // nobody to gate: the service checks the capability
  EXPECT_EQ(feed->route->response_body, "ics");
  EXPECT_EQ(feed->route->response_content_type, "text/calendar; charset=utf-8");
  // Every other route still takes a bearer token and answers JSON.
  auto meeting = table.Match("GET", "/v1/meetings/m-1");
  ASSERT_TRUE(meeting.ok());
  EXPECT_FALSE(meeting->route->capability_url);
  EXPECT_TRUE(meeting->route->response_body.empty());
  EXPECT_EQ(meeting->route->roles, (std::vector<std::string>{"employee", "programme_admin"}));
}

TEST(CapabilityRoutes, WellFormedRulesAreAccepted) {
  EXPECT_TRUE(OneMethod(R"(get: "/v1/feeds/{token}" capability_url: true response_body: "ics"
                           response_content_type: "text/calendar; charset=utf-8")")
                  .Table()
                  .ok());
  EXPECT_TRUE(OneMethod(R"(get: "/v1/blobs/{token}" response_body: "blob" response_content_type: "application/pdf")")
                  .Table()
                  .ok());
  EXPECT_TRUE(OneMethod(R"(post: "/v1/feeds/{token}:revoke" capability_url: true)").Table().ok());  // no body
}

TEST(CapabilityRoutes, ContractMistakesAreRefusedAtStartNamingTheMethod) {
  // The answer's field must be a singular string or bytes field of the response...
  ExpectRefused(R"(get: "/v1/feeds/{token}" response_body: "nope" response_content_type: "text/plain")",
                "response_body 'nope' is not a string or bytes field of test.Response");
  ExpectRefused(R"(get: "/v1/feeds/{token}" response_body: "version" response_content_type: "text/plain")",
                "response_body 'version' is not a string or bytes field");
  ExpectRefused(R"(get: "/v1/feeds/{token}" response_body: "lines" response_content_type: "text/plain")",
                "response_body 'lines' is not a string or bytes field");
  // ... with a content type, which is a media type fit for a header.
  ExpectRefused(R"(get: "/v1/feeds/{token}" response_body: "ics")", "needs a response_content_type");
  ExpectRefused(R"(get: "/v1/feeds/{token}" response_body: "ics" response_content_type: "calendar")",
                "is not a media type");
  ExpectRefused("get: \"/v1/feeds/{token}\" response_body: \"ics\" response_content_type: \"text/plain\\r\\nX: y\"",
                "is not a media type");
  ExpectRefused(R"(get: "/v1/feeds/{token}" response_content_type: "text/plain")",
                "response_content_type without a response_body");
  // A capability needs a path to hold it, and nothing else may carry the request.
  ExpectRefused(R"(get: "/v1/feeds" capability_url: true)", "needs a path variable");
  ExpectRefused(R"(post: "/v1/feeds/{token}" body: "*" capability_url: true)", "takes no body");
  ExpectRefused(R"(post: "/v1/feeds/{token}" body: "params" capability_url: true)", "takes no body");
  ExpectRefused(R"(post: "/v1/feeds:import" body: "data" upload_params: "params" capability_url: true)",
                "cannot be an upload", /*client_streaming=*/true);
  ExpectRefused(R"(get: "/v1/feeds/{token}" capability_url: true roles: "employee")", "has no roles");
}

TEST(CapabilityRoutes, CapabilitiesAreCountedByAHashOfTheRouteAndTheDecodedValue) {
  const RouteTable table = SchedulingTable();
  const auto key = [&](const std::string& path) { return CapabilityKey(*table.Match("GET", path)); };
  const std::string a = key("/v1/calendar-feeds/secret-token-a");
  EXPECT_TRUE(absl::StartsWith(a, "capability:"));
  EXPECT_EQ(a.size(), std::string("capability:").size() + 32);
  EXPECT_FALSE(absl::StrContains(a, "secret"));
  EXPECT_EQ(a, key("/v1/calendar-feeds/secret-token-a"));
  EXPECT_EQ(a, key("/v1/calendar-feeds/secret%2Dtoken%2da"));  // another spelling, the same capability
  EXPECT_NE(a, key("/v1/calendar-feeds/secret-token-b"));
}

TEST(CapabilityRoutes, WhatAServiceSaysNeverEchoesTheCapability) {
  const RouteTable table = SchedulingTable();
  const auto feed = table.Match("GET", "/v1/calendar-feeds/tok%2Dsecret");
  ASSERT_TRUE(feed.ok());
  errors::Violations violations;
  violations.Add("token", "unknown", "no feed has the token tok-secret");
  common::v1::ErrorDetails details = errors::DetailsOf(violations.ToStatus());
  details.set_reason("FEED_REVOKED");
  const absl::Status said =
      errors::WithDetails(absl::StatusCode::kNotFound, "no calendar feed tok-secret (tok%2Dsecret)", details);
  const absl::Status answered = WithoutCapability(said, *feed);
  EXPECT_EQ(answered.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(answered.message(), "no calendar feed {token} ({token})");
  const auto redacted = errors::DetailsOf(answered);
  EXPECT_EQ(redacted.reason(), "FEED_REVOKED");
  ASSERT_EQ(redacted.field_violations_size(), 1);
  EXPECT_EQ(redacted.field_violations(0).description(), "no feed has the token {token}");
  // A route that is not a capability route is answered as the service said.
  const auto meeting = table.Match("GET", "/v1/meetings/tok-secret");
  EXPECT_EQ(WithoutCapability(said, *meeting), said);
}

TEST(ConditionalReads, IfNoneMatchListsTheVersionsTheClientHolds) {
  struct Case {
    const char* header;
    int64_t known_version;  // what the request gets (0: left alone)
    std::vector<const char*> matching, not_matching;
  };
  const Case cases[] = {
      {R"("7")", 7, {R"("7")"}, {R"("8")", ""}},
      {R"(W/"7")", 7, {R"("7")"}, {R"("70")"}},  // compared weakly
      {R"("3", W/"5" ,"x,y",, "0")", 5, {R"("3")", R"("5")"}, {R"("4")", R"("0")"}},
      {"*", 0, {R"("1")", R"("99")"}, {""}},  // any version, but an answer without an ETag is not one
      {R"("abc")", 0, {}, {R"("1")"}},        // not one of ours: well-formed, matches nothing
      {"", 0, {}, {R"("1")"}},
  };
  for (const Case& c : cases) {
    auto tags = IfNoneMatch::Parse(c.header);
    ASSERT_TRUE(tags.ok()) << c.header << ": " << tags.status();
    scheduling::v1::GetCalendarFeedRequest request;
    tags->ApplyTo(request);
    EXPECT_EQ(request.known_version(), c.known_version) << c.header;
    for (const char* etag : c.matching) EXPECT_TRUE(tags->Matches(etag)) << c.header << " vs " << etag;
    for (const char* etag : c.not_matching) EXPECT_FALSE(tags->Matches(etag)) << c.header << " vs " << etag;
  }
  for (const char* malformed : {"7", R"(W/"7)", R"("7" "8")", R"(W/7)", R"("7"x)"}) {
    const auto tags = IfNoneMatch::Parse(malformed);
    ASSERT_FALSE(tags.ok()) << malformed;
    EXPECT_EQ(errors::DetailsOf(tags.status()).field_violations(0).field(), "If-None-Match");
  }
  // A request without a known_version is left as it is (the 304 still applies to its answer).
  scheduling::v1::GetMeetingRequest meeting;
  IfNoneMatch::Parse(R"("4")")->ApplyTo(meeting);
  EXPECT_EQ(meeting.ByteSizeLong(), 0u);
}

TEST(ConditionalReads, EtagsAreVersions) {
  scheduling::v1::CalendarFeedContent content;
  EXPECT_EQ(EtagOf(content), "");  // version 0: none yet
  content.set_version(12);
  EXPECT_EQ(EtagOf(content), "\"12\"");
  scheduling::v1::CancelMeetingRequest cancel;
  EXPECT_TRUE(ApplyIfMatch(R"("3")", cancel).ok());
  EXPECT_EQ(cancel.expected_version(), 3);
  EXPECT_FALSE(ApplyIfMatch(R"("+3")", cancel).ok());
  EXPECT_FALSE(ApplyIfMatch(R"("3")", content).ok());  // nothing to match
}

// The operation of `verb path` in the document.
const Struct& Operation(const Struct& document, const std::string& path, const std::string& verb) {
  return document.fields().at("paths").struct_value().fields().at(path).struct_value().fields().at(verb).struct_value();
}

TEST(CapabilityRoutes, TheOpenApiDocumentSaysWhatTheFeedTakesAndAnswers) {
  Struct document;
  ASSERT_TRUE(
      google::protobuf::util::JsonStringToMessage(OpenApiDocument(SchedulingTable(), "Mentoring", "1"), &document)
          .ok());
  const auto& feed = Operation(document, "/v1/calendar-feeds/{token}", "get").fields();
  // No bearer token: an empty security list overrides the document's.
  ASSERT_TRUE(feed.contains("security"));
  EXPECT_EQ(feed.at("security").list_value().values_size(), 0);
  EXPECT_TRUE(feed.at("x-capability-url").bool_value());
  EXPECT_FALSE(feed.contains("x-roles"));
  bool token = false, if_none_match = false;
  for (const auto& parameter : feed.at("parameters").list_value().values()) {
    const auto& p = parameter.struct_value().fields();
    if (p.at("name").string_value() == "token") {
      token = true;
      EXPECT_EQ(p.at("in").string_value(), "path");
      EXPECT_TRUE(absl::StrContains(p.at("description").string_value(), "capability"));
    }
    if (p.at("name").string_value() == "If-None-Match") {
      if_none_match = true;
      EXPECT_EQ(p.at("in").string_value(), "header");
      EXPECT_TRUE(absl::StrContains(p.at("description").string_value(), "known_version"));
    }
  }
  EXPECT_TRUE(token);
  EXPECT_TRUE(if_none_match);
  const auto& responses = feed.at("responses").struct_value().fields();
  const auto& ok = responses.at("200").struct_value().fields();
  const auto& content = ok.at("content").struct_value().fields();
  ASSERT_EQ(content.size(), 1u);
  ASSERT_TRUE(content.contains("text/calendar; charset=utf-8"));
  EXPECT_EQ(content.at("text/calendar; charset=utf-8")
                .struct_value()
                .fields()
                .at("schema")
                .struct_value()
                .fields()
                .at("type")
                .string_value(),
            "string");
  EXPECT_TRUE(ok.at("headers").struct_value().fields().contains("ETag"));
  EXPECT_TRUE(responses.contains("304"));
  EXPECT_TRUE(responses.contains("default"));  // errors stay JSON

  // A bearer route keeps the document's security; a versioned read documents its ETag and
  // 304 too, and a write neither If-None-Match nor 304.
  const auto& meeting = Operation(document, "/v1/meetings/{meeting_id}", "get").fields();
  EXPECT_FALSE(meeting.contains("security"));
  EXPECT_FALSE(meeting.contains("x-capability-url"));
  EXPECT_TRUE(meeting.at("responses").struct_value().fields().contains("304"));
  EXPECT_TRUE(meeting.at("responses")
                  .struct_value()
                  .fields()
                  .at("200")
                  .struct_value()
                  .fields()
                  .at("content")
                  .struct_value()
                  .fields()
                  .contains("application/json"));
  const auto& cancel = Operation(document, "/v1/meetings/{meeting_id}:cancel", "post").fields();
  EXPECT_FALSE(cancel.at("responses").struct_value().fields().contains("304"));
  EXPECT_TRUE(cancel.at("responses").struct_value().fields().at("200").struct_value().fields().contains("headers"));
}

}  // namespace
}  // namespace mentoring::gateway
