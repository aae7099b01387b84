// The gateway's routes come from the services' protos: every annotated method is routed,
// paths bind request fields, bodies and query strings transcode with field-level errors,
// and the OpenAPI document lists exactly the routes served.
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <regex>
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

TEST(Routes, AllowedVerbsAreWhatA405Offers) {
  const RouteTable table = Table();
  EXPECT_EQ(table.AllowedVerbs("/v1/people/abc"), (std::vector<std::string>{"GET", "PUT"}));
  EXPECT_EQ(table.AllowedVerbs("/v1/people"), (std::vector<std::string>{"GET", "POST"}));
  EXPECT_EQ(table.AllowedVerbs("/v1/people/abc:erase"), (std::vector<std::string>{"POST"}));
  EXPECT_TRUE(table.AllowedVerbs("/v1/nothing/here").empty());
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

TEST(Transcoding, APlusInTheQueryIsASpaceAndAnEscapedPlusAPlus) {
  // What browsers and Python requests send for "Human Resources" and "C++".
  const RouteTable table = Table();
  auto search = table.Match("GET", "/v1/people");
  profiles::v1::SearchPeopleRequest request;
  ASSERT_TRUE(BuildRequest(*search, "department=Human+Resources&skill=C%2B%2B", "", request).ok());
  EXPECT_EQ(request.department(), "Human Resources");
  EXPECT_EQ(request.skill(), "C++");
  // In a path, "+" is itself.
  auto get = table.Match("GET", "/v1/people/a+b");
  profiles::v1::GetPersonRequest person;
  ASSERT_TRUE(BuildRequest(*get, "", "", person).ok());
  EXPECT_EQ(person.person_id(), "a+b");
}

TEST(Transcoding, APostWithoutABodyTakesNoneOrAnEmptyObject) {
  // Many clients send a JSON object with every POST.
  const RouteTable table = Table();
  auto erase = table.Match("POST", "/v1/people/p-1:erase");
  ASSERT_TRUE(erase.ok());
  ASSERT_TRUE(erase->route->body.empty());
  for (const char* body : {"", "{}", " { }\r\n"}) {
    profiles::v1::ErasePersonRequest request;
    EXPECT_TRUE(BuildRequest(*erase, "", body, request).ok()) << "'" << body << "'";
    EXPECT_EQ(request.person_id(), "p-1");
  }
  profiles::v1::ErasePersonRequest request;
  EXPECT_EQ(RuleOf(BuildRequest(*erase, "", R"({"personId": "p-2"})", request)), "body/no_body");
  EXPECT_EQ(RuleOf(BuildRequest(*erase, "", "[]", request)), "body/no_body");
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
    // A variable is named by its field: {person.person_id} is {person_id} (generated clients
    // take no dotted names).
    served.emplace(verb, std::regex_replace(route.path_template, std::regex(R"(\{[a-z_]+\.)"), "{"));
  }
  EXPECT_EQ(documented, served);
  const auto& schemas =
      document.fields().at("components").struct_value().fields().at("schemas").struct_value().fields();
  EXPECT_TRUE(schemas.contains("mentoring.profiles.v1.Person"));
  EXPECT_TRUE(schemas.contains("mentoring.matching.v1.MatchDraft"));
  EXPECT_TRUE(schemas.contains("Error"));
}

const google::protobuf::Struct& At(const google::protobuf::Struct& object, std::initializer_list<std::string> path) {
  const google::protobuf::Struct* current = &object;
  for (const auto& name : path) {
    const auto it = current->fields().find(name);
    if (it == current->fields().end()) {
      ADD_FAILURE() << "no " << name;
      static const google::protobuf::Struct kEmpty;
      return kEmpty;
    }
    current = &it->second.struct_value();
  }
  return *current;
}

std::set<std::string> ParameterNames(const google::protobuf::Struct& operation) {
  std::set<std::string> names;
  for (const auto& p : operation.fields().at("parameters").list_value().values()) {
    names.insert(p.struct_value().fields().at("name").string_value());
  }
  return names;
}

// What a client generated from the document needs to know: the error body as sent, the
// headers, the upload's media types, the protos' comments, and answers that may grow.
TEST(OpenApi, DescribesWhatIsReallySent) {
  google::protobuf::Struct document;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(OpenApiDocument(Table(), "Mentoring", "1"), &document).ok());
  const auto& schemas = At(document, {"components", "schemas"});
  const auto& error = At(schemas, {"Error", "properties", "error", "properties"});
  for (const char* field : {"code", "status", "message", "reason", "requestId", "fieldViolations"}) {
    EXPECT_TRUE(error.fields().contains(field)) << field;
  }
  // Answers are open (a field added later is no error); what is sent stays closed.
  EXPECT_FALSE(At(schemas, {"mentoring.profiles.v1.Person"}).fields().contains("additionalProperties"));
  EXPECT_FALSE(At(schemas, {"mentoring.profiles.v1.Person"}).fields().at("properties").struct_value().fields().empty());
  EXPECT_FALSE(At(schemas, {"mentoring.profiles.v1.PersonInput"}).fields().at("additionalProperties").bool_value());
  EXPECT_FALSE(
      At(schemas, {"mentoring.profiles.v1.BatchGetPeopleRequest"}).fields().at("additionalProperties").bool_value());
  const auto& create = At(document, {"paths", "/v1/people", "post"});
  EXPECT_EQ(At(create, {"requestBody", "content", "application/json", "schema"}).fields().at("$ref").string_value(),
            "#/components/schemas/mentoring.profiles.v1.PersonInput");

  const auto& update = At(document, {"paths", "/v1/people/{person_id}", "put"});
  EXPECT_TRUE(ParameterNames(update).contains("If-Match"));
  EXPECT_TRUE(ParameterNames(update).contains("X-Request-Id"));
  EXPECT_TRUE(At(update, {"responses"}).fields().contains("412"));
  EXPECT_TRUE(ParameterNames(create).contains("Idempotency-Key"));
  EXPECT_FALSE(ParameterNames(create).contains("If-Match"));
  const auto& get = At(document, {"paths", "/v1/people/{person_id}", "get"});
  EXPECT_FALSE(ParameterNames(get).contains("Idempotency-Key"));
  const auto& ok = At(get, {"responses", "200", "headers"});
  for (const char* header : {"ETag", "X-Request-Id", "RateLimit-Limit", "RateLimit-Remaining"}) {
    EXPECT_TRUE(ok.fields().contains(header)) << header;
  }
  EXPECT_TRUE(At(get, {"responses", "429", "headers"}).fields().contains("Retry-After"));
  EXPECT_TRUE(At(get, {"responses", "default", "headers"}).fields().contains("X-Request-Id"));

  const auto& import = At(document, {"paths", "/v1/people:import", "post"});
  const auto& media = At(import, {"requestBody", "content"});
  for (const char* type : {"text/csv", "application/x-ndjson"}) EXPECT_TRUE(media.fields().contains(type)) << type;

  // Descriptions are the protos' comments: a method's, a message's, a field's.
  const auto& erase = At(document, {"paths", "/v1/people/{person_id}:erase", "post"});
  EXPECT_EQ(erase.fields().at("description").string_value(),
            "Removes the person's personal data (GDPR erasure) and publishes profile.erased.");
  EXPECT_NE(At(schemas, {"mentoring.profiles.v1.Goal"}).fields().at("description").string_value().find("private"),
            std::string::npos);
  bool full_sync = false;
  for (const auto& p : import.fields().at("parameters").list_value().values()) {
    if (p.struct_value().fields().at("name").string_value() != "full_sync") continue;
    full_sync = true;
    EXPECT_NE(p.struct_value().fields().at("description").string_value().find("deactivated"), std::string::npos);
  }
  EXPECT_TRUE(full_sync);
}

}  // namespace
}  // namespace mentoring::gateway
