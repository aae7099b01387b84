// The evaluation rules without I/O: who may do what, answers and their limits, counting
// meetings (duplicates and order do not matter), the rapport check, the review combination
// rule, what each caller sees of a review, and page tokens.
#include "evaluation_rules.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "mentoring/runtime/errors.h"

namespace mentoring::evaluation {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

std::vector<std::pair<std::string, std::string>> Violations(const absl::Status& status) {
  std::vector<std::pair<std::string, std::string>> out;
  const common::v1::ErrorDetails details = errors::DetailsOf(status);
  for (const auto& v : details.field_violations()) out.emplace_back(v.field(), v.rule());
  return out;
}

v1::RelationshipRecord PairOf(const std::string& mentee, const std::string& mentor) {
  v1::RelationshipRecord r;
  r.set_relationship_id("r-1");
  r.set_mentee_id(mentee);
  r.set_mentor_id(mentor);
  return r;
}

Meeting Held(int n) { return {"m" + std::to_string(n), n, MeetingOutcome::kHeld}; }
Meeting Missed(int n) { return {"m" + std::to_string(n), n, MeetingOutcome::kMissed}; }
Meeting Cancelled(int n) { return {"m" + std::to_string(n), n, MeetingOutcome::kCancelledByParty}; }

v1::ReviewAnswer Answer(common::v1::ReviewOutcome outcome,
                        common::v1::ClosureReason reason = common::v1::CLOSURE_REASON_UNSPECIFIED) {
  v1::ReviewAnswer a;
  a.set_answer(outcome);
  a.set_closure_reason(reason);
  a.set_comment("private thoughts");
  return a;
}

TEST(WhoMay, OnlyTheTwoPeopleArePartiesAndServicesSeeWhatAdminsSee) {
  const auto r = PairOf("mentee", "mentor");
  EXPECT_EQ(PartyOf(r, {"mentee", {roles::kEmployee}}), Party::kMentee);
  EXPECT_EQ(PartyOf(r, {"mentor", {roles::kEmployee}}), Party::kMentor);
  EXPECT_EQ(PartyOf(r, {"someone", {roles::kEmployee}}), Party::kNone);
  // A service named like a person is still not that person.
  EXPECT_EQ(PartyOf(r, {"mentee", {roles::kService}}), Party::kNone);
  EXPECT_TRUE(IsAdmin({"a", {roles::kProgrammeAdmin}}));
  EXPECT_TRUE(IsAdmin({"matching", {roles::kService}}));
  EXPECT_FALSE(IsAdmin({"e", {roles::kEmployee}}));
  EXPECT_EQ(RequirePair(r, {"someone", {roles::kProgrammeAdmin}}, "x").code(), absl::StatusCode::kPermissionDenied);
}

TEST(Answers, EachRatingIsCheckedAndEveryProblemNamed) {
  v1::SubmitFeedbackRequest feedback;
  feedback.set_rapport(0);
  feedback.set_usefulness(6);
  feedback.set_comment(std::string(kMaxText + 1, 'x'));
  EXPECT_THAT(Violations(ValidateFeedback(feedback)),
              UnorderedElementsAre(Pair("meeting_id", "required"), Pair("rapport", "range_1_5"),
                                   Pair("usefulness", "range_1_5"), Pair("comment", "max_length")));
  feedback.set_meeting_id("m");
  feedback.set_rapport(1);
  feedback.set_usefulness(5);
  feedback.clear_comment();
  EXPECT_TRUE(ValidateFeedback(feedback).ok());

  v1::SubmitClosureSurveyRequest survey;
  survey.set_relationship_id("r");
  survey.set_outcome_rating(5);
  survey.set_satisfaction(4);
  survey.set_goals_achieved(6);
  survey.set_would_recommend(11);
  EXPECT_THAT(Violations(ValidateSurvey(survey)),
              UnorderedElementsAre(Pair("goals_achieved", "range_0_5"), Pair("would_recommend", "range_0_10")));
  survey.set_goals_achieved(0);
  survey.set_would_recommend(0);
  EXPECT_TRUE(ValidateSurvey(survey).ok());  // zero is a real answer for both
}

TEST(Answers, ProgressDefaultsToActiveAndAchievedMeansAllTheWay) {
  v1::RecordGoalProgressRequest p;
  p.set_relationship_id("r");
  p.set_goal_id("g");
  p.set_progress_percent(40);
  ASSERT_TRUE(NormaliseProgress(p).ok());
  EXPECT_EQ(p.status(), common::v1::GOAL_STATUS_ACTIVE);
  p.set_status(common::v1::GOAL_STATUS_ACHIEVED);
  ASSERT_TRUE(NormaliseProgress(p).ok());
  EXPECT_EQ(p.progress_percent(), 100);
  p.set_progress_percent(101);
  p.set_status(common::v1::GOAL_STATUS_ABANDONED);
  EXPECT_THAT(Violations(NormaliseProgress(p)), ElementsAre(Pair("progress_percent", "range_0_100")));
}

TEST(Answers, AReviewAnswerIsContinueAmendOrEndAndEndSaysWhy) {
  v1::AnswerReviewRequest a;
  a.set_review_id("v");
  a.set_answer(common::v1::REVIEW_OUTCOME_UNDECIDED);  // an outcome, never an answer
  EXPECT_THAT(Violations(ValidateReviewAnswer(a)), ElementsAre(Pair("answer", "review_answer")));
  a.set_answer(common::v1::REVIEW_OUTCOME_END);
  EXPECT_THAT(Violations(ValidateReviewAnswer(a)), ElementsAre(Pair("closure_reason", "closure_reason")));
  a.set_closure_reason(common::v1::CLOSURE_REASON_GOALS_ACHIEVED);
  EXPECT_TRUE(ValidateReviewAnswer(a).ok());
  a.set_answer(common::v1::REVIEW_OUTCOME_CONTINUE);
  EXPECT_THAT(Violations(ValidateReviewAnswer(a)), ElementsAre(Pair("closure_reason", "end_only")));
}

TEST(Settings, ZeroMeansTheDefaultAndEachBoundIsNamed) {
  v1::ProgrammeSettings s;
  s.set_programme_id("p");
  const auto d = WithDefaults(s);
  EXPECT_EQ(d.rapport_threshold(), 2);
  EXPECT_EQ(d.adherence_threshold_percent(), 75);
  EXPECT_EQ(d.review_answer_days(), 14);
  EXPECT_EQ(d.min_group_size(), 5);
  EXPECT_TRUE(ValidateSettings(s).ok());
  s.set_rapport_threshold(5);
  s.set_review_answer_days(91);
  s.set_min_group_size(1);
  EXPECT_THAT(Violations(ValidateSettings(s)), UnorderedElementsAre(Pair("settings.rapport_threshold", "range_1_4"),
                                                                    Pair("settings.review_answer_days", "range_1_90"),
                                                                    Pair("settings.min_group_size", "range_2_1000")));
}

TEST(Meetings, TheTallyIsByMeetingNumberWhateverTheOrderTheyArrived) {
  const auto tally = Tally({Missed(4), Held(1), Cancelled(3), Held(2), Missed(5)});
  EXPECT_EQ(tally.held(), 2);
  EXPECT_EQ(tally.missed(), 2);
  EXPECT_EQ(tally.cancelled(), 1);
  EXPECT_EQ(tally.due(), 5);
  EXPECT_EQ(tally.missed_in_a_row(), 2);  // 4 and 5, the cancelled 3 aside
  EXPECT_EQ(tally.second_held_meeting_id(), "m2");
  // The second held meeting is the second by number, even if a later one arrived first.
  EXPECT_EQ(Tally({Held(3), Held(1)}).second_held_meeting_id(), "m3");
  EXPECT_EQ(Tally({Held(3), Held(1), Held(2)}).second_held_meeting_id(), "m2");
  // A system cancellation (the relationship closed) does not count as due.
  EXPECT_EQ(Tally({{"x", 1, MeetingOutcome::kCancelledBySystem}}).due(), 0);
}

TEST(Meetings, TwoMissedInARowAreSignalledOncePerStreak) {
  google::protobuf::RepeatedField<int32_t> signalled;
  EXPECT_TRUE(UnsignalledStreaks({Held(1), Missed(2)}, signalled).empty());
  auto streaks = UnsignalledStreaks({Held(1), Missed(2), Cancelled(3), Missed(4)}, signalled);
  ASSERT_EQ(streaks.size(), 1u);
  EXPECT_EQ(streaks[0].first_occurrence, 2);
  EXPECT_EQ(streaks[0].length, 2);
  signalled.Add(2);
  // The same streak growing, or an earlier miss arriving late, is still the same streak.
  EXPECT_TRUE(UnsignalledStreaks({Held(1), Missed(2), Missed(4), Missed(5)}, signalled).empty());
  EXPECT_TRUE(UnsignalledStreaks({Missed(1), Missed(2), Missed(4)}, signalled).empty());
  // A new streak after a held meeting is new.
  streaks = UnsignalledStreaks({Missed(2), Missed(4), Held(5), Missed(6), Missed(7)}, signalled);
  ASSERT_EQ(streaks.size(), 1u);
  EXPECT_EQ(streaks[0].first_occurrence, 6);
}

TEST(Meetings, AdherenceNeedsThreeDueMeetings) {
  EXPECT_FALSE(AdherencePercent(Tally({Held(1), Missed(2)})).has_value());
  EXPECT_EQ(AdherencePercent(Tally({Held(1), Missed(2), Cancelled(3)})), 33);
  EXPECT_EQ(AdherencePercent(Tally({Held(1), Held(2), Held(3), Missed(4)})), 75);
}

TEST(RapportCheck, OnlyAfterTheSecondMeetingAndLowFromEitherPartyDecidesIt) {
  EXPECT_EQ(RapportCheck(1, 1, 1, 2).state, v1::RAPPORT_CHECK_STATE_NOT_DUE);
  EXPECT_EQ(RapportCheck(2, std::nullopt, std::nullopt, 2).state, v1::RAPPORT_CHECK_STATE_ASKED);
  EXPECT_EQ(RapportCheck(2, 4, std::nullopt, 2).state, v1::RAPPORT_CHECK_STATE_ASKED);
  EXPECT_EQ(RapportCheck(2, 4, 3, 2).state, v1::RAPPORT_CHECK_STATE_FINE);
  // At the threshold is low; the score is the lower of the two ratings.
  auto low = RapportCheck(2, 4, 2, 2);
  EXPECT_EQ(low.state, v1::RAPPORT_CHECK_STATE_LOW);
  EXPECT_EQ(low.score, 2);
  low = RapportCheck(3, 1, 2, 2);
  EXPECT_EQ(low.score, 1);
  // One low answer is enough: the other need not be waited for.
  low = RapportCheck(2, std::nullopt, 1, 2);
  EXPECT_EQ(low.state, v1::RAPPORT_CHECK_STATE_LOW);
  EXPECT_EQ(low.score, 1);
}

TEST(Reviews, EndIfEitherSaysEndOtherwiseAmendIfEitherSaysAmendOtherwiseContinue) {
  using enum common::v1::ReviewOutcome;
  const v1::ReviewAnswer none;
  EXPECT_EQ(CombineAnswers(Answer(REVIEW_OUTCOME_CONTINUE), Answer(REVIEW_OUTCOME_CONTINUE)), REVIEW_OUTCOME_CONTINUE);
  EXPECT_EQ(CombineAnswers(Answer(REVIEW_OUTCOME_AMEND), Answer(REVIEW_OUTCOME_CONTINUE)), REVIEW_OUTCOME_AMEND);
  EXPECT_EQ(CombineAnswers(Answer(REVIEW_OUTCOME_CONTINUE), Answer(REVIEW_OUTCOME_AMEND)), REVIEW_OUTCOME_AMEND);
  EXPECT_EQ(CombineAnswers(Answer(REVIEW_OUTCOME_AMEND), Answer(REVIEW_OUTCOME_END)), REVIEW_OUTCOME_END);
  EXPECT_EQ(CombineAnswers(Answer(REVIEW_OUTCOME_END), Answer(REVIEW_OUTCOME_CONTINUE)), REVIEW_OUTCOME_END);
  // Certain before both answered only when it is an end.
  EXPECT_EQ(CombineAnswers(none, Answer(REVIEW_OUTCOME_END)), REVIEW_OUTCOME_END);
  EXPECT_EQ(CombineAnswers(Answer(REVIEW_OUTCOME_AMEND), none), REVIEW_OUTCOME_UNSPECIFIED);
  EXPECT_EQ(CombineAnswers(none, none), REVIEW_OUTCOME_UNSPECIFIED);
  // The reason of an end: whoever said it, the mentee's when both did.
  using enum common::v1::ClosureReason;
  EXPECT_EQ(ClosureReasonOf(none, Answer(REVIEW_OUTCOME_END, CLOSURE_REASON_NO_RAPPORT)), CLOSURE_REASON_NO_RAPPORT);
  EXPECT_EQ(ClosureReasonOf(Answer(REVIEW_OUTCOME_END, CLOSURE_REASON_GOALS_ACHIEVED),
                            Answer(REVIEW_OUTCOME_END, CLOSURE_REASON_OTHER)),
            CLOSURE_REASON_GOALS_ACHIEVED);
}

TEST(Reviews, AnAdminNeverSeesWhoSaidWhatAndThePairSeesTheOthersAnswerOnlyOnceSettled) {
  v1::Review review;
  review.set_state(v1::REVIEW_STATE_OPEN);
  *review.mutable_mentee_answer() = Answer(common::v1::REVIEW_OUTCOME_AMEND);
  *review.mutable_mentor_answer() = Answer(common::v1::REVIEW_OUTCOME_CONTINUE);
  const auto admin = ReviewView(review, Party::kNone);
  EXPECT_FALSE(admin.has_mentee_answer());
  EXPECT_FALSE(admin.has_mentor_answer());
  EXPECT_EQ(admin.answers_received(), 2);
  auto mentee = ReviewView(review, Party::kMentee);
  EXPECT_EQ(mentee.mentee_answer().comment(), "private thoughts");
  EXPECT_EQ(mentee.mentor_answer().answer(), common::v1::REVIEW_OUTCOME_UNSPECIFIED);
  review.set_state(v1::REVIEW_STATE_DECIDED);
  mentee = ReviewView(review, Party::kMentee);
  EXPECT_EQ(mentee.mentor_answer().answer(), common::v1::REVIEW_OUTCOME_CONTINUE);
  EXPECT_EQ(mentee.mentor_answer().comment(), "");  // a comment is its author's alone
}

TEST(Reviews, TheMeetingsTriggerRecursEveryNHeldMeetings) {
  auto r = PairOf("a", "b");
  r.mutable_terms()->set_review_after_meetings(4);
  r.mutable_tally()->set_held(3);
  EXPECT_FALSE(MeetingsReviewDue(r));
  r.mutable_tally()->set_held(4);
  EXPECT_TRUE(MeetingsReviewDue(r));
  r.set_review_meetings_mark(4);
  EXPECT_FALSE(MeetingsReviewDue(r));
  r.mutable_tally()->set_held(8);
  EXPECT_TRUE(MeetingsReviewDue(r));
  r.mutable_terms()->set_review_after_meetings(0);
  EXPECT_FALSE(MeetingsReviewDue(r));
}

TEST(Pages, ATokenRoundTripsAndAForeignOneIsRefused) {
  const std::string token = PageToken({1234567, "ask-9"});
  auto parsed = ParsePageToken(token);
  ASSERT_TRUE(parsed.ok());
  ASSERT_TRUE(parsed->has_value());
  EXPECT_EQ((*parsed)->key, 1234567);
  EXPECT_EQ((*parsed)->id, "ask-9");
  EXPECT_FALSE(ParsePageToken("not a token!").ok());
  EXPECT_FALSE(ParsePageToken(PageToken({1, ""})).ok());
  EXPECT_FALSE(ParsePageToken("").value().has_value());
  EXPECT_EQ(*PageSize(0), 50);
  EXPECT_FALSE(PageSize(201).ok());
}

TEST(Dates, UnsetAndImpossibleDatesAreNoDates) {
  EXPECT_EQ(DateText(ToDate(absl::CivilDay(2027, 3, 1))), "2027-03-01");
  EXPECT_EQ(DateText(common::v1::Date()), "");
  common::v1::Date feb30;
  feb30.set_year(2027);
  feb30.set_month(2);
  feb30.set_day(30);
  EXPECT_FALSE(DayOf(feb30).has_value());
}

}  // namespace
}  // namespace mentoring::evaluation
