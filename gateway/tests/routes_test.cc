// The gateway's routes come from the services' protos: every annotated method is routed,
// paths bind request fields, bodies and query strings transcode with field-level errors,
// and the OpenAPI document lists exactly the routes served.
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <set>

#include "mentoring/api/v1/http.pb.h"
#include "mentoring/evaluation/v1/evaluation.pb.h"
#include "mentoring/matching/v1/matching.pb.h"
#include "mentoring/profiles/v1/profiles.pb.h"
#include "mentoring/runtime/errors.h"
#include "mentoring/scheduling/v1/scheduling.pb.h"
#include "openapi.h"
#include "route_table.h"
#include "transcoder.h"

namespace mentoring::gateway {
namespace {

const std::vector<const google::protobuf::ServiceDescriptor*>& Services() {
  // Referencing the generated files links them in; the pool then knows their services.
  (void)profiles::v1::Person::descriptor();
  (void)matching::v1::Programme::descriptor();
  (void)scheduling::v1::Meeting::descriptor();
  (void)evaluation::v1::Feedback::descriptor();
  const auto* pool = google::protobuf::DescriptorPool::generated_pool();
  static const std::vector<const google::protobuf::ServiceDescriptor*> services = {
      pool->FindServiceByName("mentoring.profiles.v1.ProfilesService"),
      pool->FindServiceByName("mentoring.matching.v1.MatchingService"),
      pool->FindServiceByName("mentoring.scheduling.v1.SchedulingService"),
      pool->FindServiceByName("mentoring.evaluation.v1.EvaluationService")};
  return services;
}

RouteTable Table() {
  auto table = RouteTable::FromServices(Services());
  EXPECT_TRUE(table.ok()) << table.status();
  return table.ok() ? *table : RouteTable();
}

std::string RuleOf(const absl::Status& status) {
  const auto details = errors::DetailsOf(status);
  return details.field_violations().empty()
             ? ""
             : details.field_violations(0).field() + "/" + details.field_violations(0).rule();
}

TEST(Routes, EveryAnnotatedMethodIsRouted) {
  const RouteTable table = Table();
  int annotated = 0;
  for (const auto* service : Services()) {
    for (int m = 0; m < service->method_count(); ++m) {
      const auto* method = service->method(m);
      if (method->options().HasExtension(api::v1::http)) ++annotated;
      // Server streams (ListPeople) are for services, never routes; a client stream is one
      // only as an upload.
      if (method->server_streaming()) {
        EXPECT_FALSE(method->options().HasExtension(api::v1::http)) << method->full_name();
      }
    }
  }
  auto import = table.Match("POST", "/v1/people:import");
  ASSERT_TRUE(import.ok());
  EXPECT_TRUE(import->route->upload());
  EXPECT_EQ(import->route->upload_params, "options");
  EXPECT_EQ(import->route->body, "data");
  EXPECT_EQ(import->route->roles, std::vector<std::string>{"hr_integration"});
  EXPECT_EQ(static_cast<int>(table.routes().size()), annotated);
  EXPECT_GE(annotated, 38);
}

TEST(Routes, PathsBindFieldsAndCustomVerbs) {
  const RouteTable table = Table();
  auto get = table.Match("GET", "/v1/people/abc");
  ASSERT_TRUE(get.ok());
  EXPECT_EQ(get->route->grpc_method, "/mentoring.profiles.v1.ProfilesService/GetPerson");
  ASSERT_EQ(get->bindings.size(), 1u);
  EXPECT_EQ(get->bindings[0].second, "abc");

  auto deactivate = table.Match("POST", "/v1/people/abc:deactivate");
  ASSERT_TRUE(deactivate.ok());
  EXPECT_EQ(deactivate->route->method->name(), "DeactivatePerson");
  auto batch = table.Match("POST", "/v1/people:batchGet");
  ASSERT_TRUE(batch.ok());
  EXPECT_EQ(batch->route->method->name(), "BatchGetPeople");
  auto nested = table.Match("PUT", "/v1/people/abc");
  ASSERT_TRUE(nested.ok());
  EXPECT_EQ(nested->bindings[0].first, (std::vector<std::string>{"person", "person_id"}));

  EXPECT_EQ(table.Match("GET", "/v1/nothing/here").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(table.Match("PATCH", "/v1/people/abc").status().code(), absl::StatusCode::kFailedPrecondition);  // 405
  EXPECT_EQ(table.Match("GET", "/v1/people/abc:unknownVerb").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(table.Match("GET", "/v1/people//").status().code(), absl::StatusCode::kNotFound);
}

TEST(Routes, TemplatesThatNameNoFieldAreRefused) {
  EXPECT_FALSE(ParseRoute("GET", "/v1/people/{nope}", *profiles::v1::GetPersonRequest::descriptor()).ok());
  EXPECT_FALSE(ParseRoute("GET", "v1/people", *profiles::v1::GetPersonRequest::descriptor()).ok());
  EXPECT_FALSE(
      ParseRoute("GET", "/v1/{page_size}", *profiles::v1::SearchPeopleRequest::descriptor()).ok());  // not a string
}

TEST(Transcoding, BodyQueryAndPathBuildTheRequest) {
  const RouteTable table = Table();
  auto search = table.Match("GET", "/v1/people");
  ASSERT_TRUE(search.ok());
  profiles::v1::SearchPeopleRequest request;
  ASSERT_TRUE(
      BuildRequest(*search, "department=Sales%20EMEA&min_career_level=3&role=MENTORING_ROLE_MENTOR", "", request).ok());
  EXPECT_EQ(request.department(), "Sales EMEA");
  EXPECT_EQ(request.min_career_level(), 3);
  EXPECT_EQ(request.role(), common::v1::MENTORING_ROLE_MENTOR);

  auto update = table.Match("PUT", "/v1/people/p-1");
  profiles::v1::UpdatePersonRequest put;
  ASSERT_TRUE(
      BuildRequest(*update, "", R"({"person": {"personId": "other", "careerLevel": 7}, "expectedVersion": "3"})", put)
          .ok());
  EXPECT_EQ(put.person().person_id(), "p-1");  // the URL names the resource
  EXPECT_EQ(put.person().career_level(), 7);
  EXPECT_EQ(put.expected_version(), 3);

  auto create = table.Match("POST", "/v1/programmes");
  matching::v1::CreateProgrammeRequest programme;
  ASSERT_TRUE(BuildRequest(*create, "", R"({"name": "Cohort", "type": "PROGRAMME_TYPE_REVERSE"})", programme).ok());
  EXPECT_EQ(programme.programme().name(), "Cohort");  // body: "programme"
}

TEST(Transcoding, AnEnumInTheQueryMayOmitItsTypePrefix) {
  const RouteTable table = Table();
  auto search = table.Match("GET", "/v1/people");
  profiles::v1::SearchPeopleRequest request;
  ASSERT_TRUE(BuildRequest(*search, "role=MENTEE", "", request).ok());
  EXPECT_EQ(request.role(), common::v1::MENTORING_ROLE_MENTEE);
  auto import = table.Match("POST", "/v1/people:import");
  profiles::v1::ImportOptions options;
  ASSERT_TRUE(BuildRequest(RouteMatch{import->route, {}}, "format=JSON_LINES&fullSync=true", "", options).ok());
  EXPECT_EQ(options.format(), profiles::v1::IMPORT_FORMAT_JSON_LINES);
  EXPECT_TRUE(options.full_sync());
}

TEST(Transcoding, ATimestampInTheQueryIsWrittenAsInJson) {
  const RouteTable table = Table();
  auto meetings = table.Match("GET", "/v1/meetings");
  ASSERT_TRUE(meetings.ok());
  scheduling::v1::ListMeetingsRequest request;
  ASSERT_TRUE(
      BuildRequest(*meetings, "person_id=p&from=2027-01-01T00:00:00Z&to=2027-03-01T09:30:00%2B01:00", "", request)
          .ok());
  EXPECT_EQ(request.from().seconds(), 1798761600);  // 2027-01-01T00:00:00Z
  EXPECT_EQ(request.to().seconds(), 1803889800);    // 2027-03-01T08:30:00Z
  EXPECT_EQ(RuleOf(BuildRequest(*meetings, "from=yesterday", "", request)), "from/timestamp");
  EXPECT_EQ(RuleOf(BuildRequest(*meetings, "from=%222027%22", "", request)), "from/format");
}

TEST(Transcoding, BadInputNamesTheFieldAndRule) {
  const RouteTable table = Table();
  auto search = table.Match("GET", "/v1/people");
  profiles::v1::SearchPeopleRequest request;
  EXPECT_EQ(RuleOf(BuildRequest(*search, "min_career_level=three", "", request)), "min_career_level/integer");
  EXPECT_EQ(RuleOf(BuildRequest(*search, "nosuch=1", "", request)), "nosuch/unknown_parameter");
  EXPECT_EQ(RuleOf(BuildRequest(*search, "role=BOSS", "", request)), "role/enum");
  EXPECT_EQ(RuleOf(BuildRequest(*search, "department=%C3%28", "", request)), "department/utf8");
  EXPECT_EQ(RuleOf(BuildRequest(*search, "", "{}", request)), "body/no_body");

  auto create = table.Match("POST", "/v1/people");
  profiles::v1::CreatePersonRequest person;
  EXPECT_EQ(RuleOf(BuildRequest(*create, "", R"({"displayName": 7})", person)), "body/json");  // wrong type
  EXPECT_EQ(RuleOf(BuildRequest(*create, "", R"({"nickname": "x"})", person)), "body/json");   // unknown field
  EXPECT_EQ(RuleOf(BuildRequest(*create, "", R"({"displayName": )", person)), "body/json");    // malformed
  EXPECT_EQ(RuleOf(BuildRequest(*create, "", "{\"displayName\": \"\xff\xfe\"}", person)), "body/json");  // bad UTF-8
  std::string deep = std::string(100, '[') + std::string(100, ']');
  EXPECT_EQ(RuleOf(BuildRequest(*create, "", deep, person)), "body/max_depth");
}

TEST(OpenApi, ListsExactlyTheRoutesServed) {
  const RouteTable table = Table();
  google::protobuf::Struct document;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(OpenApiDocument(table, "Mentoring", "1"), &document).ok());
  EXPECT_EQ(document.fields().at("openapi").string_value(), "3.0.3");
  std::set<std::pair<std::string, std::string>> documented;
  for (const auto& [path, item] : document.fields().at("paths").struct_value().fields()) {
    for (const auto& [verb, operation] : item.struct_value().fields()) documented.emplace(verb, path);
  }
  std::set<std::pair<std::string, std::string>> served;
  for (const auto& route : table.routes()) {
    std::string verb = route.verb;
    for (auto& c : verb) c = static_cast<char>(std::tolower(c));
    served.emplace(verb, route.path_template);
  }
  EXPECT_EQ(documented, served);
  const auto& schemas =
      document.fields().at("components").struct_value().fields().at("schemas").struct_value().fields();
  EXPECT_TRUE(schemas.contains("mentoring.profiles.v1.Person"));
  EXPECT_TRUE(schemas.contains("mentoring.matching.v1.MatchDraft"));
  EXPECT_TRUE(schemas.contains("Error"));
}

}  // namespace
}  // namespace mentoring::gateway
