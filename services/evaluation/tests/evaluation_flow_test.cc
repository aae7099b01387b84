// How evaluation follows a relationship, on a scratch database: the rapport check (once,
// only after the second held meeting, whatever the duplicates and the order), the review
// (its triggers, the combination rule, reminders and the undecided path), the risk signals,
// and what is pending for each person, page by page.
#include "flow_fixture.h"

namespace mentoring::evaluation {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::SizeIs;

TEST_F(EvaluationFlowTest, TheRapportCheckFiresOnceOnlyAfterTheSecondHeldMeetingWhateverTheOrder) {
  const Pair p{NewUuidV7(), "rc-mentee", "rc-mentor"};
  // Scheduling's first meeting arrives before matching's match.made: it waits, parked.
  Deliver(MeetingEvent(p, 1, MeetingOutcome::kHeld));
  EXPECT_EQ(Count("SELECT count(*) FROM parked_events"), "1");
  Deliver(MatchMade(p));
  EXPECT_EQ(Count("SELECT count(*) FROM parked_events"), "0");
  EXPECT_EQ(Record(p.id).tally().held(), 1);

  // Low ratings after one meeting are no rapport check yet.
  ASSERT_TRUE(Rate(p, 1, p.mentee, 1).ok());
  ASSERT_TRUE(Rate(p, 1, p.mentor, 1).ok());
  EXPECT_THAT(Published("rapport.at_risk"), IsEmpty());
  EXPECT_EQ(Record(p.id).rapport_check(), v1::RAPPORT_CHECK_STATE_NOT_DUE);

  // The second meeting, delivered twice, and once more as a copy with a new event id.
  const EventEnvelope second = MeetingEvent(p, 2, MeetingOutcome::kHeld);
  Deliver(second);
  Deliver(second);
  EventEnvelope copy = second;
  copy.set_event_id(NewUuidV7());
  Deliver(copy);
  EXPECT_EQ(Record(p.id).tally().held(), 2);
  EXPECT_EQ(Record(p.id).rapport_check(), v1::RAPPORT_CHECK_STATE_ASKED);
  // Both are asked: their feedback on the second meeting is the check.
  for (const std::string& who : {p.mentee, p.mentor}) {
    const auto pending = Pending(who);
    ASSERT_THAT(pending, SizeIs(1));
    EXPECT_EQ(pending[0].item_id(), MeetingId(p, 2));
    EXPECT_TRUE(pending[0].rapport_check());
  }
  ASSERT_TRUE(Rate(p, 2, p.mentee, 4).ok());
  EXPECT_THAT(Published("rapport.at_risk"), IsEmpty());
  ASSERT_TRUE(Rate(p, 2, p.mentor, 2).ok());  // at the programme's threshold (2): low
  auto at_risk = Published("rapport.at_risk");
  ASSERT_THAT(at_risk, SizeIs(1));
  EXPECT_EQ(at_risk[0].aggregate_id(), p.id);
  EXPECT_EQ(at_risk[0].rapport_at_risk().rapport_score(), 2);  // the lower of 4 and 2
  EXPECT_EQ(at_risk[0].rapport_at_risk().meetings_considered(), 2);
  EXPECT_EQ(at_risk[0].rapport_at_risk().mentee_id(), p.mentee);
  EXPECT_EQ(at_risk[0].rapport_at_risk().mentor_id(), p.mentor);
  EXPECT_EQ(Record(p.id).rapport_check(), v1::RAPPORT_CHECK_STATE_LOW);

  // Later low ratings, and a late third meeting, never raise it again.
  Held(p, {3});
  ASSERT_TRUE(Rate(p, 3, p.mentee, 1).ok());
  ASSERT_TRUE(Rate(p, 3, p.mentor, 1).ok());
  EXPECT_THAT(Published("rapport.at_risk"), SizeIs(1));
  // Each rating was published with both numbers and nothing else.
  const auto feedback = Published("feedback.submitted");
  ASSERT_THAT(feedback, SizeIs(6));
  EXPECT_EQ(feedback[0].feedback_submitted().usefulness(), 4);
  // Sequences of evaluation's relationship events only go up.
  int64_t last = 0;
  for (const auto& e : PublishedAbout(p.id, "")) {
    if (e.aggregate_type() != "relationship") continue;
    EXPECT_GT(e.sequence(), last);
    last = e.sequence();
  }
  // A meeting may be rated once per person, and only by its two people.
  EXPECT_EQ(Rate(p, 3, p.mentee, 5).status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(Rate(p, 3, "someone-else", 5).status().code(), absl::StatusCode::kPermissionDenied);
}

TEST_F(EvaluationFlowTest, AFineRapportCheckNeedsBothAndIsNeverTakenAgain) {
  const Pair p = Made("fine");
  Held(p, {2, 1});  // reordered
  ASSERT_TRUE(Rate(p, 2, p.mentee, 3).ok());
  ASSERT_TRUE(Rate(p, 2, p.mentor, 5).ok());
  EXPECT_EQ(Record(p.id).rapport_check(), v1::RAPPORT_CHECK_STATE_FINE);
  Held(p, {3});
  ASSERT_TRUE(Rate(p, 3, p.mentee, 1).ok());
  EXPECT_THAT(Published("rapport.at_risk"), IsEmpty());
}

TEST_F(EvaluationFlowTest, ReviewAnswersCombineEndIfEitherSaysEndThenAmendThenContinue) {
  using enum common::v1::ReviewOutcome;
  struct Case {
    common::v1::ReviewOutcome mentee, mentor, expected;
    common::v1::ClosureReason reason;
  };
  const std::vector<Case> cases = {
      {REVIEW_OUTCOME_CONTINUE, REVIEW_OUTCOME_CONTINUE, REVIEW_OUTCOME_CONTINUE,
       common::v1::CLOSURE_REASON_UNSPECIFIED},
      {REVIEW_OUTCOME_AMEND, REVIEW_OUTCOME_CONTINUE, REVIEW_OUTCOME_AMEND, common::v1::CLOSURE_REASON_UNSPECIFIED},
      {REVIEW_OUTCOME_CONTINUE, REVIEW_OUTCOME_AMEND, REVIEW_OUTCOME_AMEND, common::v1::CLOSURE_REASON_UNSPECIFIED},
      {REVIEW_OUTCOME_AMEND, REVIEW_OUTCOME_END, REVIEW_OUTCOME_END, common::v1::CLOSURE_REASON_NO_LONGER_BENEFICIAL},
  };
  int n = 0;
  for (const Case& c : cases) {
    SCOPED_TRACE(++n);
    const Pair p = Made(absl::StrCat("combine-", n), /*review_after_meetings=*/2);
    Held(p, {1});
    EXPECT_THAT(Reviews(p, As(p.mentee)), IsEmpty());
    Held(p, {2});
    auto reviews = Reviews(p, As(p.mentee));
    ASSERT_THAT(reviews, SizeIs(1));
    EXPECT_EQ(reviews[0].state(), v1::REVIEW_STATE_OPEN);
    EXPECT_EQ(reviews[0].trigger(), v1::REVIEW_TRIGGER_MEETINGS);
    EXPECT_EQ(reviews[0].meetings_held(), 2);
    const std::string id = reviews[0].review_id();
    ASSERT_TRUE(AnswerAs(p.mentee, id, c.mentee).ok());
    auto settled = AnswerAs(p.mentor, id, c.mentor,
                            c.mentor == REVIEW_OUTCOME_END ? c.reason : common::v1::CLOSURE_REASON_UNSPECIFIED);
    ASSERT_TRUE(settled.ok()) << settled.status();
    EXPECT_EQ(settled->state(), v1::REVIEW_STATE_DECIDED);
    EXPECT_EQ(settled->outcome(), c.expected);
    const auto completed = PublishedAbout(p.id, "review.completed");
    ASSERT_THAT(completed, SizeIs(1));
    EXPECT_EQ(completed[0].review_completed().outcome(), c.expected);
    EXPECT_EQ(completed[0].review_completed().closure_reason(), c.reason);
    EXPECT_EQ(completed[0].review_completed().meetings_held(), 2);
    EXPECT_EQ(completed[0].review_completed().review_id(), id);
  }
}

TEST_F(EvaluationFlowTest, AnEndSettlesAtOnceAndTheOtherAnswerIsNoLongerAsked) {
  const Pair p = Made("end-now", 2);
  Held(p, {1, 2});
  const std::string id = Reviews(p, As(p.mentor))[0].review_id();
  auto ended = AnswerAs(p.mentor, id, common::v1::REVIEW_OUTCOME_END, common::v1::CLOSURE_REASON_NO_RAPPORT,
                        "private: I dread these meetings");
  ASSERT_TRUE(ended.ok()) << ended.status();
  EXPECT_EQ(ended->outcome(), common::v1::REVIEW_OUTCOME_END);
  EXPECT_EQ(ended->closure_reason(), common::v1::CLOSURE_REASON_NO_RAPPORT);
  for (const auto& item : Pending(p.mentee)) EXPECT_NE(item.kind(), events::v1::ASK_KIND_REVIEW);
  EXPECT_EQ(AnswerAs(p.mentee, id, common::v1::REVIEW_OUTCOME_CONTINUE).status().code(),
            absl::StatusCode::kFailedPrecondition);
  // The mentee sees the mentor's answer now that it is settled, never its comment.
  const auto seen = Reviews(p, As(p.mentee))[0];
  EXPECT_EQ(seen.mentor_answer().answer(), common::v1::REVIEW_OUTCOME_END);
  EXPECT_EQ(seen.mentor_answer().comment(), "");
  EXPECT_EQ(Reviews(p, As(p.mentor))[0].mentor_answer().comment(), "private: I dread these meetings");
}

TEST_F(EvaluationFlowTest, AnUnansweredReviewIsRemindedThenRecordedUndecidedForTheAdmin) {
  const Pair p = Made("undecided", 2);
  Held(p, {1, 2});
  // The feedback asks would be reminded too: answer them, to watch the review alone.
  for (int m : {1, 2}) {
    ASSERT_TRUE(Rate(p, m, p.mentee, 4).ok());
    ASSERT_TRUE(Rate(p, m, p.mentor, 4).ok());
  }
  const std::string id = Reviews(p, As(p.mentee))[0].review_id();
  ASSERT_TRUE(AnswerAs(p.mentee, id, common::v1::REVIEW_OUTCOME_CONTINUE).ok());

  clock_.Advance(absl::Hours(24 * 13));
  Sweep();
  EXPECT_THAT(Published("reminder.due"), IsEmpty());
  clock_.Advance(absl::Hours(24 * 1 + 1));
  Sweep();
  Sweep();  // once per question
  const auto reminders = Published("reminder.due");
  ASSERT_THAT(reminders, SizeIs(1));  // the mentee answered: only the mentor is reminded
  EXPECT_EQ(reminders[0].aggregate_type(), "person");
  EXPECT_EQ(reminders[0].aggregate_id(), p.mentor);
  EXPECT_EQ(reminders[0].reminder_due().kind(), events::v1::ASK_KIND_REVIEW);
  EXPECT_EQ(reminders[0].reminder_due().item_id(), id);
  EXPECT_TRUE(reminders[0].reminder_due().has_undecided_after());
  auto admin = programmes_.GetRelationshipHealth(Call(Admin()), [&] {
    v1::GetRelationshipHealthRequest r;
    r.set_relationship_id(p.id);
    return r;
  }());
  ASSERT_TRUE(admin.ok());
  ASSERT_FALSE(admin->reasons().empty());
  EXPECT_EQ(admin->reasons(0).code(), v1::HEALTH_REASON_REVIEW_OVERDUE);

  clock_.Advance(absl::Hours(24 * 14));
  Sweep();
  const auto completed = PublishedAbout(p.id, "review.completed");
  ASSERT_THAT(completed, SizeIs(1));
  EXPECT_EQ(completed[0].review_completed().outcome(), common::v1::REVIEW_OUTCOME_UNDECIDED);
  EXPECT_THAT(Pending(p.mentor), IsEmpty());
  // For the admin's attention: the programme's undecided reviews, without who said what.
  v1::ListReviewsRequest undecided;
  undecided.set_programme_id(programme_id_);
  undecided.set_state(v1::REVIEW_STATE_UNDECIDED);
  auto listed = reviews_.ListReviews(Call(Admin()), undecided);
  ASSERT_TRUE(listed.ok()) << listed.status();
  ASSERT_THAT(listed->reviews(), SizeIs(1));
  EXPECT_EQ(listed->reviews(0).review_id(), id);
  EXPECT_FALSE(listed->reviews(0).has_mentee_answer());
  EXPECT_EQ(listed->reviews(0).answers_received(), 1);
  EXPECT_EQ(Record(p.id).admin_health().bucket(), v1::HEALTH_BUCKET_WATCH);
  EXPECT_EQ(reviews_.ListReviews(Call(As(p.mentee)), undecided).status().code(), absl::StatusCode::kPermissionDenied);
}

TEST_F(EvaluationFlowTest, TheReviewDateOpensOneReviewAndTheMeetingsTriggerRecurs) {
  const absl::CivilDay today = Today(clock_.Now());
  const Pair p = Made("dated", /*review_after_meetings=*/2, std::nullopt, today + 3);
  Sweep();
  EXPECT_THAT(Reviews(p, Admin()), IsEmpty());
  clock_.Advance(absl::Hours(24 * 4));
  Sweep();
  Sweep();
  auto reviews = Reviews(p, Admin());
  ASSERT_THAT(reviews, SizeIs(1));
  EXPECT_EQ(reviews[0].trigger(), v1::REVIEW_TRIGGER_DATE);
  // While it is open, reaching the meetings trigger opens no second one.
  Held(p, {1, 2});
  EXPECT_THAT(Reviews(p, Admin()), SizeIs(1));
  ASSERT_TRUE(AnswerAs(p.mentee, reviews[0].review_id(), common::v1::REVIEW_OUTCOME_CONTINUE).ok());
  ASSERT_TRUE(AnswerAs(p.mentor, reviews[0].review_id(), common::v1::REVIEW_OUTCOME_CONTINUE).ok());
  // Every two held meetings after that.
  clock_.Advance(absl::Minutes(1));
  Held(p, {3});
  EXPECT_THAT(Reviews(p, Admin()), SizeIs(1));
  Held(p, {4});
  reviews = Reviews(p, Admin());
  ASSERT_THAT(reviews, SizeIs(2));
  EXPECT_EQ(reviews[1].trigger(), v1::REVIEW_TRIGGER_MEETINGS);
  EXPECT_EQ(reviews[1].meetings_held(), 4);
}

TEST_F(EvaluationFlowTest, RiskSignalsAreRaisedOnceEach) {
  const Pair p = Made("risky", /*review_after_meetings=*/0);
  // Two missed in a row (by number: 3 arrives before 2), then a third: one signal.
  Held(p, {1});
  Missed(p, {3, 2});
  Missed(p, {4});
  auto risks = PublishedAbout(p.id, "risk.raised");
  std::vector<events::v1::RiskKind> kinds;
  for (const auto& e : risks) kinds.push_back(e.risk_raised().kind());
  EXPECT_THAT(kinds,
              ElementsAre(events::v1::RISK_KIND_TWO_MISSED_IN_A_ROW, events::v1::RISK_KIND_CADENCE_BELOW_THRESHOLD));
  EXPECT_EQ(risks[0].risk_raised().missed_in_a_row(), 2);
  EXPECT_EQ(risks[1].risk_raised().adherence_percent(), 33);
  EXPECT_EQ(risks[1].risk_raised().threshold_percent(), 75);
  // After a held meeting, a new streak is a new signal; cadence stays below: no repeat.
  Held(p, {5});
  Missed(p, {6, 7});
  risks = PublishedAbout(p.id, "risk.raised");
  ASSERT_THAT(risks, SizeIs(3));
  EXPECT_EQ(risks[2].risk_raised().kind(), events::v1::RISK_KIND_TWO_MISSED_IN_A_ROW);
  // The admin sees the facts behind it, as reasons.
  const auto admin = Record(p.id).admin_health();
  EXPECT_EQ(admin.bucket(), v1::HEALTH_BUCKET_AT_RISK);
  std::vector<v1::HealthReason> codes;
  for (const auto& r : admin.reasons()) codes.push_back(r.code());
  EXPECT_THAT(codes, ElementsAre(v1::HEALTH_REASON_ATTENDANCE_LOW, v1::HEALTH_REASON_MISSED_IN_A_ROW,
                                 v1::HEALTH_REASON_CADENCE_BELOW_THRESHOLD));
}

TEST_F(EvaluationFlowTest, OverrunningTheEndDateWithoutAReviewIsSignalledOnce) {
  const Pair p = Made("overrun", 0, Today(clock_.Now()) + 2);
  Sweep();
  EXPECT_THAT(PublishedAbout(p.id, "risk.raised"), IsEmpty());
  clock_.Advance(absl::Hours(24 * 3));
  Sweep();
  Sweep();
  const auto risks = PublishedAbout(p.id, "risk.raised");
  ASSERT_THAT(risks, SizeIs(1));
  EXPECT_EQ(risks[0].risk_raised().kind(), events::v1::RISK_KIND_OVERRAN_END_WITHOUT_REVIEW);
  EXPECT_EQ(DateText(risks[0].risk_raised().end_date()), DateText(ToDate(Today(clock_.Now()) - 1)));
  EXPECT_EQ(Record(p.id).admin_health().reasons(0).code(), v1::HEALTH_REASON_PAST_END_DATE);
  // Closed, it is past nothing.
  EventEnvelope closed = events::NewEvent("matching", "relationship", p.id, 3, clock_);
  closed.mutable_relationship_closed()->set_relationship_id(p.id);
  closed.mutable_relationship_closed()->set_reason(common::v1::CLOSURE_REASON_TIME_ENDED);
  Deliver(closed);
  EXPECT_EQ(Record(p.id).status(), v1::RELATIONSHIP_STATUS_CLOSED);
  EXPECT_TRUE(Record(p.id).admin_health().reasons().empty());
}

TEST_F(EvaluationFlowTest, FeedbackMissingForThreeHeldMeetingsIsRemindedAndSignalledPerPerson) {
  const Pair p = Made("silent", 0);
  Held(p, {1, 2, 3});
  ASSERT_TRUE(Rate(p, 1, p.mentor, 4).ok());  // the mentor answered one
  clock_.Advance(absl::Hours(24 * 15));
  Sweep();
  // A reminder per unanswered question: 3 for the mentee, 2 for the mentor.
  EXPECT_THAT(Published("reminder.due"), SizeIs(5));
  const auto risks = PublishedAbout(p.id, "risk.raised");
  ASSERT_THAT(risks, SizeIs(1));
  EXPECT_EQ(risks[0].risk_raised().kind(), events::v1::RISK_KIND_FEEDBACK_MISSING);
  EXPECT_EQ(risks[0].risk_raised().person_id(), p.mentee);
  EXPECT_EQ(risks[0].risk_raised().meetings_without_feedback(), 3);
  Sweep();
  EXPECT_THAT(Published("reminder.due"), SizeIs(5));
  EXPECT_THAT(PublishedAbout(p.id, "risk.raised"), SizeIs(1));
  // The pair sees why; the admin does not.
  const v1::RelationshipRecord record = Record(p.id);
  bool pair_sees = false;
  for (const auto& r : record.health().reasons()) pair_sees |= r.code() == v1::HEALTH_REASON_FEEDBACK_MISSING;
  EXPECT_TRUE(pair_sees);
  for (const auto& r : record.admin_health().reasons()) {
    EXPECT_NE(r.code(), v1::HEALTH_REASON_FEEDBACK_MISSING);
  }
}

TEST_F(EvaluationFlowTest, PendingItemsPageInTheOrderTheyWereAskedAndOnlyForThePerson) {
  const Pair p = Made("pages", 0);
  for (int m = 1; m <= 5; ++m) {
    Held(p, {m});
    clock_.Advance(absl::Minutes(1));
  }
  std::vector<std::string> seen;
  v1::ListPendingItemsRequest r;
  r.set_person_id(p.mentee);
  r.set_page_size(2);
  for (int page = 0; page < 10; ++page) {
    auto listed = answers_.ListPendingItems(Call(As(p.mentee)), r);
    ASSERT_TRUE(listed.ok()) << listed.status();
    for (const auto& item : listed->items()) seen.push_back(item.item_id());
    if (listed->next_page_token().empty()) break;
    r.set_page_token(listed->next_page_token());
  }
  EXPECT_THAT(seen, ElementsAre(MeetingId(p, 1), MeetingId(p, 2), MeetingId(p, 3), MeetingId(p, 4), MeetingId(p, 5)));
  r.clear_page_token();
  EXPECT_EQ(answers_.ListPendingItems(Call(As(p.mentor)), r).status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(answers_.ListPendingItems(Call(Admin()), r).status().code(), absl::StatusCode::kPermissionDenied);
  r.set_page_token("garbage");
  EXPECT_EQ(answers_.ListPendingItems(Call(As(p.mentee)), r).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace mentoring::evaluation
