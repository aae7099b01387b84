// The round trips of the profiles and matching routes through the gateway (the guard that
// every route has one is in gateway_routes_test.cc).
#include "gateway_routes.h"

namespace mentoring::testing {

void GatewayRoutesTest::ProfilesAndMatchingRoundTrips() {
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

  // GET /v1/people/{person_id} as the mentor of the active relationship (once profiles has
  // heard match.made): the goal it covers, description included, and nothing else private;
  // an admin still reads every goal without its description.
  Reply as_mentor =
      WaitFor("/v1/people/" + mentee.id, As(mentor), [](const Reply& r) { return Size(r, "goals") == 1; });
  EXPECT_EQ(Str(as_mentor, "goals[0].goalId"), technical_goal);
  EXPECT_EQ(Str(as_mentor, "goals[0].description"), GoalText(mentee.tag, "FOCUS_AREA_TECHNICAL"));
  EXPECT_FALSE(Has(as_mentor, "excludedPersonIds"));
  Reply as_admin = Get("/v1/people/" + mentee.id, admin);
  EXPECT_EQ(Size(as_admin, "goals"), 2);
  EXPECT_FALSE(Has(as_admin, "goals[0].description"));

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
  // The former mentor reads the mentee as any colleague does.
  Reply as_former_mentor =
      WaitFor("/v1/people/" + mentee.id, As(mentor), [](const Reply& r) { return !Has(r, "goals"); });
  EXPECT_FALSE(Has(as_former_mentor, "goals")) << as_former_mentor.body;

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
}

}  // namespace mentoring::testing
