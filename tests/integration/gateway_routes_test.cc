// Every route the gateway serves, from outside, against the real profiles, matching,
// scheduling and evaluation services: the 401/403 matrix for every route and every role, read from the
// served OpenAPI document (so a new route is in it without anyone listing it); one
// successful round trip per route whose answer's content is checked (per service, in
// gateway_routes_<service>.cc), with a guard naming any route that has none; and the
// services' own rules behind the gateway: whose resource it is, and who sees the pair-only
// fields (docs/matching.md "Who sees what", the architecture's confidentiality list).
#include "gateway_routes.h"

namespace mentoring::testing {
namespace {

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
  EXPECT_GE(routes_.size(), 39u + 15u);
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

    if (route.capability) {
      // The path is the credential: with or without a token, of any role or none, the call
      // reaches the service, which knows no such capability.
      std::vector<std::pair<std::string, std::string>> callers = unauthenticated;
      for (const std::string& role : kRoles) callers.emplace_back(role, UserToken("matrix-capability", Quoted({role})));
      for (const auto& [what, token] : callers) {
        const Reply reply = Call(Port(), verb, target, "", token);
        EXPECT_EQ(reply.status, 404) << what << ": " << reply.body;
        EXPECT_EQ(FieldOf(reply.json, "status"), "NOT_FOUND") << what;
        EXPECT_NE(FieldOf(reply.json, "message"), "no such resource") << what << ": the route was not matched";
        ++checked;
      }
      continue;
    }
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
  ProfilesAndMatchingRoundTrips();
  SchedulingRoundTrips();
  EvaluationRoundTrips();  // after scheduling's: its held meeting reaches evaluation

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
