// Every route the gateway serves, from outside, against the real profiles and matching
// services: the 401/403 matrix for every route and every role, read from the served OpenAPI
// document (so a new route is in it without anyone listing it); one successful round trip
// per route whose answer's content is checked, with a guard naming any route that has none;
// and the services' own rules behind the gateway: whose resource it is, and who sees the
// pair-only fields (docs/matching.md "Who sees what", the architecture's confidentiality list).
#include <absl/strings/ascii.h>
#include <absl/strings/match.h>
#include <absl/strings/numbers.h>
#include <absl/strings/str_cat.h>
#include <absl/strings/str_join.h>
#include <absl/strings/str_replace.h>
#include <absl/strings/str_split.h>
#include <absl/time/civil_time.h>
#include <absl/time/clock.h>
#include <gmock/gmock.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <boost/beast/http.hpp>
#include <iostream>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "gateway_client.h"
#include "harness.h"
#include "mentoring/runtime/clock.h"
#include "mentoring/runtime/events.h"
#include "mentoring/runtime/kafka.h"

namespace mentoring::testing {
namespace {

namespace http = boost::beast::http;
using google::protobuf::Struct;
using google::protobuf::Value;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Not;

// The end-user roles a token may carry (the internal "service" role is never taken from one).
const std::vector<std::string> kRoles = {"employee", "programme_admin", "hr_integration", "analytics_viewer"};
// HR integrations reach this route and no other.
constexpr char kImportRoute[] = "POST /v1/people:import";
// A well-formed id nobody has: a permitted caller reaches the service, which finds nothing.
constexpr char kNobody[] = "01a20000-0000-7000-8000-00000000dead";
constexpr char kRoleGatePrefix[] = "this route is for: ";

// ---------------------------------------------------------------- the route table

struct RouteInfo {
  std::string verb;  // GET, POST, ...
  std::string path;  // the template as OpenAPI writes it: "/v1/people/{person_id}:deactivate"
  std::string operation;
  std::vector<std::string> roles;  // x-roles
  std::string key() const { return absl::StrCat(verb, " ", path); }
};

// What is wrong with a route's roles; empty when nothing is.
std::vector<std::string> RoleProblems(const RouteInfo& route) {
  std::vector<std::string> problems;
  if (route.roles.empty())
    problems.push_back(route.key() + " names no roles (x-roles): every route says who it is for");
  for (const auto& role : route.roles) {
    if (std::find(kRoles.begin(), kRoles.end(), role) == kRoles.end()) {
      problems.push_back(absl::StrCat(route.key(), " names an unknown role '", role, "'"));
    }
  }
  const bool hr = std::find(route.roles.begin(), route.roles.end(), "hr_integration") != route.roles.end();
  if (route.key() == kImportRoute && !hr) problems.push_back(route.key() + " must let hr_integration through");
  if (route.key() != kImportRoute && hr) {
    problems.push_back(route.key() + " lets hr_integration through: HR integrations reach the import route only");
  }
  return problems;
}

// "/v1/people/{person_id}:deactivate" -> a regex matching its concrete paths.
std::regex PathPattern(const std::string& path_template) {
  static const std::regex kVariable(R"(\\\{[^}]*\\\})");
  static const std::regex kSpecial(R"([.^$|()\[\]{}*+?\\])");
  const std::string escaped = std::regex_replace(path_template, kSpecial, R"(\$&)");
  return std::regex("^" + std::regex_replace(escaped, kVariable, "[^/:]+") + "$");
}

std::string Instantiate(const std::string& path_template) {
  static const std::regex kVariable(R"(\{[^}]*\})");
  return std::regex_replace(path_template, kVariable, kNobody);
}

std::string VerbName(http::verb verb) { return std::string(http::to_string(verb)); }

http::verb VerbOf(const std::string& name) { return http::string_to_verb(name); }

// ---------------------------------------------------------------- reading JSON answers

// The value at a path like "agreement.expectations" or "people[1].personId"; null if absent.
const Value* At(const Struct& root, const std::string& path) {
  const Struct* object = &root;
  const Value* value = nullptr;
  for (absl::string_view part : absl::StrSplit(path, '.')) {
    if (object == nullptr) return nullptr;
    const size_t bracket = part.find('[');
    const auto found = object->fields().find(std::string(part.substr(0, bracket)));
    if (found == object->fields().end()) return nullptr;
    value = &found->second;
    for (size_t open = bracket; open != absl::string_view::npos; open = part.find('[', open + 1)) {
      const size_t close = part.find(']', open);
      int index = 0;
      if (close == absl::string_view::npos || !absl::SimpleAtoi(part.substr(open + 1, close - open - 1), &index) ||
          !value->has_list_value() || index < 0 || index >= value->list_value().values_size()) {
        return nullptr;
      }
      value = &value->list_value().values(index);
    }
    object = value->has_struct_value() ? &value->struct_value() : nullptr;
  }
  return value;
}

bool Has(const Reply& r, const std::string& path) { return At(r.json, path) != nullptr; }

std::string Str(const Reply& r, const std::string& path) {
  const Value* v = At(r.json, path);
  return v != nullptr && v->has_string_value() ? v->string_value() : "";
}

// int32 fields come as JSON numbers, int64 ones as strings.
int64_t Int(const Reply& r, const std::string& path) {
  const Value* v = At(r.json, path);
  if (v == nullptr) return 0;
  if (v->has_number_value()) return static_cast<int64_t>(v->number_value());
  int64_t n = 0;
  return absl::SimpleAtoi(v->string_value(), &n) ? n : 0;
}

bool Bool(const Reply& r, const std::string& path) {
  const Value* v = At(r.json, path);
  return v != nullptr && v->bool_value();
}

int Size(const Reply& r, const std::string& path) {
  const Value* v = At(r.json, path);
  return v != nullptr && v->has_list_value() ? v->list_value().values_size() : 0;
}

// The strings of a list, or one string field of each object in it.
std::vector<std::string> Strings(const Reply& r, const std::string& list, const std::string& field = "") {
  std::vector<std::string> out;
  const Value* v = At(r.json, list);
  if (v == nullptr || !v->has_list_value()) return out;
  for (const Value& item : v->list_value().values()) {
    if (field.empty()) {
      out.push_back(item.string_value());
    } else if (item.has_struct_value()) {
      const auto found = item.struct_value().fields().find(field);
      out.push_back(found == item.struct_value().fields().end() ? "" : found->second.string_value());
    }
  }
  return out;
}

std::string JsonOf(const Struct& s) {
  std::string json;
  (void)google::protobuf::util::MessageToJsonString(s, &json);
  return json;
}

std::string Quoted(const std::vector<std::string>& items) {
  std::vector<std::string> quoted;
  for (const auto& item : items) quoted.push_back(absl::StrCat("\"", item, "\""));
  return absl::StrCat("[", absl::StrJoin(quoted, ","), "]");
}

std::string DateJson(absl::CivilDay day) {
  return absl::StrCat(R"({"year":)", day.year(), R"(,"month":)", day.month(), R"(,"day":)", day.day(), "}");
}

// The gateway's own refusal of a role (before any service), told apart from a service's 403.
bool RefusedByRoleGate(const Reply& r) {
  return r.status == 403 && absl::StartsWith(FieldOf(r.json, "message"), kRoleGatePrefix);
}

// A refusal by the service itself: the caller got past the gateway and was told no there.
::testing::AssertionResult RefusedByService(const Reply& r) {
  if (r.status != 403) return ::testing::AssertionFailure() << "status " << r.status << ": " << r.body;
  if (RefusedByRoleGate(r)) return ::testing::AssertionFailure() << "refused by the gateway's role gate: " << r.body;
  if (FieldOf(r.json, "status") != "PERMISSION_DENIED") return ::testing::AssertionFailure() << r.body;
  return ::testing::AssertionSuccess();
}

// ---------------------------------------------------------------- the people of a test

struct PersonSpec {
  std::string tag;
  int level = 5;
  std::string department = "Platform";
  std::string manager;              // the seed name of their manager
  std::vector<std::string> goals;   // focus areas wanted as a mentee, each with a private description
  std::vector<std::string> offers;  // focus areas offered as a mentor
};

std::string GoalText(const std::string& tag, const std::string& area) {
  return absl::StrCat("private goal of ", tag, ": ", area);
}

std::string PersonJson(const PersonSpec& s, const std::string& hr_id, const std::string& manager_id = "") {
  std::vector<std::string> goals, expertise;
  for (const auto& area : s.goals) {
    goals.push_back(absl::StrCat(R"({"focusArea":")", area, R"(","description":")", GoalText(s.tag, area), R"("})"));
  }
  for (const auto& area : s.offers) expertise.push_back(absl::StrCat(R"({"focusArea":")", area, R"("})"));
  return absl::StrCat(
      R"({"hrEmployeeId":")", hr_id, R"(","displayName":"Route Tester )", s.tag, R"(","email":")", s.tag,
      R"(@example.com","title":"Engineer","department":")", s.department, R"(",)",
      manager_id.empty() ? "" : absl::StrCat(R"("managerId":")", manager_id, R"(",)"), R"("careerLevel":)", s.level,
      R"(,"timeZone":"Europe/London","languages":["en"],"matchingConsent":true,)",
      R"("mentoringProfile":{"role":"MENTORING_ROLE_BOTH","meetingModes":["MEETING_MODE_VIDEO"],)",
      R"("capacity":{"maxActiveMentees":3,"hoursPerMonth":8},)",
      R"("availability":[{"weekday":3,"startMinute":540,"endMinute":720}],)",
      R"("skills":[{"name":"distributed-systems","level":)", std::min(5, s.level / 2 + 1), "}],", R"("expertise":[)",
      absl::StrJoin(expertise, ","), "]},", R"("goals":[)", absl::StrJoin(goals, ","), "]}");
}

struct Person {
  std::string id;
  std::string tag;
  int64_t version = 0;
};

// ---------------------------------------------------------------- the suite

class GatewayRoutesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    stack_ = new GatewayStack();
    // Hundreds of calls from a few callers: the rate limit has its own test in gateway_test.
    // Everyone the tests need is created through the gateway before matching starts, so
    // matching's initial load has them at once (see GatewayStack).
    started_ = stack_->Start({{"GATEWAY_RATE_LIMIT_PER_MINUTE", "100000"}}, [](int) {
      if (auto loaded = LoadRoutes(); !loaded.ok()) return loaded;
      return SeedPeople();
    });
  }
  static void TearDownTestSuite() {
    delete stack_;
    stack_ = nullptr;
  }
  void SetUp() override { ASSERT_TRUE(started_.ok()) << started_; }

  static int Port() { return stack_->port(); }

  // The route table as the gateway serves it: /openapi.json with each operation's x-roles.
  static absl::Status LoadRoutes() {
    const Reply reply = Call(Port(), http::verb::get, "/openapi.json");
    if (reply.status != 200) return absl::InternalError(absl::StrCat("GET /openapi.json: ", reply.status));
    const Value* paths = At(reply.json, "paths");
    if (paths == nullptr || !paths->has_struct_value()) return absl::InternalError("/openapi.json has no paths");
    for (const auto& [path, item] : paths->struct_value().fields()) {
      for (const auto& [verb, operation] : item.struct_value().fields()) {
        RouteInfo route;
        route.verb = absl::AsciiStrToUpper(verb);
        route.path = path;
        const auto& op = operation.struct_value().fields();
        if (op.contains("operationId")) route.operation = op.at("operationId").string_value();
        if (op.contains("x-roles")) {
          for (const Value& role : op.at("x-roles").list_value().values()) route.roles.push_back(role.string_value());
        }
        routes_.push_back(std::move(route));
      }
    }
    if (routes_.empty()) return absl::InternalError("/openapi.json lists no routes");
    return absl::OkStatus();
  }

  static const RouteInfo* RouteFor(http::verb verb, const std::string& target) {
    const std::string path = target.substr(0, target.find('?'));
    const RouteInfo* found = nullptr;
    for (const auto& route : routes_) {
      if (route.verb == VerbName(verb) && std::regex_match(path, PathPattern(route.path))) {
        EXPECT_EQ(found, nullptr) << target << " matches " << found->key() << " and " << route.key();
        found = &route;
      }
    }
    return found;
  }

  static bool HasRoute(const std::string& key) {
    return std::any_of(routes_.begin(), routes_.end(), [&](const RouteInfo& r) { return r.key() == key; });
  }

  // A call that must succeed; the route it took counts as round-tripped.
  static Reply RoundTrip(http::verb verb, const std::string& target, const std::string& token,
                         const std::string& body = "", const std::string& content_type = "application/json") {
    const Reply reply = Call(Port(), verb, target, body, token, "", "", content_type);
    const RouteInfo* route = RouteFor(verb, target);
    EXPECT_NE(route, nullptr) << "no route in /openapi.json serves " << VerbName(verb) << " " << target;
    EXPECT_EQ(reply.status, 200) << VerbName(verb) << " " << target << " " << body << "\n -> " << reply.body;
    if (route != nullptr && reply.status == 200) exercised_.insert(route->key());
    return reply;
  }

  static Reply Get(const std::string& target, const std::string& token) {
    return Call(Port(), http::verb::get, target, "", token);
  }
  static Reply Post(const std::string& target, const std::string& token, const std::string& body = "") {
    return Call(Port(), http::verb::post, target, body, token);
  }

  static std::string Admin() { return UserToken("routes-admin", R"(["programme_admin"])"); }
  static std::string As(const Person& person) { return UserToken(person.id, R"(["employee"])"); }
  static std::string Unique(const std::string& tag) { return absl::StrCat(tag, "-", ++counter_); }

  // The people of every test, by name (created before matching starts).
  static std::vector<std::pair<std::string, PersonSpec>> Seeds() {
    const std::string s = suffix_;
    return {
        // the round trips' world
        {"boss", {.tag = "boss", .level = 12, .department = "Exec-" + s}},
        {"mentor",
         {.tag = "mentor",
          .level = 9,
          .department = "Platform-" + s,
          .offers = {"FOCUS_AREA_TECHNICAL", "FOCUS_AREA_CAREER"}}},
        {"mentor2",
         {.tag = "mentor2",
          .level = 9,
          .department = "Data-" + s,
          .offers = {"FOCUS_AREA_CAREER", "FOCUS_AREA_LEADERSHIP"}}},
        {"mentee",
         {.tag = "mentee",
          .level = 4,
          .department = "Apps-" + s,
          .manager = "boss",
          .goals = {"FOCUS_AREA_TECHNICAL", "FOCUS_AREA_COMMUNICATION"}}},
        {"cohort-b", {.tag = "cohort-b", .level = 4, .goals = {"FOCUS_AREA_CAREER"}}},
        {"cohort-c", {.tag = "cohort-c", .level = 4, .goals = {"FOCUS_AREA_LEADERSHIP"}}},
        {"colleague", {.tag = "colleague", .level = 5}},
        {"leaver", {.tag = "leaver", .level = 5}},
        {"forget-me", {.tag = "forget-me", .level = 5}},
        // whose profile it is
        {"owner", {.tag = "owner", .level = 4, .goals = {"FOCUS_AREA_WELLBEING"}}},
        {"other", {.tag = "other", .level = 6}},
        {"outsider", {.tag = "outsider", .level = 6}},
        {"planner", {.tag = "planner", .level = 4, .department = "Planning-" + s, .goals = {"FOCUS_AREA_WELLBEING"}}},
        // a pair and a third
        {"pair-mentee", {.tag = "pair-mentee", .level = 3, .goals = {"FOCUS_AREA_STRATEGIC"}}},
        {"pair-mentor", {.tag = "pair-mentor", .level = 10, .offers = {"FOCUS_AREA_STRATEGIC"}}},
        {"pair-third", {.tag = "pair-third", .level = 10, .offers = {"FOCUS_AREA_STRATEGIC"}}},
        // evaluation's answers: a pair and a third
        {"eval-mentee", {.tag = "eval-mentee", .level = 3, .goals = {"FOCUS_AREA_STRATEGIC"}}},
        {"eval-mentor", {.tag = "eval-mentor", .level = 10, .offers = {"FOCUS_AREA_STRATEGIC"}}},
        {"eval-third", {.tag = "eval-third", .level = 5}},
        // someone else's enrollments and recommendations
        {"someone", {.tag = "someone", .level = 4, .goals = {"FOCUS_AREA_CAREER"}}},
        {"nosy", {.tag = "nosy", .level = 9, .offers = {"FOCUS_AREA_CAREER"}}},
    };
  }

  static absl::Status SeedPeople() {
    suffix_ = absl::StrCat(getpid());
    for (auto& [name, spec] : Seeds()) {
      std::string manager_id;
      if (!spec.manager.empty()) manager_id = people_[spec.manager].id;
      const Reply created =
          Call(Port(), http::verb::post, "/v1/people", PersonJson(spec, "RT-" + spec.tag, manager_id), Admin());
      if (created.status != 200 || Str(created, "personId").empty()) {
        return absl::InternalError(absl::StrCat("creating ", name, " through the gateway: ", created.body));
      }
      people_[name] = {Str(created, "personId"), spec.tag, Int(created, "version")};
    }
    return absl::OkStatus();
  }

  static const Person& P(const std::string& name) {
    static const Person kNone;
    const auto found = people_.find(name);
    EXPECT_NE(found, people_.end()) << "no seed person " << name;
    return found == people_.end() ? kNone : found->second;
  }

  // Created by a programme admin through POST /v1/people.
  static Person NewPerson(PersonSpec spec) {
    spec.tag = Unique(spec.tag);
    const Reply created = RoundTrip(http::verb::post, "/v1/people", Admin(),
                                    PersonJson(spec, "RT-" + spec.tag, spec.manager.empty() ? "" : P(spec.manager).id));
    EXPECT_FALSE(Str(created, "personId").empty()) << created.body;
    EXPECT_EQ(Str(created, "displayName"), "Route Tester " + spec.tag);
    EXPECT_EQ(Int(created, "careerLevel"), spec.level);
    EXPECT_EQ(Str(created, "employmentStatus"), "EMPLOYMENT_STATUS_ACTIVE");
    EXPECT_EQ(Int(created, "version"), 1);
    return {Str(created, "personId"), spec.tag, Int(created, "version")};
  }

  // Matching learns people by its initial load (the seeds) or from profile events: wait
  // until its read model has them.
  static void WaitKnown(const std::vector<Person>& people) {
    // A liveness bound for a loaded 2-core machine, not a performance claim.
    const absl::Time give_up = absl::Now() + absl::Seconds(60);
    for (const auto& p : people) {
      while (true) {
        const auto rows =
            Query(stack_->matching_db().url(),
                  absl::StrCat("SELECT profile_version FROM people WHERE person_id = '", p.id, "' AND NOT erased"));
        int64_t known = 0;
        if (!rows.empty() && absl::SimpleAtoi(rows[0], &known) && known >= p.version) break;
        ASSERT_LT(absl::Now(), give_up) << "matching never learned " << p.tag << " at version " << p.version;
        absl::SleepFor(absl::Milliseconds(50));
      }
    }
  }

  static std::string ProgrammeJson(const std::string& name, int max_pending = 3) {
    return absl::StrCat(
        R"({"name":")", name, R"(","type":"PROGRAMME_TYPE_ONE_TO_ONE",)",
        R"("startDate":{"year":2027,"month":1,"day":4},"endDate":{"year":2027,"month":12,"day":17},)",
        R"("agreementDefaults":{"cadenceRrule":"FREQ=MONTHLY","meetingMinutes":60,"mode":"MEETING_MODE_VIDEO"},)",
        R"("policy":{"minLevelGap":2},"maxPendingRequestsPerMentee":)", max_pending, "}");
  }

  static std::string Agreement(const std::string& focus_area, const std::vector<std::string>& goal_ids,
                               const std::string& expectations) {
    return absl::StrCat(
        R"({"focusAreas":[")", focus_area, R"("],"goalIds":)", Quoted(goal_ids),
        R"(,"menteeRole":"brings a case from the week","mentorRole":"asks before advising",)",
        R"("cadenceRrule":"FREQ=WEEKLY;INTERVAL=2","meetingMinutes":45,"mode":"MEETING_MODE_VIDEO",)",
        R"("cancellationNoticeHours":24,"startDate":{"year":2027,"month":2,"day":1},)",
        R"("endDate":{"year":2027,"month":8,"day":2},"reviewAfterMeetings":4,"menteeTimeSharePercent":80,)",
        R"("confidential":true,"expectations":")", expectations, R"("})");
  }

  // Scheduling is not built yet: its meeting.completed, as it will publish it, straight
  // into the test's Kafka topic (evaluation consumes it).
  static void MeetingHeld(const std::string& relationship_id, int occurrence) {
    static kafka::Producer* producer = [] {
      auto made = kafka::Producer::Create(StackValue("KAFKA_BOOTSTRAP"), absl::Seconds(10));
      EXPECT_TRUE(made.ok()) << made.status();
      return made.ok() ? made->release() : nullptr;
    }();
    ASSERT_NE(producer, nullptr);
    const std::string series = relationship_id + "-series";
    auto e = events::NewEvent("scheduling", "meeting_series", series, occurrence, SystemClock::Instance());
    auto* ref = e.mutable_meeting_completed()->mutable_meeting();
    ref->set_series_id(series);
    ref->set_meeting_id(MeetingOf(relationship_id, occurrence));
    ref->set_relationship_id(relationship_id);
    ref->set_occurrence(occurrence);
    auto sent = producer->ProduceAndWait(
        {{events::TopicFor("scheduling"), series, e.SerializeAsString(), events::KafkaHeaders(e)}});
    ASSERT_TRUE(sent.front().ok()) << sent.front();
  }
  static std::string MeetingOf(const std::string& relationship_id, int occurrence) {
    return absl::StrCat(relationship_id, "-m", occurrence);
  }
  // Polls GET `target` as `token` until `ready` holds for the answer (a liveness bound).
  static Reply WaitFor(const std::string& target, const std::string& token,
                       const std::function<bool(const Reply&)>& ready) {
    const absl::Time give_up = absl::Now() + absl::Seconds(60);
    Reply reply;
    do {
      reply = Get(target, token);
      if (reply.status == 200 && ready(reply)) break;
      absl::SleepFor(absl::Milliseconds(100));
    } while (absl::Now() < give_up);
    return reply;
  }

  static inline absl::Status started_;
  static inline GatewayStack* stack_ = nullptr;
  static inline std::vector<RouteInfo> routes_;
  static inline std::set<std::string> exercised_;
  static inline int counter_ = 0;
  static inline std::string suffix_;
  static inline std::map<std::string, Person> people_;
};

// ---------------------------------------------------------------- 1. the role matrix

TEST_F(GatewayRoutesTest, TheMatrixCheckFailsForARouteWithoutRolesOrWithHrOutsideTheImport) {
  EXPECT_THAT(RoleProblems({"GET", "/v1/things", "GetThing", {}}), Not(IsEmpty()));
  EXPECT_THAT(RoleProblems({"GET", "/v1/things", "GetThing", {"hr_integration"}}), Not(IsEmpty()));
  EXPECT_THAT(RoleProblems({"GET", "/v1/things", "GetThing", {"employee", "superuser"}}), Not(IsEmpty()));
  EXPECT_THAT(RoleProblems({"POST", "/v1/people:import", "ImportPeople", {"programme_admin"}}), Not(IsEmpty()));
  EXPECT_THAT(RoleProblems({"GET", "/v1/things", "GetThing", {"employee", "programme_admin"}}), IsEmpty());
  EXPECT_THAT(RoleProblems({"POST", "/v1/people:import", "ImportPeople", {"hr_integration"}}), IsEmpty());
}

TEST_F(GatewayRoutesTest, EveryRouteRefuses401WithoutAValidTokenAnd403ForARoleItIsNotFor) {
  // The table is the gateway's own (the one it routes by): sanity that it is the whole API.
  EXPECT_GE(routes_.size(), 54u);
  EXPECT_TRUE(HasRoute("GET /v1/people/{person_id}"));
  EXPECT_TRUE(HasRoute("POST /v1/relationships/{relationship_id}:close"));

  std::string tampered = UserToken("matrix-tampered", R"(["programme_admin"])");
  tampered.back() = tampered.back() == 'A' ? 'B' : 'A';
  const std::vector<std::pair<std::string, std::string>> unauthenticated = {
      {"no token", ""}, {"not a JWT", "not-a-jwt"}, {"a token with a bad signature", tampered}};

  int checked = 0;
  int subject = 0;
  for (const RouteInfo& route : routes_) {
    SCOPED_TRACE(route.key());
    for (const auto& problem : RoleProblems(route)) ADD_FAILURE() << problem;
    const http::verb verb = VerbOf(route.verb);
    const std::string target = Instantiate(route.path);

    for (const auto& [what, token] : unauthenticated) {
      const Reply reply = Call(Port(), verb, target, "", token);
      EXPECT_EQ(reply.status, 401) << what << ": " << reply.body;
      EXPECT_EQ(reply.www_authenticate, "Bearer") << what;
      EXPECT_EQ(FieldOf(reply.json, "status"), "UNAUTHENTICATED") << what;
      EXPECT_FALSE(FieldOf(reply.json, "reason").empty()) << what << ": " << reply.body;
      ++checked;
    }
    for (const std::string& role : kRoles) {
      // A subject per call: no caller's history (rate, idempotency) leaks into another cell.
      const Reply reply =
          Call(Port(), verb, target, "", UserToken(absl::StrCat("matrix-", role, "-", ++subject), Quoted({role})));
      const bool permitted = std::find(route.roles.begin(), route.roles.end(), role) != route.roles.end();
      if (permitted) {
        // Past the gateway: the service answers for the resource (nobody's id, so usually
        // 404, 400 or its own 403), never the gateway's role gate nor a failure to reach it.
        EXPECT_NE(reply.status, 401) << role << ": " << reply.body;
        EXPECT_FALSE(RefusedByRoleGate(reply)) << role << " is in x-roles but was refused: " << reply.body;
        EXPECT_THAT((std::set<int>{200, 400, 403, 404, 409, 422}), Contains(reply.status))
            << role << ": " << reply.body;
        if (reply.status == 404) {
          EXPECT_NE(FieldOf(reply.json, "message"), "no such resource") << role;
        }
      } else {
        EXPECT_EQ(reply.status, 403) << role << ": " << reply.body;
        EXPECT_EQ(FieldOf(reply.json, "status"), "PERMISSION_DENIED") << role;
        EXPECT_EQ(FieldOf(reply.json, "message"), kRoleGatePrefix + absl::StrJoin(route.roles, ", "))
            << role << " must be refused by the gateway's role gate, before any service";
      }
      ++checked;
    }
  }
  EXPECT_EQ(checked, static_cast<int>(routes_.size()) * 7);
  std::cerr << "role matrix: " << routes_.size() << " routes x (" << kRoles.size() << " roles + "
            << unauthenticated.size() << " without a valid token) = " << checked << " calls\n";
}

TEST_F(GatewayRoutesTest, HrIntegrationsReachTheImportRouteAndNothingElse) {
  // Nothing but the import lists hr_integration (also checked per route above)...
  for (const RouteInfo& route : routes_) {
    if (route.key() == kImportRoute) continue;
    EXPECT_THAT(route.roles, Not(Contains("hr_integration"))) << route.key();
  }
  // ...and the import route, while it is being added, may be absent; when present, it is
  // in the table and an HR token gets past the gateway to the service.
  const std::string hr = UserToken("hr-system-probe", R"(["hr_integration"])");
  const Reply probe = Post("/v1/people:import", hr);
  if (probe.status == 404 && FieldOf(probe.json, "message") == "no such resource") {
    EXPECT_FALSE(HasRoute(kImportRoute)) << "the document lists a route the gateway does not serve";
  } else {
    EXPECT_TRUE(HasRoute(kImportRoute)) << "served but missing from /openapi.json: " << probe.body;
    EXPECT_NE(probe.status, 401) << probe.body;
    EXPECT_FALSE(RefusedByRoleGate(probe)) << probe.body;
    EXPECT_LT(probe.status, 500) << probe.body;
    // Nobody else imports.
    EXPECT_TRUE(RefusedByRoleGate(Post("/v1/people:import", Admin()))) << "programme admins do not import";
  }
}

// ---------------------------------------------------------------- 2. every route round-trips

TEST_F(GatewayRoutesTest, EveryRouteRoundTripsThroughTheRealServices) {
  using http::verb;
  const std::string admin = Admin();
  const std::string& suffix = suffix_;
  const Person& boss = P("boss");
  const Person& mentor = P("mentor");
  const Person& mentor2 = P("mentor2");
  const Person& mentee = P("mentee");
  const Person& cohort_b = P("cohort-b");
  const Person& cohort_c = P("cohort-c");
  const Person& colleague = P("colleague");
  const Person& leaver = P("leaver");
  const Person& forgetme = P("forget-me");
  ASSERT_FALSE(HasFailure());

  // POST /v1/people: a programme admin adds someone (the people above were added the same
  // way before matching started).
  const Person newcomer =
      NewPerson({.tag = "newcomer", .level = 7, .manager = "boss", .offers = {"FOCUS_AREA_CAREER"}});
  Reply newcomer_view = Get("/v1/people/" + newcomer.id, As(newcomer));
  EXPECT_EQ(Str(newcomer_view, "managerId"), boss.id);
  EXPECT_THAT(Strings(newcomer_view, "mentoringProfile.expertise", "focusArea"), ElementsAre("FOCUS_AREA_CAREER"));

  // ---- profiles

  // GET /v1/people/{person_id}: the person themself sees everything, private goals included.
  Reply self = RoundTrip(verb::get, "/v1/people/" + mentee.id, As(mentee));
  EXPECT_EQ(Str(self, "personId"), mentee.id);
  EXPECT_EQ(Str(self, "managerId"), boss.id);
  EXPECT_TRUE(Bool(self, "matchingConsent"));
  ASSERT_EQ(Size(self, "goals"), 2) << self.body;
  EXPECT_EQ(Str(self, "goals[0].description"), GoalText(mentee.tag, "FOCUS_AREA_TECHNICAL"));
  const std::string technical_goal = Str(self, "goals[0].goalId");
  const std::string communication_goal = Str(self, "goals[1].goalId");
  ASSERT_FALSE(technical_goal.empty());

  // PUT /v1/people/{person.person_id}: the person edits their own profile (a declared
  // conflict, a skill); HR's fields (the title) stay HR's.
  {
    Struct person = self.json;
    auto& f = *person.mutable_fields();
    f["title"].set_string_value("Chief Everything Officer");
    f["excludedPersonIds"].mutable_list_value()->add_values()->set_string_value(colleague.id);
    auto* skills = (*f["mentoringProfile"].mutable_struct_value()->mutable_fields())["skills"].mutable_list_value();
    auto& skill = *skills->add_values()->mutable_struct_value()->mutable_fields();
    skill["name"].set_string_value("public-speaking");
    skill["level"].set_number_value(2);
    const Reply updated =
        RoundTrip(verb::put, "/v1/people/" + mentee.id, As(mentee),
                  absl::StrCat(R"({"person":)", JsonOf(person), R"(,"expectedVersion":")", mentee.version, R"("})"));
    EXPECT_EQ(Int(updated, "version"), mentee.version + 1);
    EXPECT_THAT(Strings(updated, "excludedPersonIds"), ElementsAre(colleague.id));
    EXPECT_THAT(Strings(updated, "mentoringProfile.skills", "name"), Contains("public-speaking"));
    EXPECT_EQ(Str(updated, "title"), "Engineer") << "an employee cannot change what HR owns";
  }

  // GET /v1/people/{person_id}/exclusions: symmetric, for admins and matching.
  Reply exclusions = RoundTrip(verb::get, "/v1/people/" + colleague.id + "/exclusions", admin);
  EXPECT_THAT(Strings(exclusions, "personIds"), ElementsAre(mentee.id));

  // POST /v1/people/{person_id}/goals/{goal_id}:setStatus: the owner achieves a goal.
  Reply goal = RoundTrip(verb::post, "/v1/people/" + mentee.id + "/goals/" + communication_goal + ":setStatus",
                         As(mentee), R"({"status":"GOAL_STATUS_ACHIEVED"})");
  EXPECT_EQ(Str(goal, "goals[1].goalId"), communication_goal);
  EXPECT_EQ(Str(goal, "goals[1].status"), "GOAL_STATUS_ACHIEVED");
  EXPECT_EQ(Str(goal, "goals[0].status"), "GOAL_STATUS_ACTIVE");
  EXPECT_EQ(Int(goal, "version"), mentee.version + 2);

  // POST /v1/people:batchGet: in request order, the unknown id reported, colleagues' view.
  Reply batch = RoundTrip(verb::post, "/v1/people:batchGet", As(colleague),
                          absl::StrCat(R"({"personIds":)", Quoted({mentor.id, mentee.id, kNobody}), "}"));
  EXPECT_THAT(Strings(batch, "people", "personId"), ElementsAre(mentor.id, mentee.id));
  EXPECT_THAT(Strings(batch, "missingIds"), ElementsAre(kNobody));
  EXPECT_FALSE(Has(batch, "people[1].goals")) << "a colleague does not see another's goals";

  // GET /v1/people: search by department.
  Reply search = RoundTrip(verb::get, "/v1/people?department=Apps-" + suffix + "&page_size=10", As(colleague));
  EXPECT_THAT(Strings(search, "people", "personId"), ElementsAre(mentee.id));
  EXPECT_EQ(Str(search, "nextPageToken"), "");

  // GET /v1/people/{person_id}/reporting-chain.
  Reply chain = RoundTrip(verb::get, "/v1/people/" + mentee.id + "/reporting-chain", As(mentee));
  EXPECT_THAT(Strings(chain, "managers", "personId"), ElementsAre(boss.id));
  EXPECT_FALSE(Has(chain, "managers[0].excludedPersonIds"));
  EXPECT_EQ(Str(chain, "managers[0].displayName"), "Route Tester " + boss.tag);

  // POST /v1/people/{person_id}:deactivate: on leave.
  Reply leave = RoundTrip(verb::post, "/v1/people/" + leaver.id + ":deactivate", admin,
                          R"({"employmentStatus":"EMPLOYMENT_STATUS_ON_LEAVE","expectedVersion":"1"})");
  EXPECT_EQ(Str(leave, "employmentStatus"), "EMPLOYMENT_STATUS_ON_LEAVE");
  EXPECT_EQ(Int(leave, "version"), 2);

  // POST /v1/people/{person_id}:erase: the person asks for their data to be removed (the
  // service's rule: the person themself, or HR, which reaches no route but the import).
  Reply erased = RoundTrip(verb::post, "/v1/people/" + forgetme.id + ":erase", As(forgetme));
  EXPECT_EQ(Str(erased, "personId"), forgetme.id);
  EXPECT_EQ(Int(erased, "version"), 2);
  if (erased.status == 200) {
    EXPECT_EQ(Get("/v1/people/" + forgetme.id, admin).status, 404);
  }

  // ---- programmes and enrollment

  Reply programme = RoundTrip(verb::post, "/v1/programmes", admin, ProgrammeJson("Routes cohort " + suffix));
  const std::string programme_id = Str(programme, "programmeId");
  ASSERT_FALSE(programme_id.empty()) << programme.body;
  EXPECT_EQ(Int(programme, "version"), 1);
  EXPECT_EQ(Int(programme, "policy.minLevelGap"), 2);
  EXPECT_EQ(Int(programme, "agreementDefaults.menteeTimeSharePercent"), 80);  // the default filled in

  Reply renamed = RoundTrip(verb::put, "/v1/programmes/" + programme_id, admin,
                            absl::StrCat(R"({"programme":)", ProgrammeJson("Routes cohort " + suffix + " (2027)", 5),
                                         R"(,"expectedVersion":"1"})"));
  EXPECT_EQ(Int(renamed, "version"), 2);
  EXPECT_EQ(Str(renamed, "programmeId"), programme_id);
  EXPECT_EQ(Int(renamed, "maxPendingRequestsPerMentee"), 5);

  Reply read = RoundTrip(verb::get, "/v1/programmes/" + programme_id, As(colleague));
  EXPECT_EQ(Str(read, "name"), "Routes cohort " + suffix + " (2027)");
  EXPECT_EQ(Str(read, "agreementDefaults.cadenceRrule"), "FREQ=MONTHLY");

  Reply all = RoundTrip(verb::get, "/v1/programmes", As(colleague));
  EXPECT_THAT(Strings(all, "programmes", "programmeId"), Contains(programme_id));

  // Matching's recommendations and checks below need only what was true at creation.
  WaitKnown({mentor, mentor2, mentee, cohort_b, cohort_c, colleague});
  ASSERT_FALSE(HasFatalFailure());
  const std::string enrollments = "/v1/programmes/" + programme_id + "/enrollments";
  auto enroll = [&](const Person& who, const char* role) {
    Reply e = RoundTrip(
        verb::post, enrollments, As(who),
        absl::StrCat(R"({"personId":")", who.id, R"(","role":")", role, R"(","consent":true,"hoursPerMonth":4})"));
    EXPECT_EQ(Str(e, "programmeId"), programme_id);
    EXPECT_EQ(Str(e, "personId"), who.id);
    EXPECT_EQ(Str(e, "role"), role);
    return e;
  };
  EXPECT_EQ(Int(enroll(mentor, "PARTICIPANT_ROLE_MENTOR"), "seats"), 4);  // 4 h a month of monthly hours
  enroll(mentor2, "PARTICIPANT_ROLE_MENTOR");
  enroll(cohort_b, "PARTICIPANT_ROLE_MENTEE");
  enroll(cohort_c, "PARTICIPANT_ROLE_MENTEE");
  enroll(colleague, "PARTICIPANT_ROLE_MENTEE");
  Reply withdrawn =
      RoundTrip(verb::delete_, enrollments + "/" + colleague.id + "?role=PARTICIPANT_ROLE_MENTEE", As(colleague));
  EXPECT_EQ(withdrawn.body, "{}");

  Reply roster = RoundTrip(verb::get, enrollments, admin);
  const std::vector<std::string> enrolled = Strings(roster, "enrollments", "personId");
  EXPECT_EQ(std::set<std::string>(enrolled.begin(), enrolled.end()),
            (std::set<std::string>{mentor.id, mentor2.id, cohort_b.id, cohort_c.id}));
  EXPECT_EQ(enrolled.size(), 4u) << roster.body;

  // ---- recommendations

  Reply mentors = RoundTrip(
      verb::get, "/v1/programmes/" + programme_id + "/people/" + mentee.id + "/mentor-recommendations?limit=5",
      As(mentee));
  EXPECT_THAT(Strings(mentors, "recommendations", "personId"), ElementsAre(mentor.id))
      << "only the mentor offering the open goal's area: " << mentors.body;
  EXPECT_GT(Int(mentors, "recommendations[0].score"), 0);
  EXPECT_FALSE(Str(mentors, "recommendations[0].explanation").empty());
  int64_t points = 0;
  for (int i = 0; i < Size(mentors, "recommendations[0].contributions"); ++i) {
    points += Int(mentors, absl::StrCat("recommendations[0].contributions[", i, "].points"));
  }
  EXPECT_EQ(points, Int(mentors, "recommendations[0].score"));

  Reply mentees = RoundTrip(
      verb::get, "/v1/programmes/" + programme_id + "/people/" + mentor.id + "/mentee-recommendations", As(mentor));
  EXPECT_THAT(Strings(mentees, "recommendations", "personId"), ElementsAre(cohort_b.id)) << mentees.body;

  // ---- cohort drafts

  Reply draft = RoundTrip(verb::post, "/v1/programmes/" + programme_id + "/drafts", admin);
  const std::string draft_id = Str(draft, "draftId");
  ASSERT_FALSE(draft_id.empty()) << draft.body;
  EXPECT_EQ(Str(draft, "state"), "DRAFT_STATE_OPEN");
  EXPECT_EQ(Int(draft, "stats.mentees"), 2);
  EXPECT_EQ(Int(draft, "stats.matched"), 2);
  EXPECT_TRUE(Bool(draft, "stats.provenOptimal"));

  Reply page = RoundTrip(verb::get, "/v1/drafts/" + draft_id + "?page_size=1", admin);
  EXPECT_EQ(Str(page, "draftId"), draft_id);
  EXPECT_EQ(Size(page, "pairs"), 1);
  EXPECT_EQ(Str(page, "nextPageToken"), "1");

  Reply edited = RoundTrip(verb::post, "/v1/drafts/" + draft_id + ":edit", admin,
                           absl::StrCat(R"({"expectedVersion":"1","edits":[{"menteeId":")", cohort_c.id, R"("}]})"));
  EXPECT_EQ(Int(edited, "version"), 2);
  EXPECT_THAT(Strings(edited, "pairs", "menteeId"), ElementsAre(cohort_b.id));
  EXPECT_THAT(Strings(edited, "unmatched", "menteeId"), ElementsAre(cohort_c.id));
  EXPECT_EQ(Str(edited, "unmatched[0].reason"), "UNMATCHED_REASON_REMOVED_BY_ADMIN");

  Reply published = RoundTrip(verb::post, "/v1/drafts/" + draft_id + ":publish", admin, R"({"expectedVersion":"2"})");
  EXPECT_EQ(Str(published, "state"), "DRAFT_STATE_PUBLISHED");
  ASSERT_EQ(Size(published, "relationshipIds"), 1) << published.body;
  const std::string cohort_relationship = Strings(published, "relationshipIds")[0];

  Reply second = RoundTrip(verb::post, "/v1/programmes/" + programme_id + "/drafts", admin);
  Reply discarded =
      RoundTrip(verb::post, "/v1/drafts/" + Str(second, "draftId") + ":discard", admin, R"({"expectedVersion":"1"})");
  EXPECT_EQ(Str(discarded, "state"), "DRAFT_STATE_DISCARDED");
  EXPECT_EQ(Str(discarded, "draftId"), Str(second, "draftId"));

  // POST /v1/relationships/{relationship_id}:decline: the published match, declined by its mentee.
  Reply declined_match = RoundTrip(verb::post, "/v1/relationships/" + cohort_relationship + ":decline", As(cohort_b),
                                   R"({"reason":"we share a team already"})");
  EXPECT_EQ(Str(declined_match, "state"), "RELATIONSHIP_STATE_DECLINED");
  EXPECT_EQ(Str(declined_match, "origin"), "cohort");
  EXPECT_EQ(Str(declined_match, "closureNote"), "we share a team already");
  EXPECT_EQ(Str(declined_match, "closedBy"), cohort_b.id);

  // ---- requests

  auto ask = [&](const Person& to, const char* area, const std::string& message) {
    Reply r =
        RoundTrip(verb::post, "/v1/requests", As(mentee),
                  absl::StrCat(R"({"programmeId":")", programme_id, R"(","menteeId":")", mentee.id, R"(","mentorId":")",
                               to.id, R"(","focusAreas":[")", area, R"("],"message":")", message, R"("})"));
    EXPECT_EQ(Str(r, "state"), "REQUEST_STATE_PENDING");
    EXPECT_EQ(Str(r, "message"), message);
    EXPECT_EQ(Str(r, "mentorId"), to.id);
    return Str(r, "requestId");
  };
  const std::string to_decline = ask(mentor2, "FOCUS_AREA_CAREER", "career advice, please");
  Reply declined = RoundTrip(verb::post, "/v1/requests/" + to_decline + ":decline", As(mentor2),
                             R"({"reason":"no time this quarter"})");
  EXPECT_EQ(Str(declined, "state"), "REQUEST_STATE_DECLINED");
  EXPECT_EQ(Str(declined, "declineReason"), "no time this quarter");

  const std::string to_withdraw = ask(mentor2, "FOCUS_AREA_LEADERSHIP", "leadership, maybe");
  Reply withdrawn_request = RoundTrip(verb::post, "/v1/requests/" + to_withdraw + ":withdraw", As(mentee), "{}");
  EXPECT_EQ(Str(withdrawn_request, "state"), "REQUEST_STATE_WITHDRAWN");

  const std::string to_accept = ask(mentor, "FOCUS_AREA_TECHNICAL", "help me with distributed systems?");
  Reply accepted = RoundTrip(verb::post, "/v1/requests/" + to_accept + ":accept", As(mentor), "{}");
  EXPECT_EQ(Str(accepted, "state"), "REQUEST_STATE_ACCEPTED");
  const std::string relationship_id = Str(accepted, "relationshipId");
  ASSERT_FALSE(relationship_id.empty()) << accepted.body;

  Reply requests = RoundTrip(verb::get, "/v1/people/" + mentee.id + "/requests", As(mentee));
  EXPECT_THAT(Strings(requests, "requests", "requestId"), ElementsAre(to_decline, to_withdraw, to_accept));
  EXPECT_THAT(Strings(requests, "requests", "state"),
              ElementsAre("REQUEST_STATE_DECLINED", "REQUEST_STATE_WITHDRAWN", "REQUEST_STATE_ACCEPTED"));
  EXPECT_EQ(Str(requests, "requests[0].declineReason"), "no time this quarter");

  // ---- the relationship's lifecycle

  const std::string rel = "/v1/relationships/" + relationship_id;
  Reply proposed = RoundTrip(verb::get, rel, As(mentee));
  EXPECT_EQ(Str(proposed, "state"), "RELATIONSHIP_STATE_PROPOSED");
  EXPECT_EQ(Str(proposed, "view"), "RELATIONSHIP_VIEW_FULL");
  EXPECT_EQ(Str(proposed, "origin"), "request");
  EXPECT_EQ(Str(proposed, "programmeId"), programme_id);
  EXPECT_EQ(Str(proposed, "menteeId"), mentee.id);
  EXPECT_EQ(Str(proposed, "mentorId"), mentor.id);
  EXPECT_EQ(Int(proposed, "agreement.version"), 1);
  EXPECT_THAT(Strings(proposed, "agreement.focusAreas"), ElementsAre("FOCUS_AREA_TECHNICAL"));

  Reply listed = RoundTrip(verb::get, "/v1/relationships?person_id=" + mentor.id, As(mentor));
  EXPECT_THAT(Strings(listed, "relationships", "relationshipId"), ElementsAre(relationship_id));
  EXPECT_EQ(Str(listed, "relationships[0].view"), "RELATIONSHIP_VIEW_FULL");

  Reply half = RoundTrip(verb::post, rel + ":acceptAgreement", As(mentee), R"({"agreementVersion":1})");
  EXPECT_TRUE(Bool(half, "menteeAccepted"));
  EXPECT_EQ(Str(half, "state"), "RELATIONSHIP_STATE_PROPOSED");
  Reply active = RoundTrip(verb::post, rel + ":acceptAgreement", As(mentor), R"({"agreementVersion":1})");
  EXPECT_EQ(Str(active, "state"), "RELATIONSHIP_STATE_ACTIVE");
  EXPECT_TRUE(Bool(active, "mentorAccepted"));

  const std::string expectations = "we speak openly about the promotion case";
  Reply amendment =
      RoundTrip(verb::post, rel + "/amendments", As(mentor),
                absl::StrCat(R"({"agreement":)", Agreement("FOCUS_AREA_TECHNICAL", {technical_goal}, expectations),
                             R"(,"expectedVersion":")", Int(active, "version"), R"("})"));
  EXPECT_EQ(Int(amendment, "pendingAmendment.version"), 2);
  EXPECT_EQ(Str(amendment, "pendingAmendment.expectations"), expectations);
  EXPECT_EQ(Str(amendment, "amendmentProposedBy"), mentor.id);
  Reply amended = RoundTrip(verb::post, rel + ":acceptAgreement", As(mentee), R"({"agreementVersion":2})");
  EXPECT_EQ(Int(amended, "agreement.version"), 2);
  EXPECT_EQ(Str(amended, "agreement.cadenceRrule"), "FREQ=WEEKLY;INTERVAL=2");
  EXPECT_EQ(Str(amended, "agreement.expectations"), expectations);
  EXPECT_THAT(Strings(amended, "agreement.goalIds"), ElementsAre(technical_goal));
  EXPECT_FALSE(Has(amended, "pendingAmendment"));

  // ---- evaluation: the relationship's feedback, goal progress, review and health

  // PUT/GET /v1/programmes/{programme_id}/evaluation-settings: defaults until an admin sets them.
  const std::string settings = "/v1/programmes/" + programme_id + "/evaluation-settings";
  Reply defaults = RoundTrip(verb::get, settings, As(mentee));
  EXPECT_EQ(Int(defaults, "reviewAnswerDays"), 14);
  EXPECT_FALSE(Has(defaults, "version"));
  Reply tuned = RoundTrip(verb::put, settings, admin,
                          absl::StrCat(R"({"settings":{"programmeId":")", programme_id,
                                       R"(","reviewAnswerDays":10},"expectedVersion":"0"})"));
  EXPECT_EQ(Int(tuned, "reviewAnswerDays"), 10);
  EXPECT_EQ(Int(tuned, "rapportThreshold"), 2);
  EXPECT_EQ(Int(tuned, "version"), 1);

  // Four held meetings (the agreement reviews after four): scheduling's events, via Kafka.
  for (int n = 1; n <= 4; ++n) MeetingHeld(relationship_id, n);
  const std::string health = rel + "/health";
  Reply pair_health = WaitFor(health, As(mentee), [](const Reply& r) { return Int(r, "meetingsHeld") == 4; });
  EXPECT_EQ(Int(pair_health, "meetingsHeld"), 4) << pair_health.body;

  // GET /v1/people/{person_id}/evaluation-items: feedback on each meeting, and the review.
  Reply items = RoundTrip(verb::get, "/v1/people/" + mentee.id + "/evaluation-items?page_size=10", As(mentee));
  EXPECT_EQ(Size(items, "items"), 5) << items.body;
  EXPECT_EQ(Str(items, "items[0].kind"), "ASK_KIND_FEEDBACK");
  EXPECT_EQ(Str(items, "items[0].itemId"), MeetingOf(relationship_id, 1));
  EXPECT_TRUE(Bool(items, "items[1].rapportCheck"));

  // POST /v1/meetings/{meeting_id}/feedback: both rate the second meeting (the rapport check).
  Reply rated = RoundTrip(verb::post, "/v1/meetings/" + MeetingOf(relationship_id, 2) + "/feedback", As(mentee),
                          R"({"rapport":5,"usefulness":4,"comment":"mentee's own words"})");
  EXPECT_EQ(Int(rated, "occurrence"), 2);
  EXPECT_EQ(Str(rated, "comment"), "mentee's own words");
  RoundTrip(verb::post, "/v1/meetings/" + MeetingOf(relationship_id, 2) + "/feedback", As(mentor),
            R"({"rapport":4,"usefulness":4,"comment":"mentor's own words"})");
  // GET /v1/relationships/{relationship_id}/feedback: the caller's own, nobody else's.
  Reply own = RoundTrip(verb::get, rel + "/feedback", As(mentor));
  EXPECT_THAT(Strings(own, "feedback", "comment"), ElementsAre("mentor's own words"));
  EXPECT_EQ(own.body.find("mentee's own words"), std::string::npos);

  // POST /v1/relationships/{relationship_id}/goals/{goal_id}/progress, and the pair's list.
  Reply observed = RoundTrip(verb::post, rel + "/goals/" + technical_goal + "/progress", As(mentor),
                             R"({"progressPercent":40,"evidenceNote":"ran the design review"})");
  EXPECT_EQ(Int(observed, "progressPercent"), 40);
  EXPECT_EQ(Str(observed, "personId"), mentee.id);
  EXPECT_EQ(Str(observed, "status"), "GOAL_STATUS_ACTIVE");
  Reply notes = RoundTrip(verb::get, rel + "/goal-progress", As(mentee));
  EXPECT_THAT(Strings(notes, "observations", "evidenceNote"), ElementsAre("ran the design review"));

  // GET /v1/reviews, GET /v1/reviews/{review_id}, POST /v1/reviews/{review_id}:answer.
  Reply open_reviews = RoundTrip(verb::get, "/v1/reviews?relationship_id=" + relationship_id, As(mentee));
  ASSERT_EQ(Size(open_reviews, "reviews"), 1) << open_reviews.body;
  const std::string review_id = Str(open_reviews, "reviews[0].reviewId");
  EXPECT_EQ(Str(open_reviews, "reviews[0].state"), "REVIEW_STATE_OPEN");
  EXPECT_EQ(Int(open_reviews, "reviews[0].meetingsHeld"), 4);
  Reply half_answered = RoundTrip(verb::post, "/v1/reviews/" + review_id + ":answer", As(mentee),
                                  R"({"answer":"REVIEW_OUTCOME_CONTINUE","comment":"all good"})");
  EXPECT_EQ(Str(half_answered, "menteeAnswer.comment"), "all good");
  Reply decided =
      RoundTrip(verb::post, "/v1/reviews/" + review_id + ":answer", As(mentor), R"({"answer":"REVIEW_OUTCOME_AMEND"})");
  EXPECT_EQ(Str(decided, "state"), "REVIEW_STATE_DECIDED");
  EXPECT_EQ(Str(decided, "outcome"), "REVIEW_OUTCOME_AMEND");
  EXPECT_FALSE(Has(decided, "menteeAnswer.comment")) << "a comment is its author's alone";
  Reply admin_review = RoundTrip(verb::get, "/v1/reviews/" + review_id, admin);
  EXPECT_EQ(Str(admin_review, "outcome"), "REVIEW_OUTCOME_AMEND");
  EXPECT_EQ(Int(admin_review, "answersReceived"), 2);
  EXPECT_FALSE(Has(admin_review, "menteeAnswer")) << admin_review.body;
  EXPECT_FALSE(Has(admin_review, "mentorAnswer")) << admin_review.body;

  // GET /v1/relationships/{relationship_id}/health: the pair's view, the admin's view.
  pair_health = RoundTrip(verb::get, health, As(mentor));
  EXPECT_EQ(Str(pair_health, "view"), "HEALTH_VIEW_PAIR");
  EXPECT_GT(Int(pair_health, "score"), 0);
  EXPECT_EQ(Str(pair_health, "rapportCheck"), "RAPPORT_CHECK_STATE_FINE");
  Reply admin_health = RoundTrip(verb::get, health, admin);
  EXPECT_EQ(Str(admin_health, "view"), "HEALTH_VIEW_ADMIN");
  EXPECT_FALSE(Has(admin_health, "score")) << admin_health.body;
  EXPECT_FALSE(Has(admin_health, "rapportCheck")) << admin_health.body;
  EXPECT_THAT(Strings(admin_health, "factors", "kind"), Not(Contains("HEALTH_FACTOR_KIND_FEEDBACK")));
  EXPECT_THAT(Strings(admin_health, "factors", "kind"), Not(Contains("HEALTH_FACTOR_KIND_GOALS")));
  // GET /v1/programmes/{programme_id}/relationship-health and .../evaluation-summary.
  Reply programme_health = RoundTrip(verb::get, "/v1/programmes/" + programme_id + "/relationship-health", admin);
  EXPECT_THAT(Strings(programme_health, "relationships", "relationshipId"), ElementsAre(relationship_id));
  Reply summary = RoundTrip(verb::get, "/v1/programmes/" + programme_id + "/evaluation-summary", admin);
  EXPECT_EQ(Int(summary, "relationships"), 1);
  EXPECT_EQ(Int(summary, "relationshipsWithFeedback"), 1);
  EXPECT_FALSE(Bool(summary, "ratingsShown")) << "one pair is under the minimum group size";
  EXPECT_FALSE(Has(summary, "meanRapport")) << summary.body;

  const absl::CivilDay resume_by = absl::ToCivilDay(absl::Now() + absl::Hours(24 * 45), absl::UTCTimeZone());
  Reply paused =
      RoundTrip(verb::post, rel + ":pause", As(mentee), absl::StrCat(R"({"resumeBy":)", DateJson(resume_by), "}"));
  EXPECT_EQ(Str(paused, "state"), "RELATIONSHIP_STATE_PAUSED");
  EXPECT_EQ(Int(paused, "resumeBy.year"), resume_by.year());
  EXPECT_EQ(Int(paused, "resumeBy.day"), resume_by.day());
  Reply resumed = RoundTrip(verb::post, rel + ":resume", As(mentor), "{}");
  EXPECT_EQ(Str(resumed, "state"), "RELATIONSHIP_STATE_ACTIVE");
  EXPECT_FALSE(Has(resumed, "resumeBy"));

  Reply closed = RoundTrip(verb::post, rel + ":close", As(mentee),
                           R"({"reason":"CLOSURE_REASON_NO_RAPPORT","note":"we never clicked"})");
  EXPECT_EQ(Str(closed, "state"), "RELATIONSHIP_STATE_CLOSED");
  EXPECT_EQ(Str(closed, "closureReason"), "CLOSURE_REASON_NO_RAPPORT");
  EXPECT_EQ(Str(closed, "closureNote"), "we never clicked");
  EXPECT_EQ(Str(closed, "closedBy"), mentee.id);

  // GET /v1/people/{mentee_id}/rematch-offers: closing for no rapport offers a rematch.
  Reply offers = RoundTrip(verb::get, "/v1/people/" + mentee.id + "/rematch-offers", As(mentee));
  ASSERT_EQ(Size(offers, "offers"), 1) << offers.body;
  EXPECT_EQ(Str(offers, "offers[0].previousRelationshipId"), relationship_id);
  EXPECT_EQ(Str(offers, "offers[0].previousMentorId"), mentor.id);
  EXPECT_EQ(Str(offers, "offers[0].trigger"), "closed_no_rapport");
  EXPECT_EQ(Str(offers, "offers[0].programmeId"), programme_id);
  EXPECT_THAT(Strings(offers, "offers[0].recommendations", "personId"), Not(Contains(mentor.id)));

  Reply alumni = RoundTrip(verb::post, rel + ":moveToAlumni", As(mentor), "{}");
  EXPECT_EQ(Str(alumni, "state"), "RELATIONSHIP_STATE_ALUMNI");
  EXPECT_EQ(Str(alumni, "closureNote"), "we never clicked");

  // POST/GET /v1/relationships/{relationship_id}/closure-survey, once evaluation heard it closed.
  Reply asked = WaitFor("/v1/people/" + mentee.id + "/evaluation-items?page_size=50", As(mentee), [](const Reply& r) {
    const auto kinds = Strings(r, "items", "kind");
    return std::find(kinds.begin(), kinds.end(), "ASK_KIND_CLOSURE_SURVEY") != kinds.end();
  });
  EXPECT_THAT(Strings(asked, "items", "kind"), Contains("ASK_KIND_CLOSURE_SURVEY")) << asked.body;
  Reply surveyed =
      RoundTrip(verb::post, rel + "/closure-survey", As(mentee),
                R"({"outcomeRating":2,"satisfaction":3,"goalsAchieved":1,"wouldRecommend":8,"comment":"mine alone"})");
  EXPECT_EQ(Int(surveyed, "wouldRecommend"), 8);
  Reply survey_read = RoundTrip(verb::get, rel + "/closure-survey", As(mentee));
  EXPECT_EQ(Str(survey_read, "comment"), "mine alone");
  EXPECT_EQ(Get(rel + "/closure-survey", As(mentor)).status, 404)
      << "the mentor has not answered; the mentee's is theirs";

  // ---- the HR import (an upload: the CSV is the body), when the gateway has the route
  if (HasRoute(kImportRoute)) {
    const std::string department = "Imported-" + suffix;
    const std::string csv = absl::StrCat(
        "employee_id,display_name,email,level,time_zone,department\n"
        "RT-IMP-",
        suffix, ",Imported Person,imported.", suffix, "@example.com,6,Europe/Paris,", department, "\n");
    Reply report = RoundTrip(verb::post, "/v1/people:import?format=IMPORT_FORMAT_CSV&source=gateway-routes-test",
                             UserToken("hr-system", R"(["hr_integration"])"), csv, "text/csv");
    EXPECT_EQ(Int(report, "rows"), 1) << report.body;
    EXPECT_EQ(Int(report, "created"), 1);
    EXPECT_EQ(Int(report, "failed"), 0);
    Reply imported = Get("/v1/people?department=" + department, admin);
    EXPECT_THAT(Strings(imported, "people", "displayName"), ElementsAre("Imported Person")) << imported.body;
  }

  // The guard: a route in the gateway's table with no successful round trip above fails
  // here by name, so a newly annotated method cannot go untested.
  std::vector<std::string> missing;
  for (const RouteInfo& route : routes_) {
    if (!exercised_.contains(route.key())) missing.push_back(route.key());
  }
  EXPECT_THAT(missing, IsEmpty()) << "routes without a successful round trip: " << absl::StrJoin(missing, "; ");
  std::cerr << "round trips: " << exercised_.size() << " of " << routes_.size() << " routes\n";
}

// ---------------------------------------------------------------- 3. whose resource it is

TEST_F(GatewayRoutesTest, PeopleEditOnlyThemselvesAndSeeColleaguesWithoutTheirPrivateFields) {
  using http::verb;
  const Person& owner = P("owner");
  const Person& other = P("other");
  const Person& third = P("outsider");
  for (const Person& p : {owner, other, third}) ASSERT_FALSE(p.id.empty()) << p.tag << " was not created";
  // The owner declares a conflict: exclusions are private too.
  Reply mine = Get("/v1/people/" + owner.id, As(owner));
  ASSERT_EQ(mine.status, 200) << mine.body;
  Struct person = mine.json;
  (*person.mutable_fields())["excludedPersonIds"].mutable_list_value()->add_values()->set_string_value(third.id);
  const std::string update = absl::StrCat(R"({"person":)", JsonOf(person), R"(,"expectedVersion":"1"})");
  ASSERT_EQ(Call(Port(), verb::put, "/v1/people/" + owner.id, update, As(owner)).status, 200);

  // Another employee may not edit it: the service refuses (the route itself is theirs).
  EXPECT_TRUE(RefusedByService(Call(Port(), verb::put, "/v1/people/" + owner.id, update, As(other))));
  // Nor change its goals' status.
  const std::string goal_id = Str(mine, "goals[0].goalId");
  EXPECT_TRUE(RefusedByService(Post("/v1/people/" + owner.id + "/goals/" + goal_id + ":setStatus", As(other),
                                    R"({"status":"GOAL_STATUS_ABANDONED"})")));
  // Whom a person excludes is for admins and services (the person sees it in their own
  // profile): the gateway refuses employees first.
  EXPECT_TRUE(RefusedByRoleGate(Get("/v1/people/" + owner.id + "/exclusions", As(other))));
  // Deactivating and creating people are for admins: the gateway says so first.
  EXPECT_TRUE(RefusedByRoleGate(Post("/v1/people/" + owner.id + ":deactivate", As(other), "{}")));
  EXPECT_TRUE(RefusedByRoleGate(Post("/v1/people", As(other), R"({"displayName":"x"})")));

  // Reading it gives the colleague view: no goals, no conflicts, no consent.
  Reply colleague_view = Get("/v1/people/" + owner.id, As(other));
  ASSERT_EQ(colleague_view.status, 200) << colleague_view.body;
  EXPECT_EQ(Str(colleague_view, "displayName"), "Route Tester " + owner.tag);
  EXPECT_FALSE(Has(colleague_view, "goals")) << colleague_view.body;
  EXPECT_FALSE(Has(colleague_view, "excludedPersonIds")) << colleague_view.body;
  EXPECT_FALSE(Has(colleague_view, "matchingConsent")) << colleague_view.body;
  // The same through search and batch reads.
  Reply batch = Post("/v1/people:batchGet", As(other), absl::StrCat(R"({"personIds":)", Quoted({owner.id}), "}"));
  ASSERT_EQ(batch.status, 200) << batch.body;
  EXPECT_FALSE(Has(batch, "people[0].goals")) << batch.body;
  EXPECT_FALSE(Has(batch, "people[0].excludedPersonIds")) << batch.body;

  // The owner sees all of it.
  Reply own = Get("/v1/people/" + owner.id, As(owner));
  EXPECT_EQ(Str(own, "goals[0].description"), GoalText(owner.tag, "FOCUS_AREA_WELLBEING"));
  EXPECT_THAT(Strings(own, "excludedPersonIds"), ElementsAre(third.id));
}

TEST_F(GatewayRoutesTest, GoalDescriptionsArePairOnlyAndNotShownToProgrammeAdmins) {
  // ARCHITECTURE.md, "Confidentiality, field by field": goal descriptions are visible only
  // to the two people in a relationship, not to programme admins (profiles.proto: "private
  // to the person and their mentors"). An admin may see that goals exist, not their text.
  const Person& planner = P("planner");
  const std::string text = GoalText(planner.tag, "FOCUS_AREA_WELLBEING");
  EXPECT_EQ(Str(Get("/v1/people/" + planner.id, As(planner)), "goals[0].description"), text);
  const std::string admin = Admin();
  Reply read = Get("/v1/people/" + planner.id, admin);
  ASSERT_EQ(read.status, 200) << read.body;
  EXPECT_EQ(read.body.find(text), std::string::npos)
      << "GET /v1/people/{id} shows an admin the goal text: " << read.body;
  Reply batch = Post("/v1/people:batchGet", admin, absl::StrCat(R"({"personIds":)", Quoted({planner.id}), "}"));
  ASSERT_EQ(batch.status, 200) << batch.body;
  EXPECT_EQ(batch.body.find(text), std::string::npos) << "batchGet shows an admin the goal text: " << batch.body;
  Reply search = Get("/v1/people?department=Planning-" + suffix_, admin);
  ASSERT_EQ(search.status, 200) << search.body;
  EXPECT_THAT(Strings(search, "people", "personId"), ElementsAre(planner.id));
  EXPECT_EQ(search.body.find(text), std::string::npos) << "search shows an admin the goal text: " << search.body;
}

TEST_F(GatewayRoutesTest, ARelationshipAndItsRequestAreTheirTwoPeoplesAndPairOnlyFieldsStayWithThem) {
  using http::verb;
  const std::string admin = Admin();
  const Person& mentee = P("pair-mentee");
  const Person& mentor = P("pair-mentor");
  const Person& third = P("pair-third");
  for (const Person& p : {mentee, mentor, third}) ASSERT_FALSE(p.id.empty()) << p.tag << " was not created";
  WaitKnown({mentee, mentor, third});
  ASSERT_FALSE(HasFatalFailure());
  const std::string as_mentee = As(mentee), as_mentor = As(mentor), as_third = As(third);

  // A request outside any programme; nobody asks on someone else's behalf.
  const std::string message = "I trust you with this: my manager and I disagree";
  const std::string ask = absl::StrCat(R"({"menteeId":")", mentee.id, R"(","mentorId":")", mentor.id,
                                       R"(","focusAreas":["FOCUS_AREA_STRATEGIC"],"message":")", message, R"("})");
  EXPECT_TRUE(RefusedByService(Post("/v1/requests", as_third, ask)));
  Reply request = Post("/v1/requests", as_mentee, ask);
  ASSERT_EQ(request.status, 200) << request.body;
  const std::string request_id = Str(request, "requestId");

  // Another person's request by id: not theirs to answer or withdraw, nor to list.
  EXPECT_TRUE(RefusedByService(Post("/v1/requests/" + request_id + ":accept", as_third, "{}")));
  EXPECT_TRUE(RefusedByService(Post("/v1/requests/" + request_id + ":decline", as_third, R"({"reason":"no"})")));
  EXPECT_TRUE(RefusedByService(Post("/v1/requests/" + request_id + ":withdraw", as_third, "{}")));
  EXPECT_TRUE(RefusedByService(Post("/v1/requests/" + request_id + ":withdraw", as_mentor, "{}")))
      << "only the mentee withdraws";
  EXPECT_TRUE(RefusedByService(Post("/v1/requests/" + request_id + ":accept", admin, "{}")))
      << "only the mentor asked accepts";
  EXPECT_TRUE(RefusedByService(Get("/v1/people/" + mentee.id + "/requests", as_third)));
  // The note is the two's: the mentor reads it, an admin sees the request without it.
  Reply mentor_list = Get("/v1/people/" + mentor.id + "/requests", as_mentor);
  ASSERT_EQ(mentor_list.status, 200) << mentor_list.body;
  EXPECT_EQ(Str(mentor_list, "requests[0].message"), message);
  Reply admin_list = Get("/v1/people/" + mentee.id + "/requests", admin);
  ASSERT_EQ(admin_list.status, 200) << admin_list.body;
  EXPECT_THAT(Strings(admin_list, "requests", "requestId"), ElementsAre(request_id));
  EXPECT_FALSE(Has(admin_list, "requests[0].message")) << admin_list.body;

  // Accepted, agreed, amended with expectations: a relationship with every pair-only field.
  Reply accepted = Post("/v1/requests/" + request_id + ":accept", as_mentor, "{}");
  ASSERT_EQ(accepted.status, 200) << accepted.body;
  const std::string rel = "/v1/relationships/" + Str(accepted, "relationshipId");
  ASSERT_EQ(Post(rel + ":acceptAgreement", as_mentee, R"({"agreementVersion":1})").status, 200);
  ASSERT_EQ(Post(rel + ":acceptAgreement", as_mentor, R"({"agreementVersion":1})").status, 200);
  const std::string expectations = "nothing said here reaches my manager";
  const std::string amend =
      absl::StrCat(R"({"agreement":)", Agreement("FOCUS_AREA_STRATEGIC", {"goal-in-scope"}, expectations), "}");
  EXPECT_TRUE(RefusedByService(Post(rel + "/amendments", as_third, amend)));
  EXPECT_TRUE(RefusedByService(Post(rel + "/amendments", admin, amend))) << "admins do not write the pair's agreement";
  ASSERT_EQ(Post(rel + "/amendments", as_mentee, amend).status, 200);
  Reply agreed = Post(rel + ":acceptAgreement", as_mentor, R"({"agreementVersion":2})");
  ASSERT_EQ(agreed.status, 200) << agreed.body;

  // The two see everything.
  for (const auto& [who, token] : {std::pair{"mentee", as_mentee}, std::pair{"mentor", as_mentor}}) {
    Reply full = Get(rel, token);
    ASSERT_EQ(full.status, 200) << who << ": " << full.body;
    EXPECT_EQ(Str(full, "view"), "RELATIONSHIP_VIEW_FULL") << who;
    EXPECT_EQ(Str(full, "agreement.expectations"), expectations) << who;
    EXPECT_FALSE(Str(full, "agreement.menteeRole").empty()) << who;
    EXPECT_THAT(Strings(full, "agreement.goalIds"), ElementsAre("goal-in-scope")) << who;
  }
  // A programme admin sees the summary only, and may not ask for more.
  Reply summary = Get(rel, admin);
  ASSERT_EQ(summary.status, 200) << summary.body;
  EXPECT_EQ(Str(summary, "view"), "RELATIONSHIP_VIEW_SUMMARY");
  EXPECT_EQ(Str(summary, "state"), "RELATIONSHIP_STATE_ACTIVE");
  EXPECT_EQ(Str(summary, "agreement.cadenceRrule"), "FREQ=WEEKLY;INTERVAL=2");  // what admins may see
  EXPECT_FALSE(Has(summary, "agreement.expectations")) << summary.body;
  EXPECT_FALSE(Has(summary, "agreement.menteeRole")) << summary.body;
  EXPECT_FALSE(Has(summary, "agreement.mentorRole")) << summary.body;
  EXPECT_FALSE(Has(summary, "agreement.goalIds")) << summary.body;
  EXPECT_TRUE(RefusedByService(Get(rel + "?view=RELATIONSHIP_VIEW_FULL", admin)));
  Reply admin_listed = Get("/v1/relationships?person_id=" + mentee.id, admin);
  ASSERT_EQ(admin_listed.status, 200) << admin_listed.body;
  ASSERT_EQ(Size(admin_listed, "relationships"), 1) << admin_listed.body;
  EXPECT_FALSE(Has(admin_listed, "relationships[0].agreement.expectations")) << admin_listed.body;
  // A third employee sees nothing of it, by id or by listing, and changes nothing.
  EXPECT_TRUE(RefusedByService(Get(rel, as_third)));
  EXPECT_TRUE(RefusedByService(Get(rel + "?view=RELATIONSHIP_VIEW_SUMMARY", as_third)));
  EXPECT_TRUE(RefusedByService(Get("/v1/relationships?person_id=" + mentee.id, as_third)));
  EXPECT_TRUE(RefusedByService(Post(rel + ":pause", as_third, "{}")));
  EXPECT_TRUE(RefusedByService(Post(rel + ":close", as_third, R"({"reason":"CLOSURE_REASON_OTHER"})")));
  EXPECT_TRUE(RefusedByService(Get("/v1/people/" + mentee.id + "/rematch-offers", as_third)));
  // Drafts are for admins: refused at the gateway, whoever's they are.
  EXPECT_TRUE(RefusedByRoleGate(Get(std::string("/v1/drafts/") + kNobody, as_mentee)));

  // The closure note is the two's too; an admin closing writes a reason but no note.
  EXPECT_EQ(Post(rel + ":close", admin, R"({"reason":"CLOSURE_REASON_OTHER","note":"admin's view"})").status, 400);
  Reply closed = Post(rel + ":close", as_mentor, R"({"reason":"CLOSURE_REASON_GOALS_ACHIEVED","note":"proud of you"})");
  ASSERT_EQ(closed.status, 200) << closed.body;
  EXPECT_EQ(Str(Get(rel, as_mentee), "closureNote"), "proud of you");
  Reply closed_summary = Get(rel, admin);
  EXPECT_EQ(Str(closed_summary, "closureReason"), "CLOSURE_REASON_GOALS_ACHIEVED");
  EXPECT_FALSE(Has(closed_summary, "closureNote")) << closed_summary.body;
  Reply closed_list = Get("/v1/relationships?person_id=" + mentor.id + "&include_closed=true", admin);
  ASSERT_EQ(Size(closed_list, "relationships"), 1) << closed_list.body;
  EXPECT_FALSE(Has(closed_list, "relationships[0].closureNote")) << closed_list.body;
}

TEST_F(GatewayRoutesTest, EvaluationAnswersStayWithTheirAuthorsAndAnAdminSeesNoRating) {
  using http::verb;
  const std::string admin = Admin();
  const Person& mentee = P("eval-mentee");
  const Person& mentor = P("eval-mentor");
  const Person& third = P("eval-third");
  for (const Person& p : {mentee, mentor, third}) ASSERT_FALSE(p.id.empty()) << p.tag << " was not created";
  WaitKnown({mentee, mentor});
  ASSERT_FALSE(HasFatalFailure());
  const std::string as_mentee = As(mentee), as_mentor = As(mentor), as_third = As(third);
  // A relationship outside any programme, made in matching.
  Reply request = Post("/v1/requests", as_mentee,
                       absl::StrCat(R"({"menteeId":")", mentee.id, R"(","mentorId":")", mentor.id,
                                    R"(","focusAreas":["FOCUS_AREA_STRATEGIC"]})"));
  ASSERT_EQ(request.status, 200) << request.body;
  Reply accepted = Post("/v1/requests/" + Str(request, "requestId") + ":accept", as_mentor, "{}");
  ASSERT_EQ(accepted.status, 200) << accepted.body;
  const std::string id = Str(accepted, "relationshipId");
  const std::string rel = "/v1/relationships/" + id;
  ASSERT_EQ(Post(rel + ":acceptAgreement", as_mentee, R"({"agreementVersion":1})").status, 200);
  ASSERT_EQ(Post(rel + ":acceptAgreement", as_mentor, R"({"agreementVersion":1})").status, 200);
  MeetingHeld(id, 1);
  ASSERT_EQ(WaitFor(rel + "/health", as_mentee, [](const Reply& r) { return Int(r, "meetingsHeld") == 1; }).status,
            200);
  const std::string goal = Str(Get("/v1/people/" + mentee.id, as_mentee), "goals[0].goalId");
  ASSERT_FALSE(goal.empty());

  const std::string comment = "only-the-mentee-reads-this";
  const std::string note = "only-the-pair-reads-this";
  const std::string meeting = "/v1/meetings/" + MeetingOf(id, 1) + "/feedback";
  ASSERT_EQ(
      Post(meeting, as_mentee, absl::StrCat(R"({"rapport":1,"usefulness":2,"comment":")", comment, R"("})")).status,
      200);
  ASSERT_EQ(Post(rel + "/goals/" + goal + "/progress", as_mentor,
                 absl::StrCat(R"({"progressPercent":20,"evidenceNote":")", note, R"("})"))
                .status,
            200);

  // Another employee: refused by the service on every one of the pair's evaluation routes.
  EXPECT_TRUE(RefusedByService(Get(rel + "/health", as_third)));
  EXPECT_TRUE(RefusedByService(Get(rel + "/feedback", as_third)));
  EXPECT_TRUE(RefusedByService(Get(rel + "/goal-progress", as_third)));
  EXPECT_TRUE(RefusedByService(Get(rel + "/closure-survey", as_third)));
  EXPECT_TRUE(RefusedByService(Get("/v1/reviews?relationship_id=" + id, as_third)));
  EXPECT_TRUE(RefusedByService(Get("/v1/people/" + mentee.id + "/evaluation-items", as_third)));
  EXPECT_TRUE(RefusedByService(Post(meeting, as_third, R"({"rapport":5,"usefulness":5})")));
  // The other party: the note (the pair's), never the comment (the mentee's).
  Reply mentor_feedback = Get(rel + "/feedback", as_mentor);
  ASSERT_EQ(mentor_feedback.status, 200) << mentor_feedback.body;
  EXPECT_EQ(Size(mentor_feedback, "feedback"), 0) << mentor_feedback.body;
  EXPECT_EQ(Str(Get(rel + "/goal-progress", as_mentor), "observations[0].evidenceNote"), note);
  EXPECT_EQ(Get(rel + "/health", as_mentor).body.find(comment), std::string::npos);
  EXPECT_EQ(Str(Get(rel + "/feedback", as_mentee), "feedback[0].comment"), comment);
  // A programme admin: the pair's answers are refused at the gateway; health is a bucket and
  // admin-safe reasons, with no rating, comment or note.
  EXPECT_TRUE(RefusedByRoleGate(Get(rel + "/feedback", admin)));
  EXPECT_TRUE(RefusedByRoleGate(Get(rel + "/goal-progress", admin)));
  EXPECT_TRUE(RefusedByRoleGate(Post(meeting, admin, R"({"rapport":5,"usefulness":5})")));
  Reply admin_health = Get(rel + "/health", admin);
  ASSERT_EQ(admin_health.status, 200) << admin_health.body;
  EXPECT_EQ(Str(admin_health, "view"), "HEALTH_VIEW_ADMIN");
  for (const std::string& leak : {comment, note, std::string("rapport"), std::string("rated"),
                                  std::string("usefulness"), std::string("FEEDBACK")}) {
    EXPECT_EQ(admin_health.body.find(leak), std::string::npos) << leak << " in " << admin_health.body;
  }
  Reply pair_health = Get(rel + "/health", as_mentee);
  EXPECT_THAT(Strings(pair_health, "factors", "kind"), Contains("HEALTH_FACTOR_KIND_FEEDBACK")) << pair_health.body;
}

TEST_F(GatewayRoutesTest, AnotherPersonsEnrollmentsRecommendationsAndRequestsAreRefused) {
  const Person& someone = P("someone");
  const Person& nosy = P("nosy");
  for (const Person& p : {someone, nosy}) ASSERT_FALSE(p.id.empty()) << p.tag << " was not created";
  Reply programme = Post("/v1/programmes", Admin(), ProgrammeJson("Refusals " + Unique("p")));
  ASSERT_EQ(programme.status, 200) << programme.body;
  const std::string base = "/v1/programmes/" + Str(programme, "programmeId");
  const std::string as_nosy = As(nosy);
  EXPECT_TRUE(
      RefusedByService(Post(base + "/enrollments", as_nosy,
                            absl::StrCat(R"({"personId":")", someone.id,
                                         R"(","role":"PARTICIPANT_ROLE_MENTEE","consent":true,"hoursPerMonth":2})"))));
  EXPECT_TRUE(
      RefusedByService(Call(Port(), http::verb::delete_,
                            base + "/enrollments/" + someone.id + "?role=PARTICIPANT_ROLE_MENTEE", "", as_nosy)));
  EXPECT_TRUE(RefusedByService(Get(base + "/people/" + someone.id + "/mentor-recommendations", as_nosy)));
  EXPECT_TRUE(RefusedByService(Get(base + "/people/" + someone.id + "/mentee-recommendations", as_nosy)));
  EXPECT_TRUE(RefusedByRoleGate(Get(base + "/enrollments", as_nosy)));
  EXPECT_TRUE(RefusedByRoleGate(Post(base + "/drafts", as_nosy)));
  EXPECT_TRUE(RefusedByService(Get("/v1/people/" + someone.id + "/requests", as_nosy)));
  EXPECT_TRUE(RefusedByService(Get("/v1/relationships?person_id=" + someone.id, as_nosy)));
}

}  // namespace
}  // namespace mentoring::testing
