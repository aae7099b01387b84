// Programme validation names each bad field and rule; seats follow hours, length and
// cadence; the relationship lifecycle allows exactly its transitions; pair-only fields are
// only for the pair.
#include "matching_rules.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "mentoring/runtime/errors.h"

namespace mentoring::matching {
namespace {

using ::testing::Contains;
using ::testing::Pair;

std::vector<std::pair<std::string, std::string>> ViolationsOf(const absl::Status& status) {
  std::vector<std::pair<std::string, std::string>> out;
  const auto details = errors::DetailsOf(status);
  for (const auto& v : details.field_violations()) out.emplace_back(v.field(), v.rule());
  return out;
}

v1::Programme ValidProgramme() {
  v1::Programme p;
  p.set_name("Engineering mentoring 2027");
  p.set_type(common::v1::PROGRAMME_TYPE_ONE_TO_ONE);
  p.mutable_start_date()->set_year(2027);
  p.mutable_start_date()->set_month(1);
  p.mutable_start_date()->set_day(10);
  p.mutable_end_date()->set_year(2027);
  p.mutable_end_date()->set_month(12);
  p.mutable_end_date()->set_day(31);
  return p;
}

TEST(ProgrammeRules, DefaultsAreFilledAndValid) {
  v1::Programme p = ValidProgramme();
  ASSERT_TRUE(NormaliseProgramme(p).ok());
  EXPECT_EQ(p.agreement_defaults().cadence_rrule(), "FREQ=MONTHLY");
  EXPECT_EQ(p.agreement_defaults().review_after_meetings(), 4);
  EXPECT_EQ(p.max_pending_requests_per_mentee(), 3);
  EXPECT_EQ(PolicyOf(p).max_score(), 100);
}

TEST(ProgrammeRules, EachBadFieldIsNamedWithItsRule) {
  v1::Programme p = ValidProgramme();
  p.clear_name();
  p.set_type(common::v1::PROGRAMME_TYPE_UNSPECIFIED);
  p.mutable_end_date()->set_year(2026);
  p.mutable_agreement_defaults()->set_cadence_rrule("EVERY=SOMETIMES");
  p.mutable_agreement_defaults()->set_meeting_minutes(5);
  p.mutable_policy()->mutable_weights()->set_goal_focus(2000);
  p.mutable_policy()->set_max_time_zone_difference_hours(13);
  p.mutable_policy()->set_wanted_level_gap_min(4);
  p.mutable_policy()->set_wanted_level_gap_max(2);
  const absl::Status status = NormaliseProgramme(p);
  ASSERT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  const auto violations = ViolationsOf(status);
  EXPECT_THAT(violations, Contains(Pair("programme.name", "required")));
  EXPECT_THAT(violations, Contains(Pair("programme.type", "required")));
  EXPECT_THAT(violations, Contains(Pair("programme.end_date", "after_start")));
  EXPECT_THAT(violations, Contains(Pair("programme.agreement_defaults.cadence_rrule", "rrule")));
  EXPECT_THAT(violations, Contains(Pair("programme.agreement_defaults.meeting_minutes", "range_15_240")));
  EXPECT_THAT(violations, Contains(Pair("programme.policy.weights.goal_focus", "range_0_1000")));
  EXPECT_THAT(violations, Contains(Pair("programme.policy.weights", "sum_1_1000")));
  EXPECT_THAT(violations, Contains(Pair("programme.policy.max_time_zone_difference_hours", "range_0_12")));
  EXPECT_THAT(violations, Contains(Pair("programme.policy.wanted_level_gap_max", "not_below_min")));
}

TEST(ProgrammeRules, RefusesImpossibleDates) {
  v1::Programme p = ValidProgramme();
  p.mutable_start_date()->set_month(2);
  p.mutable_start_date()->set_day(30);
  EXPECT_THAT(ViolationsOf(NormaliseProgramme(p)), Contains(Pair("programme.start_date", "date")));
}

TEST(Seats, FollowHoursMeetingLengthAndCadence) {
  v1::Programme p = ValidProgramme();
  ASSERT_TRUE(NormaliseProgramme(p).ok());  // monthly, 60 minutes
  v1::Enrollment mentor;
  mentor.set_hours_per_month(4);
  EXPECT_EQ(SeatsFor(mentor, p), 4);
  mentor.set_cadence_rrule("FREQ=WEEKLY");  // 52/12 meetings a month: 4 h cover 0.92 mentee
  EXPECT_EQ(SeatsFor(mentor, p), 0);
  mentor.set_cadence_rrule("FREQ=WEEKLY;INTERVAL=2");
  mentor.set_hours_per_month(5);  // 2.17 h per mentee
  EXPECT_EQ(SeatsFor(mentor, p), 2);
  EXPECT_FALSE(MeetingsPerMonth("FREQ=HOURLY").ok());
  EXPECT_FALSE(MeetingsPerMonth("FREQ=WEEKLY;INTERVAL=0").ok());
}

TEST(EnrollmentRules, ConsentAndCommitmentAreRequired) {
  v1::Enrollment e;
  e.set_programme_id("p");
  e.set_person_id("x");
  e.set_role(v1::PARTICIPANT_ROLE_MENTOR);
  const auto violations = ViolationsOf(ValidateEnrollment(e));
  EXPECT_THAT(violations, Contains(Pair("enrollment.consent", "must_be_true")));
  EXPECT_THAT(violations, Contains(Pair("enrollment.hours_per_month", "range_1_40")));
}

v1::Relationship RelationshipIn(v1::RelationshipState state) {
  v1::Relationship r;
  r.set_relationship_id("r");
  r.set_mentee_id("mentee");
  r.set_mentor_id("mentor");
  r.set_state(state);
  r.mutable_agreement()->set_version(1);
  r.mutable_agreement()->set_expectations("private hopes");
  r.set_closure_note("private reason");
  return r;
}

Caller Person(const std::string& id) { return Caller{.id = id, .roles = {roles::kEmployee}}; }
Caller Admin() { return Caller{.id = "admin", .roles = {roles::kProgrammeAdmin}}; }

TEST(Lifecycle, AllowsExactlyItsTransitions) {
  using S = v1::RelationshipState;
  const S all[] = {v1::RELATIONSHIP_STATE_PROPOSED, v1::RELATIONSHIP_STATE_ACTIVE, v1::RELATIONSHIP_STATE_PAUSED,
                   v1::RELATIONSHIP_STATE_CLOSED,   v1::RELATIONSHIP_STATE_ALUMNI, v1::RELATIONSHIP_STATE_DECLINED};
  for (S state : all) {
    const v1::Relationship r = RelationshipIn(state);
    const Party p = Party::kMentee;
    EXPECT_EQ(CheckAccept(r, p, 1).ok(), state == v1::RELATIONSHIP_STATE_PROPOSED) << state;
    EXPECT_EQ(CheckDecline(r, p).ok(), state == v1::RELATIONSHIP_STATE_PROPOSED) << state;
    EXPECT_EQ(CheckPause(r, p).ok(), state == v1::RELATIONSHIP_STATE_ACTIVE) << state;
    EXPECT_EQ(CheckResume(r, p).ok(), state == v1::RELATIONSHIP_STATE_PAUSED) << state;
    EXPECT_EQ(CheckAmend(r, p).ok(), state == v1::RELATIONSHIP_STATE_ACTIVE || state == v1::RELATIONSHIP_STATE_PAUSED)
        << state;
    EXPECT_EQ(CheckClose(r, p, Person("mentee")).ok(), IsOpen(state)) << state;
    EXPECT_EQ(CheckAlumni(r, p).ok(), state == v1::RELATIONSHIP_STATE_CLOSED) << state;
    if (!CheckPause(r, p).ok()) {
      EXPECT_EQ(CheckPause(r, p).code(), absl::StatusCode::kFailedPrecondition);
    }
  }
}

TEST(Lifecycle, OutsidersMayNotActAndAcceptingAChangedAgreementIsRefused) {
  const v1::Relationship r = RelationshipIn(v1::RELATIONSHIP_STATE_PROPOSED);
  EXPECT_EQ(PartyOf(r, Person("someone-else")), Party::kNone);
  EXPECT_EQ(CheckAccept(r, Party::kNone, 1).code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(CheckAccept(r, Party::kMentor, 2).code(), absl::StatusCode::kFailedPrecondition);
  // An admin may close (no private note), a stranger may not.
  const v1::Relationship active = RelationshipIn(v1::RELATIONSHIP_STATE_ACTIVE);
  EXPECT_TRUE(CheckClose(active, Party::kNone, Admin()).ok());
  EXPECT_EQ(CheckClose(active, Party::kNone, Person("x")).code(), absl::StatusCode::kPermissionDenied);
}

TEST(Confidentiality, PairOnlyFieldsAreForThePairOnly) {
  const v1::Relationship r = RelationshipIn(v1::RELATIONSHIP_STATE_ACTIVE);
  EXPECT_EQ(*ViewFor(r, Person("mentee"), v1::RELATIONSHIP_VIEW_UNSPECIFIED), v1::RELATIONSHIP_VIEW_FULL);
  EXPECT_EQ(*ViewFor(r, Admin(), v1::RELATIONSHIP_VIEW_UNSPECIFIED), v1::RELATIONSHIP_VIEW_SUMMARY);
  EXPECT_EQ(ViewFor(r, Admin(), v1::RELATIONSHIP_VIEW_FULL).status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(ViewFor(r, Person("x"), v1::RELATIONSHIP_VIEW_SUMMARY).status().code(),
            absl::StatusCode::kPermissionDenied);
  v1::Relationship summary = r;
  Redact(summary);
  EXPECT_TRUE(summary.agreement().expectations().empty());
  EXPECT_TRUE(summary.closure_note().empty());
  EXPECT_EQ(summary.view(), v1::RELATIONSHIP_VIEW_SUMMARY);
}

TEST(AgreementRules, EveryRelationshipHasAnEndAndAReviewTrigger) {
  v1::Agreement a = DefaultAgreement(nullptr, absl::CivilDay(2027, 1, 31), {common::v1::FOCUS_AREA_CAREER});
  EXPECT_TRUE(ValidateAgreement(a, "agreement").ok());
  EXPECT_EQ(a.end_date().month(), 7);  // six months on, day clamped into the month
  EXPECT_TRUE(a.confidential());
  a.clear_end_date();
  a.set_review_after_meetings(0);
  const auto violations = ViolationsOf(ValidateAgreement(a, "agreement"));
  EXPECT_THAT(violations, Contains(Pair("agreement.end_date", "date")));
  EXPECT_THAT(violations, Contains(Pair("agreement.review_after_meetings", "review_trigger")));
}

}  // namespace
}  // namespace mentoring::matching
