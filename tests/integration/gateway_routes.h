#pragma once
// The fixture of the gateway's route tests (gateway_routes_test.cc and its per-service
// round trips, gateway_routes_*.cc): the route table as /openapi.json serves it, readers of
// JSON answers, the people every test needs (created through the gateway before matching
// starts) and the round-trip bookkeeping the guard reads.
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
#include <functional>
#include <iostream>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "gateway_client.h"
#include "harness.h"

namespace mentoring::testing {

namespace http = boost::beast::http;
using google::protobuf::Struct;
using google::protobuf::Value;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Not;

// The end-user roles a token may carry (the internal "service" role is never taken from one).
inline const std::vector<std::string> kRoles = {"employee", "programme_admin", "hr_integration", "analytics_viewer"};
// HR integrations reach this route and no other.
inline constexpr char kImportRoute[] = "POST /v1/people:import";
// A well-formed id nobody has: a permitted caller reaches the service, which finds nothing.
inline constexpr char kNobody[] = "01a20000-0000-7000-8000-00000000dead";
inline constexpr char kRoleGatePrefix[] = "this route is for: ";

// ---------------------------------------------------------------- the route table

struct RouteInfo {
  std::string verb;  // GET, POST, ...
  std::string path;  // the template as OpenAPI writes it: "/v1/people/{person_id}:deactivate"
  std::string operation;
  std::vector<std::string> roles;  // x-roles
  bool capability = false;         // x-capability-url: the path is the credential, no token
  std::string key() const { return absl::StrCat(verb, " ", path); }
};

// What is wrong with a route's roles; empty when nothing is.
inline std::vector<std::string> RoleProblems(const RouteInfo& route) {
  std::vector<std::string> problems;
  if (route.capability) {
    if (!route.roles.empty()) problems.push_back(route.key() + " is a capability URL but names roles: none is checked");
    return problems;
  }
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
inline std::regex PathPattern(const std::string& path_template) {
  static const std::regex kVariable(R"(\\\{[^}]*\\\})");
  static const std::regex kSpecial(R"([.^$|()\[\]{}*+?\\])");
  const std::string escaped = std::regex_replace(path_template, kSpecial, R"(\$&)");
  return std::regex("^" + std::regex_replace(escaped, kVariable, "[^/:]+") + "$");
}

inline std::string Instantiate(const std::string& path_template) {
  static const std::regex kVariable(R"(\{[^}]*\})");
  return std::regex_replace(path_template, kVariable, kNobody);
}

inline std::string VerbName(http::verb verb) { return std::string(http::to_string(verb)); }

inline http::verb VerbOf(const std::string& name) { return http::string_to_verb(name); }

// ---------------------------------------------------------------- reading JSON answers

// The value at a path like "agreement.expectations" or "people[1].personId"; null if absent.
inline const Value* At(const Struct& root, const std::string& path) {
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

inline bool Has(const Reply& r, const std::string& path) { return At(r.json, path) != nullptr; }

inline std::string Str(const Reply& r, const std::string& path) {
  const Value* v = At(r.json, path);
  return v != nullptr && v->has_string_value() ? v->string_value() : "";
}

// int32 fields come as JSON numbers, int64 ones as strings.
inline int64_t Int(const Reply& r, const std::string& path) {
  const Value* v = At(r.json, path);
  if (v == nullptr) return 0;
  if (v->has_number_value()) return static_cast<int64_t>(v->number_value());
  int64_t n = 0;
  return absl::SimpleAtoi(v->string_value(), &n) ? n : 0;
}

inline bool Bool(const Reply& r, const std::string& path) {
  const Value* v = At(r.json, path);
  return v != nullptr && v->bool_value();
}

inline int Size(const Reply& r, const std::string& path) {
  const Value* v = At(r.json, path);
  return v != nullptr && v->has_list_value() ? v->list_value().values_size() : 0;
}

// The strings of a list, or one string field of each object in it.
inline std::vector<std::string> Strings(const Reply& r, const std::string& list, const std::string& field = "") {
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

inline std::string JsonOf(const Struct& s) {
  std::string json;
  (void)google::protobuf::util::MessageToJsonString(s, &json);
  return json;
}

inline std::string Quoted(const std::vector<std::string>& items) {
  std::vector<std::string> quoted;
  for (const auto& item : items) quoted.push_back(absl::StrCat("\"", item, "\""));
  return absl::StrCat("[", absl::StrJoin(quoted, ","), "]");
}

inline std::string DateJson(absl::CivilDay day) {
  return absl::StrCat(R"({"year":)", day.year(), R"(,"month":)", day.month(), R"(,"day":)", day.day(), "}");
}

// The gateway's own refusal of a role (before any service), told apart from a service's 403.
inline bool RefusedByRoleGate(const Reply& r) {
  return r.status == 403 && absl::StartsWith(FieldOf(r.json, "message"), kRoleGatePrefix);
}

// A refusal by the service itself: the caller got past the gateway and was told no there.
inline ::testing::AssertionResult RefusedByService(const Reply& r) {
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
  std::string time_zone = "Europe/London";
  std::string availability = R"([{"weekday":3,"startMinute":540,"endMinute":720}])";  // Wednesday 09:00-12:00
  std::string manager;                                                                // the seed name of their manager
  std::vector<std::string> goals;   // focus areas wanted as a mentee, each with a private description
  std::vector<std::string> offers;  // focus areas offered as a mentor
};

inline std::string GoalText(const std::string& tag, const std::string& area) {
  return absl::StrCat("private goal of ", tag, ": ", area);
}

inline std::string PersonJson(const PersonSpec& s, const std::string& hr_id, const std::string& manager_id = "") {
  std::vector<std::string> goals, expertise;
  for (const auto& area : s.goals) {
    goals.push_back(absl::StrCat(R"({"focusArea":")", area, R"(","description":")", GoalText(s.tag, area), R"("})"));
  }
  for (const auto& area : s.offers) expertise.push_back(absl::StrCat(R"({"focusArea":")", area, R"("})"));
  return absl::StrCat(
      R"({"hrEmployeeId":")", hr_id, R"(","displayName":"Route Tester )", s.tag, R"(","email":")", s.tag,
      R"(@example.com","title":"Engineer","department":")", s.department, R"(",)",
      manager_id.empty() ? "" : absl::StrCat(R"("managerId":")", manager_id, R"(",)"), R"("careerLevel":)", s.level,
      R"(,"timeZone":")", s.time_zone, R"(","languages":["en"],"matchingConsent":true,)",
      R"("mentoringProfile":{"role":"MENTORING_ROLE_BOTH","meetingModes":["MEETING_MODE_VIDEO"],)",
      R"("capacity":{"maxActiveMentees":3,"hoursPerMonth":8},)", R"("availability":)", s.availability, ",",
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
        route.capability = op.contains("x-capability-url") && op.at("x-capability-url").bool_value();
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
        // someone else's enrollments and recommendations
        {"someone", {.tag = "someone", .level = 4, .goals = {"FOCUS_AREA_CAREER"}}},
        {"nosy", {.tag = "nosy", .level = 9, .offers = {"FOCUS_AREA_CAREER"}}},
        // a pair meeting across two zones (Wednesday 09:00-12:00 each: 09:00-11:00 London)
        {"sched-mentee", {.tag = "sched-mentee", .level = 3, .goals = {"FOCUS_AREA_CAREER"}}},
        {"sched-mentor",
         {.tag = "sched-mentor", .level = 10, .time_zone = "Europe/Berlin", .offers = {"FOCUS_AREA_CAREER"}}},
        {"sched-third", {.tag = "sched-third", .level = 10}},
        // a pair five hours apart in winter and four for the weeks in March when only New
        // York has moved its clocks: Wednesday 09:00-12:00 New York, 13:00-18:00 London
        {"feed-mentee",
         {.tag = "feed-mentee", .level = 3, .time_zone = "America/New_York", .goals = {"FOCUS_AREA_CAREER"}}},
        {"feed-mentor",
         {.tag = "feed-mentor",
          .level = 10,
          .availability = R"([{"weekday":3,"startMinute":780,"endMinute":1080}])",
          .offers = {"FOCUS_AREA_CAREER"}}},
        {"private-mentee", {.tag = "private-mentee", .level = 3, .goals = {"FOCUS_AREA_CAREER"}}},
        {"private-mentor",
         {.tag = "private-mentor", .level = 10, .time_zone = "Europe/Berlin", .offers = {"FOCUS_AREA_CAREER"}}},
        // evaluation: a pair for the round trips, and a pair and a third for who sees what
        {"eval-rt-mentee", {.tag = "eval-rt-mentee", .level = 3, .goals = {"FOCUS_AREA_CAREER"}}},
        {"eval-rt-mentor", {.tag = "eval-rt-mentor", .level = 10, .offers = {"FOCUS_AREA_CAREER"}}},
        {"eval-mentee", {.tag = "eval-mentee", .level = 3, .goals = {"FOCUS_AREA_STRATEGIC"}}},
        {"eval-mentor", {.tag = "eval-mentor", .level = 10, .offers = {"FOCUS_AREA_STRATEGIC"}}},
        {"eval-third", {.tag = "eval-third", .level = 5}},
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
  // until its read model has them, and the snapshot recommendations read.
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
    ASSERT_TRUE(WaitForMatchingSnapshot(stack_->matching(), stack_->matching_db().url()))
        << "matching's snapshot never caught up";
  }

  static std::string ProgrammeJson(const std::string& name, int max_pending = 3,
                                   const std::string& cadence = "FREQ=MONTHLY") {
    return absl::StrCat(R"({"name":")", name, R"(","type":"PROGRAMME_TYPE_ONE_TO_ONE",)",
                        R"("startDate":{"year":2027,"month":1,"day":4},"endDate":{"year":2027,"month":12,"day":17},)",
                        R"("agreementDefaults":{"cadenceRrule":")", cadence,
                        R"(","meetingMinutes":60,"mode":"MEETING_MODE_VIDEO"},)",
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

  // The round trips of each service's routes (gateway_routes_<service>.cc); each marks the
  // routes it took in exercised_, which the guard in gateway_routes_test.cc reads.
  static void ProfilesAndMatchingRoundTrips();
  static void SchedulingRoundTrips();
  static void EvaluationRoundTrips();
  // Scheduling's meeting.completed for a meeting of a relationship, published into the test's
  // Kafka topic as scheduling would (evaluation's tests drive meetings without its clock).
  static void MeetingHeld(const std::string& relationship_id, int occurrence);
  static std::string MeetingOf(const std::string& relationship_id, int occurrence);
  // Polls GET `target` as `token` until `ready` holds for the answer (a liveness bound).
  static Reply WaitFor(const std::string& target, const std::string& token,
                       const std::function<bool(const Reply&)>& ready);
  static std::string AgreedRelationship(const Person& mentee, const Person& mentor, const std::string& programme_id);

  static inline absl::Status started_;
  static inline GatewayStack* stack_ = nullptr;
  static inline std::vector<RouteInfo> routes_;
  static inline std::set<std::string> exercised_;
  static inline int counter_ = 0;
  static inline std::string suffix_;
  static inline std::map<std::string, Person> people_;
};

}  // namespace mentoring::testing
