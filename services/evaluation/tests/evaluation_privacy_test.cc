// Who sees what of evaluation's answers, on a scratch database: comments only to their
// author, evidence notes only to the pair, no rating of a pair to an admin; none of them in
// any event; goal progress checked against profiles' goals and their status set there;
// the closure survey; erasure leaving no trace of a person's answers; programme settings and
// aggregates (ratings only over the minimum group size).
#include "flow_fixture.h"

namespace mentoring::evaluation {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;

// Private text each test writes, to look for wherever it must not be.
const std::vector<std::string> kPrivate = {"mentee-comment-secret", "mentor-comment-secret", "evidence-note-secret",
                                           "review-comment-secret", "survey-comment-secret"};

void ExpectNoPrivateText(const std::string& where, const std::string& bytes,
                         const std::vector<std::string>& allowed = {}) {
  for (const std::string& text : kPrivate) {
    if (std::find(allowed.begin(), allowed.end(), text) != allowed.end()) continue;
    EXPECT_EQ(bytes.find(text), std::string::npos) << where << " holds " << text;
  }
}

class EvaluationPrivacyTest : public EvaluationFlowTest {
 protected:
  // A relationship with everything private in it: a meeting rated by both with comments, an
  // evidence note, a review answered with a comment (each text ending in the tag).
  Pair Busy(const std::string& tag) {
    const Pair p = Made(tag, /*review_after_meetings=*/2);
    goals_.Add(p.mentee, tag + "-goal", common::v1::FOCUS_AREA_TECHNICAL);
    Held(p, {1, 2});
    EXPECT_TRUE(Rate(p, 1, p.mentee, 5, 5, "mentee-comment-secret-" + tag).ok());
    EXPECT_TRUE(Rate(p, 1, p.mentor, 4, 3, "mentor-comment-secret-" + tag).ok());
    EXPECT_TRUE(
        Progress(p, p.mentor, tag + "-goal", 30, common::v1::GOAL_STATUS_ACTIVE, "evidence-note-secret-" + tag).ok());
    const std::string review = Reviews(p, As(p.mentee))[0].review_id();
    EXPECT_TRUE(AnswerAs(p.mentee, review, common::v1::REVIEW_OUTCOME_CONTINUE, common::v1::CLOSURE_REASON_UNSPECIFIED,
                         "review-comment-secret-" + tag)
                    .ok());
    return p;
  }

  absl::StatusOr<v1::GoalProgress> Progress(const Pair& p, const std::string& who, const std::string& goal, int percent,
                                            common::v1::GoalStatus status, const std::string& note = "") {
    v1::RecordGoalProgressRequest r;
    r.set_relationship_id(p.id);
    r.set_goal_id(goal);
    r.set_progress_percent(percent);
    r.set_status(status);
    r.set_evidence_note(note);
    return progress_.RecordGoalProgress(Call(As(who)), r);
  }

  absl::StatusOr<v1::RelationshipHealth> Health(const Pair& p, const Caller& caller) {
    v1::GetRelationshipHealthRequest r;
    r.set_relationship_id(p.id);
    return programmes_.GetRelationshipHealth(Call(caller), r);
  }

  void Close(const Pair& p, int64_t sequence = 9) {
    EventEnvelope closed = events::NewEvent("matching", "relationship", p.id, sequence, clock_);
    closed.mutable_relationship_closed()->set_relationship_id(p.id);
    closed.mutable_relationship_closed()->set_reason(common::v1::CLOSURE_REASON_GOALS_ACHIEVED);
    *closed.mutable_relationship_closed()->mutable_closed_on() = ToDate(Today(clock_.Now()));
    Deliver(closed);
  }

  absl::StatusOr<v1::ClosureSurvey> Survey(const Pair& p, const std::string& who, const std::string& comment = "") {
    v1::SubmitClosureSurveyRequest r;
    r.set_relationship_id(p.id);
    r.set_outcome_rating(4);
    r.set_satisfaction(5);
    r.set_goals_achieved(2);
    r.set_would_recommend(9);
    r.set_comment(comment);
    return answers_.SubmitClosureSurvey(Call(As(who)), r);
  }
};

TEST_F(EvaluationPrivacyTest, CommentsReachOnlyTheirAuthorAndNotesOnlyThePair) {
  const Pair p = Busy("private");
  // Each sees their own feedback, comment included, and not the other's.
  v1::ListFeedbackRequest list;
  list.set_relationship_id(p.id);
  auto mine = answers_.ListFeedback(Call(As(p.mentor)), list);
  ASSERT_TRUE(mine.ok()) << mine.status();
  ASSERT_THAT(mine->feedback(), SizeIs(1));
  EXPECT_EQ(mine->feedback(0).comment(), "mentor-comment-secret-private");
  ExpectNoPrivateText("the mentor's feedback list", mine->SerializeAsString(), {"mentor-comment-secret"});
  EXPECT_EQ(answers_.ListFeedback(Call(Admin()), list).status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(answers_.ListFeedback(Call(As("stranger")), list).status().code(), absl::StatusCode::kPermissionDenied);

  // Evidence notes: both of the pair, nobody else.
  v1::ListGoalProgressRequest progress;
  progress.set_relationship_id(p.id);
  for (const std::string& who : {p.mentee, p.mentor}) {
    auto listed = progress_.ListGoalProgress(Call(As(who)), progress);
    ASSERT_TRUE(listed.ok()) << listed.status();
    ASSERT_THAT(listed->observations(), SizeIs(1));
    EXPECT_EQ(listed->observations(0).evidence_note(), "evidence-note-secret-private");
  }
  EXPECT_EQ(progress_.ListGoalProgress(Call(Admin()), progress).status().code(), absl::StatusCode::kPermissionDenied);

  // The review: the mentor does not see the mentee's answer while it is open, never its comment.
  const auto mentor_view = Reviews(p, As(p.mentor));
  ASSERT_THAT(mentor_view, SizeIs(1));
  EXPECT_FALSE(mentor_view[0].has_mentee_answer()) << mentor_view[0].DebugString();
  ExpectNoPrivateText("the mentor's review", mentor_view[0].SerializeAsString());
  EXPECT_EQ(Reviews(p, As(p.mentee))[0].mentee_answer().comment(), "review-comment-secret-private");

  // The admin: a review's state and count, a health bucket with admin-visible reasons, and
  // no rating anywhere.
  const auto admin_reviews = Reviews(p, Admin());
  EXPECT_EQ(admin_reviews[0].answers_received(), 1);
  EXPECT_FALSE(admin_reviews[0].has_mentee_answer());
  auto admin = Health(p, Admin());
  ASSERT_TRUE(admin.ok()) << admin.status();
  EXPECT_EQ(admin->view(), v1::HEALTH_VIEW_ADMIN);
  EXPECT_EQ(admin->score(), 0);
  for (const auto& f : admin->factors()) {
    EXPECT_NE(f.kind(), v1::HEALTH_FACTOR_KIND_FEEDBACK);
    EXPECT_NE(f.kind(), v1::HEALTH_FACTOR_KIND_GOALS);
  }
  EXPECT_THAT(admin->summary(), Not(HasSubstr("rated")));
  ExpectNoPrivateText("the admin's health view", admin->SerializeAsString());
  v1::ListRelationshipHealthRequest programme;
  programme.set_programme_id(programme_id_);
  auto listed = programmes_.ListRelationshipHealth(Call(Admin()), programme);
  ASSERT_TRUE(listed.ok()) << listed.status();
  ASSERT_THAT(listed->relationships(), SizeIs(1));
  EXPECT_EQ(listed->relationships(0).SerializeAsString(), admin->SerializeAsString());
  // The pair's view has the ratings behind its score.
  auto pair = Health(p, As(p.mentee));
  ASSERT_TRUE(pair.ok());
  EXPECT_EQ(pair->view(), v1::HEALTH_VIEW_PAIR);
  EXPECT_GT(pair->score(), 0);
  EXPECT_EQ(Health(p, As("stranger")).status().code(), absl::StatusCode::kPermissionDenied);

  // No event carries any of it.
  for (const auto& e : Published()) ExpectNoPrivateText(events::TypeOf(e), e.SerializeAsString());
}

TEST_F(EvaluationPrivacyTest, GoalProgressIsOnTheMenteesGoalsInTheAgreementAndSetsStatusInProfiles) {
  const Pair p = Made("goals");
  goals_.Add(p.mentee, "g-tech", common::v1::FOCUS_AREA_TECHNICAL);
  goals_.Add(p.mentee, "g-wellbeing", common::v1::FOCUS_AREA_WELLBEING);
  goals_.Add(p.mentor, "g-mentors-own", common::v1::FOCUS_AREA_TECHNICAL);
  auto recorded = Progress(p, p.mentor, "g-tech", 40, common::v1::GOAL_STATUS_UNSPECIFIED, "shipped a design doc");
  ASSERT_TRUE(recorded.ok()) << recorded.status();
  EXPECT_EQ(recorded->status(), common::v1::GOAL_STATUS_ACTIVE);
  EXPECT_EQ(recorded->person_id(), p.mentee);
  EXPECT_THAT(goals_.set, IsEmpty());  // nothing changed in profiles
  EXPECT_EQ(Progress(p, p.mentor, "g-wellbeing", 10, common::v1::GOAL_STATUS_ACTIVE).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Progress(p, p.mentor, "g-mentors-own", 10, common::v1::GOAL_STATUS_ACTIVE).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(Progress(p, "stranger", "g-tech", 10, common::v1::GOAL_STATUS_ACTIVE).status().code(),
            absl::StatusCode::kPermissionDenied);

  auto achieved = Progress(p, p.mentee, "g-tech", 90, common::v1::GOAL_STATUS_ACHIEVED);
  ASSERT_TRUE(achieved.ok());
  EXPECT_EQ(achieved->progress_percent(), 100);
  ASSERT_THAT(goals_.set, SizeIs(1));
  EXPECT_EQ(goals_.set[0].person_id, p.mentee);
  EXPECT_EQ(goals_.set[0].goal_id, "g-tech");
  EXPECT_EQ(goals_.set[0].status, common::v1::GOAL_STATUS_ACHIEVED);

  const auto progressed = Published("goal.progressed");
  ASSERT_THAT(progressed, SizeIs(2));
  EXPECT_EQ(progressed[1].aggregate_type(), "person");
  EXPECT_EQ(progressed[1].aggregate_id(), p.mentee);
  EXPECT_EQ(progressed[1].sequence(), 2);
  EXPECT_EQ(progressed[1].goal_progressed().status(), common::v1::GOAL_STATUS_ACHIEVED);
  EXPECT_EQ(progressed[0].SerializeAsString().find("design doc"), std::string::npos);
  // The pair's health counts the latest progress of each goal.
  auto pair = Health(p, As(p.mentee));
  ASSERT_TRUE(pair.ok());
  bool goals_factor = false;
  for (const auto& f : pair->factors()) {
    if (f.kind() == v1::HEALTH_FACTOR_KIND_GOALS) goals_factor = f.score() == 100;
  }
  EXPECT_TRUE(goals_factor) << pair->DebugString();
}

TEST_F(EvaluationPrivacyTest, TheClosureSurveyIsAskedWhenItEndsAndPublishedAsRatingsOnly) {
  const Pair p = Busy("survey");
  EXPECT_EQ(Survey(p, p.mentee).status().code(), absl::StatusCode::kFailedPrecondition);  // not ended yet
  Close(p);
  // The open review is withdrawn; both are asked the survey.
  EXPECT_EQ(Reviews(p, Admin())[0].state(), v1::REVIEW_STATE_WITHDRAWN);
  for (const std::string& who : {p.mentee, p.mentor}) {
    bool asked = false;
    for (const auto& item : Pending(who)) asked |= item.kind() == events::v1::ASK_KIND_CLOSURE_SURVEY;
    EXPECT_TRUE(asked) << who;
  }
  auto answered = Survey(p, p.mentee, "survey-comment-secret");
  ASSERT_TRUE(answered.ok()) << answered.status();
  EXPECT_EQ(Survey(p, p.mentee).status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(Survey(p, "stranger").status().code(), absl::StatusCode::kPermissionDenied);
  v1::GetClosureSurveyRequest get;
  get.set_relationship_id(p.id);
  EXPECT_EQ(answers_.GetClosureSurvey(Call(As(p.mentee)), get)->comment(), "survey-comment-secret");
  EXPECT_EQ(answers_.GetClosureSurvey(Call(As(p.mentor)), get).status().code(), absl::StatusCode::kNotFound);
  const auto completed = Published("survey.completed");
  ASSERT_THAT(completed, SizeIs(1));
  EXPECT_EQ(completed[0].survey_completed().submitted_by(), p.mentee);
  EXPECT_EQ(completed[0].survey_completed().would_recommend(), 9);
  EXPECT_EQ(completed[0].survey_completed().goals_achieved(), 2);
  ExpectNoPrivateText("survey.completed", completed[0].SerializeAsString());
  for (const auto& item : Pending(p.mentee)) EXPECT_NE(item.kind(), events::v1::ASK_KIND_CLOSURE_SURVEY);
}

TEST_F(EvaluationPrivacyTest, ErasureLeavesNoTraceOfThePersonsAnswers) {
  const Pair p = Busy("erase");
  const Pair other = Busy("keep");
  Close(p);
  ASSERT_TRUE(Survey(p, p.mentee, "survey-comment-secret").ok());
  const std::string before = Count("SELECT feedback_count FROM programme_aggregates");

  EventEnvelope erased = events::NewEvent("profiles", "person", p.mentee, 5, clock_);
  erased.mutable_profile_erased()->set_person_id(p.mentee);
  Deliver(erased);

  const std::string who = "'" + p.mentee + "'";
  EXPECT_EQ(Count("SELECT count(*) FROM feedback WHERE person_id = " + who), "0");
  EXPECT_EQ(Count("SELECT count(*) FROM closure_surveys WHERE person_id = " + who), "0");
  EXPECT_EQ(Count("SELECT count(*) FROM goal_observations WHERE person_id = " + who + " OR recorded_by = " + who), "0");
  EXPECT_EQ(Count("SELECT count(*) FROM asks WHERE person_id = " + who), "0");
  // Nothing they wrote is left anywhere in evaluation's tables, stored messages included.
  for (const char* text : {"mentee-comment-secret-erase", "review-comment-secret-erase", "survey-comment-secret"}) {
    for (const char* table : {"feedback", "goal_observations", "asks"}) {
      EXPECT_EQ(Count(absl::StrCat("SELECT count(*) FROM ", table, " t WHERE position('", text, "' in t::text) > 0")),
                "0")
          << table << " holds " << text;
    }
    for (const char* table : {"closure_surveys", "reviews", "relationships"}) {
      EXPECT_EQ(Count(absl::StrCat("SELECT count(*) FROM ", table, " WHERE position(convert_to('", text,
                                   "', 'UTF8') in body) > 0")),
                "0")
          << table << " holds " << text;
    }
  }
  EXPECT_EQ(Count("SELECT count(*) FROM goal_observations WHERE relationship_id = '" + p.id + "'"), "0");
  // Their review answer is gone; what the review came to is the relationship's and stays.
  const auto reviews = Reviews(p, As(p.mentor));
  ASSERT_THAT(reviews, SizeIs(1));
  EXPECT_FALSE(reviews[0].has_mentee_answer());
  // The other pair is untouched, and the programme's anonymous sums are as they were.
  EXPECT_EQ(Count("SELECT count(*) FROM feedback WHERE relationship_id = '" + other.id + "'"), "2");
  EXPECT_EQ(Count("SELECT feedback_count FROM programme_aggregates"), before);
  // Health is recomputed without their ratings: the mentor's 4 and 3 alone.
  const auto health = Record(p.id).health();
  bool feedback_factor = false;
  for (const auto& f : health.factors()) {
    if (f.kind() != v1::HEALTH_FACTOR_KIND_FEEDBACK) continue;
    feedback_factor = true;
    EXPECT_THAT(f.explanation(), HasSubstr("rated 4.0 for rapport and 3.0 for usefulness"));
  }
  EXPECT_TRUE(feedback_factor);
}

TEST_F(EvaluationPrivacyTest, SettingsAreAdminsToSetWithDefaultsAndOptimisticConcurrency) {
  v1::GetProgrammeSettingsRequest get;
  get.set_programme_id(programme_id_);
  auto defaults = programmes_.GetProgrammeSettings(Call(As("anyone")), get);
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->version(), 0);
  EXPECT_EQ(defaults->review_answer_days(), 14);

  v1::UpdateProgrammeSettingsRequest update;
  update.mutable_settings()->set_programme_id(programme_id_);
  update.mutable_settings()->set_rapport_threshold(3);
  update.mutable_settings()->set_review_answer_days(7);
  EXPECT_EQ(programmes_.UpdateProgrammeSettings(Call(As("anyone")), update).status().code(),
            absl::StatusCode::kPermissionDenied);
  auto set = programmes_.UpdateProgrammeSettings(Call(Admin()), update);
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ(set->version(), 1);
  EXPECT_EQ(set->adherence_threshold_percent(), 75);  // left at its default
  EXPECT_EQ(programmes_.UpdateProgrammeSettings(Call(Admin()), update).status().code(), absl::StatusCode::kAborted);
  update.set_expected_version(1);
  update.mutable_settings()->set_min_group_size(1);
  EXPECT_EQ(programmes_.UpdateProgrammeSettings(Call(Admin()), update).status().code(),
            absl::StatusCode::kInvalidArgument);

  // The threshold applies: 3 is low now, and reviews are answered within 7 days.
  const Pair p = Made("settings", 2);
  Held(p, {1, 2});
  ASSERT_TRUE(Rate(p, 2, p.mentee, 3).ok());
  EXPECT_THAT(Published("rapport.at_risk"), SizeIs(1));
  const auto review = Reviews(p, As(p.mentee))[0];
  EXPECT_EQ(FromTimestamp(review.answer_by()) - FromTimestamp(review.opened_at()), absl::Hours(24 * 7));
}

TEST_F(EvaluationPrivacyTest, ProgrammeAggregatesShowRatingsOnlyOverTheMinimumGroupSize) {
  v1::UpdateProgrammeSettingsRequest update;
  update.mutable_settings()->set_programme_id(programme_id_);
  update.mutable_settings()->set_min_group_size(2);
  ASSERT_TRUE(programmes_.UpdateProgrammeSettings(Call(Admin()), update).ok());
  v1::GetProgrammeSummaryRequest get;
  get.set_programme_id(programme_id_);
  const Pair a = Made("agg-a");
  Held(a, {1});
  ASSERT_TRUE(Rate(a, 1, a.mentee, 5, 3).ok());
  auto one = programmes_.GetProgrammeSummary(Call(Admin()), get);
  ASSERT_TRUE(one.ok()) << one.status();
  EXPECT_EQ(one->relationships(), 1);
  EXPECT_FALSE(one->ratings_shown());  // one pair's rating would be that pair's
  EXPECT_EQ(one->mean_rapport(), 0);
  const Pair b = Made("agg-b");
  Held(b, {1});
  ASSERT_TRUE(Rate(b, 1, b.mentor, 3, 5).ok());
  auto two = programmes_.GetProgrammeSummary(Call(Admin()), get);
  ASSERT_TRUE(two.ok());
  EXPECT_TRUE(two->ratings_shown());
  EXPECT_DOUBLE_EQ(two->mean_rapport(), 4.0);
  EXPECT_DOUBLE_EQ(two->mean_usefulness(), 4.0);
  EXPECT_EQ(two->relationships_with_feedback(), 2);
  EXPECT_EQ(programmes_.GetProgrammeSummary(Call(As(a.mentee)), get).status().code(),
            absl::StatusCode::kPermissionDenied);
}

}  // namespace
}  // namespace mentoring::evaluation
