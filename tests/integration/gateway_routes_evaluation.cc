// Evaluation's routes through the gateway: a round trip of each (the held meeting of
// scheduling's round trip reaches evaluation for real; the others are published into Kafka as
// scheduling would), and who sees what of the answers people give.
#include "gateway_routes.h"
#include "mentoring/runtime/clock.h"
#include "mentoring/runtime/events.h"
#include "mentoring/runtime/kafka.h"

namespace mentoring::testing {

void GatewayRoutesTest::MeetingHeld(const std::string& relationship_id, int occurrence) {
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

std::string GatewayRoutesTest::MeetingOf(const std::string& relationship_id, int occurrence) {
  return absl::StrCat(relationship_id, "-m", occurrence);
}

Reply GatewayRoutesTest::WaitFor(const std::string& target, const std::string& token,
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

void GatewayRoutesTest::EvaluationRoundTrips() {
  using http::verb;
  const std::string admin = Admin();

  // ---- scheduling's meeting, checked in during its round trips, reached evaluation

  const Person& sched_mentee = P("sched-mentee");
  Reply sched_relationships = Get("/v1/relationships?person_id=" + sched_mentee.id, As(sched_mentee));
  ASSERT_EQ(Size(sched_relationships, "relationships"), 1) << sched_relationships.body;
  const std::string sched_rel = "/v1/relationships/" + Str(sched_relationships, "relationships[0].relationshipId");
  // GET /v1/relationships/{relationship_id}/health: the meeting checked in as held.
  Reply sched_health =
      WaitFor(sched_rel + "/health", As(sched_mentee), [](const Reply& r) { return Int(r, "meetingsHeld") == 1; });
  EXPECT_EQ(Int(sched_health, "meetingsHeld"), 1) << sched_health.body;
  // GET /v1/people/{person_id}/evaluation-items: feedback on it is asked of the mentee.
  Reply sched_items = RoundTrip(verb::get, "/v1/people/" + sched_mentee.id + "/evaluation-items", As(sched_mentee));
  ASSERT_EQ(Size(sched_items, "items"), 1) << sched_items.body;
  EXPECT_EQ(Str(sched_items, "items[0].kind"), "ASK_KIND_FEEDBACK");
  EXPECT_EQ(Int(sched_items, "items[0].occurrence"), 1);
  const std::string held_meeting = Str(sched_items, "items[0].itemId");

  // POST /v1/meetings/{meeting_id}/feedback: on scheduling's real meeting.
  Reply rated = RoundTrip(verb::post, "/v1/meetings/" + held_meeting + "/feedback", As(sched_mentee),
                          R"({"rapport":5,"usefulness":4,"comment":"mentee's own words"})");
  EXPECT_EQ(Int(rated, "occurrence"), 1);
  EXPECT_EQ(Str(rated, "comment"), "mentee's own words");

  // ---- a programme of its own, reviewed after four meetings (the default)

  const Person& mentee = P("eval-rt-mentee");
  const Person& mentor = P("eval-rt-mentor");
  WaitKnown({mentee, mentor});
  ASSERT_FALSE(HasFatalFailure());
  Reply programme = Post("/v1/programmes", admin, ProgrammeJson("Evaluation cohort " + suffix_));
  ASSERT_EQ(programme.status, 200) << programme.body;
  const std::string programme_id = Str(programme, "programmeId");
  for (const auto& [who, role] :
       {std::pair{&mentee, "PARTICIPANT_ROLE_MENTEE"}, {&mentor, "PARTICIPANT_ROLE_MENTOR"}}) {
    ASSERT_EQ(
        Post("/v1/programmes/" + programme_id + "/enrollments", As(*who),
             absl::StrCat(R"({"personId":")", who->id, R"(","role":")", role, R"(","consent":true,"hoursPerMonth":4})"))
            .status,
        200);
  }
  const std::string relationship_id = AgreedRelationship(mentee, mentor, programme_id);
  ASSERT_FALSE(HasFailure());
  const std::string rel = "/v1/relationships/" + relationship_id;

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

  // Four held meetings.
  for (int n = 1; n <= 4; ++n) MeetingHeld(relationship_id, n);
  const std::string health = rel + "/health";
  Reply pair_health = WaitFor(health, As(mentee), [](const Reply& r) { return Int(r, "meetingsHeld") == 4; });
  ASSERT_EQ(Int(pair_health, "meetingsHeld"), 4) << pair_health.body;

  Reply items = Get("/v1/people/" + mentee.id + "/evaluation-items?page_size=10", As(mentee));
  EXPECT_EQ(Size(items, "items"), 5) << "feedback on each meeting, and the review: " << items.body;
  EXPECT_EQ(Str(items, "items[0].itemId"), MeetingOf(relationship_id, 1));
  EXPECT_TRUE(Bool(items, "items[1].rapportCheck"));

  // Both rate the second meeting (the rapport check).
  ASSERT_EQ(Post("/v1/meetings/" + MeetingOf(relationship_id, 2) + "/feedback", As(mentee),
                 R"({"rapport":5,"usefulness":4,"comment":"mentee's words"})")
                .status,
            200);
  ASSERT_EQ(Post("/v1/meetings/" + MeetingOf(relationship_id, 2) + "/feedback", As(mentor),
                 R"({"rapport":4,"usefulness":4,"comment":"mentor's own words"})")
                .status,
            200);
  // GET /v1/relationships/{relationship_id}/feedback: the caller's own, nobody else's.
  Reply own = RoundTrip(verb::get, rel + "/feedback", As(mentor));
  EXPECT_THAT(Strings(own, "feedback", "comment"), ElementsAre("mentor's own words"));
  EXPECT_EQ(own.body.find("mentee's words"), std::string::npos);

  // POST /v1/relationships/{relationship_id}/goals/{goal_id}/progress, and the pair's list.
  const std::string goal = Str(Get("/v1/people/" + mentee.id, As(mentee)), "goals[0].goalId");
  ASSERT_FALSE(goal.empty());
  Reply observed = RoundTrip(verb::post, rel + "/goals/" + goal + "/progress", As(mentor),
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
  Reply half = RoundTrip(verb::post, "/v1/reviews/" + review_id + ":answer", As(mentee),
                         R"({"answer":"REVIEW_OUTCOME_CONTINUE","comment":"all good"})");
  EXPECT_EQ(Str(half, "menteeAnswer.comment"), "all good");
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

  // The health of it: the pair's view and the admin's.
  pair_health = Get(health, As(mentor));
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

  // ---- it ends: the closure survey

  ASSERT_EQ(Post(rel + ":close", As(mentee), R"({"reason":"CLOSURE_REASON_GOALS_ACHIEVED"})").status, 200);
  Reply asked = WaitFor("/v1/people/" + mentee.id + "/evaluation-items?page_size=50", As(mentee), [](const Reply& r) {
    const auto kinds = Strings(r, "items", "kind");
    return std::find(kinds.begin(), kinds.end(), "ASK_KIND_CLOSURE_SURVEY") != kinds.end();
  });
  EXPECT_THAT(Strings(asked, "items", "kind"), Contains("ASK_KIND_CLOSURE_SURVEY")) << asked.body;
  // POST/GET /v1/relationships/{relationship_id}/closure-survey.
  Reply surveyed =
      RoundTrip(verb::post, rel + "/closure-survey", As(mentee),
                R"({"outcomeRating":4,"satisfaction":5,"goalsAchieved":1,"wouldRecommend":8,"comment":"mine alone"})");
  EXPECT_EQ(Int(surveyed, "wouldRecommend"), 8);
  Reply survey_read = RoundTrip(verb::get, rel + "/closure-survey", As(mentee));
  EXPECT_EQ(Str(survey_read, "comment"), "mine alone");
  EXPECT_EQ(Get(rel + "/closure-survey", As(mentor)).status, 404) << "the mentor has not answered";
}

namespace {

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

}  // namespace
}  // namespace mentoring::testing
