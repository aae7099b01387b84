// Relationship health without I/O: the factors and their scores, the buckets, the reasons
// with their sentences, and above all that the admin view is built from admin-visible facts
// alone: the same attendance with different ratings gives an admin the same view.
#include "health_rules.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace mentoring::evaluation {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;

const absl::Time kNow = absl::FromCivil(absl::CivilSecond(2027, 6, 1, 12, 0, 0), absl::UTCTimeZone());

v1::RelationshipRecord Relationship(int held, int missed, int cancelled = 0, int in_a_row = 0) {
  v1::RelationshipRecord r;
  r.set_relationship_id("r-1");
  r.set_programme_id("p-1");
  r.set_status(v1::RELATIONSHIP_STATUS_ACTIVE);
  r.mutable_tally()->set_held(held);
  r.mutable_tally()->set_missed(missed);
  r.mutable_tally()->set_cancelled(cancelled);
  r.mutable_tally()->set_due(held + missed + cancelled);
  r.mutable_tally()->set_missed_in_a_row(in_a_row);
  *r.mutable_terms()->mutable_end_date() = ToDate(absl::CivilDay(2027, 12, 31));
  return r;
}

std::vector<v1::HealthReason> Codes(const v1::RelationshipHealth& h) {
  std::vector<v1::HealthReason> codes;
  for (const auto& r : h.reasons()) codes.push_back(r.code());
  return codes;
}

std::vector<v1::HealthFactorKind> Kinds(const v1::RelationshipHealth& h) {
  std::vector<v1::HealthFactorKind> kinds;
  for (const auto& f : h.factors()) kinds.push_back(f.kind());
  return kinds;
}

TEST(Health, NothingDueYetIsTooEarlyToTell) {
  const auto views = ComputeHealth(Relationship(0, 0), {.now = kNow});
  EXPECT_EQ(views.pair.bucket(), v1::HEALTH_BUCKET_TOO_EARLY);
  EXPECT_EQ(views.admin.bucket(), v1::HEALTH_BUCKET_TOO_EARLY);
  EXPECT_THAT(views.pair.summary(), HasSubstr("no meeting has fallen due yet"));
}

TEST(Health, ThePairSeesEveryFactorAndTheScoreIsTheirMean) {
  const auto views = ComputeHealth(Relationship(4, 0),
                                   {.mean_rapport = 5.0, .mean_usefulness = 3.0, .goals_percent = 60, .now = kNow});
  EXPECT_THAT(Kinds(views.pair),
              ::testing::ElementsAre(v1::HEALTH_FACTOR_KIND_ATTENDANCE, v1::HEALTH_FACTOR_KIND_CADENCE,
                                     v1::HEALTH_FACTOR_KIND_FEEDBACK, v1::HEALTH_FACTOR_KIND_GOALS));
  // attendance 100, cadence 100, feedback (4 + 2) / 8 = 75, goals 60: mean 83.75 -> 84
  EXPECT_EQ(views.pair.score(), 84);
  EXPECT_EQ(views.pair.bucket(), v1::HEALTH_BUCKET_HEALTHY);
  EXPECT_THAT(Codes(views.pair), Contains(v1::HEALTH_REASON_MEETING_REGULARLY));
  EXPECT_THAT(Codes(views.pair), Contains(v1::HEALTH_REASON_GOALS_PROGRESSING));
}

TEST(Health, TheAdminViewCarriesNoRatingAndDoesNotMoveWithThem) {
  HealthFacts happy{.mean_rapport = 5.0, .mean_usefulness = 5.0, .goals_percent = 100, .now = kNow};
  HealthFacts unhappy{
      .mean_rapport = 1.0, .mean_usefulness = 1.5, .goals_percent = 0, .feedback_missing = 3, .now = kNow};
  auto record = Relationship(3, 1);
  record.set_rapport_check(v1::RAPPORT_CHECK_STATE_LOW);
  const auto a = ComputeHealth(record, happy);
  const auto b = ComputeHealth(record, unhappy);
  // The pair's view differs...
  EXPECT_NE(a.pair.score(), b.pair.score());
  EXPECT_THAT(Codes(b.pair), Contains(v1::HEALTH_REASON_RAPPORT_LOW));
  EXPECT_THAT(Codes(b.pair), Contains(v1::HEALTH_REASON_RAPPORT_CHECK_LOW));
  EXPECT_THAT(b.pair.summary(), HasSubstr("a normal outcome, not a failure"));
  // ...the admin's is the same, with no score, no pair-only factor, reason or check.
  v1::RelationshipHealth a_admin = a.admin, b_admin = b.admin;
  EXPECT_EQ(a_admin.SerializeAsString(), b_admin.SerializeAsString());
  EXPECT_EQ(b_admin.view(), v1::HEALTH_VIEW_ADMIN);
  EXPECT_EQ(b_admin.score(), 0);
  EXPECT_EQ(b_admin.rapport_check(), v1::RAPPORT_CHECK_STATE_UNSPECIFIED);
  EXPECT_THAT(Kinds(b_admin), Not(Contains(v1::HEALTH_FACTOR_KIND_FEEDBACK)));
  EXPECT_THAT(Kinds(b_admin), Not(Contains(v1::HEALTH_FACTOR_KIND_GOALS)));
  for (const auto& reason : b_admin.reasons()) EXPECT_LT(reason.code(), v1::HEALTH_REASON_RAPPORT_LOW);
  EXPECT_THAT(b_admin.summary(), Not(HasSubstr("rapport")));
  EXPECT_THAT(b_admin.summary(), Not(HasSubstr("rated")));
}

TEST(Health, AttendanceCadenceAndMissesMakeTheBucketWithReasons) {
  HealthFacts facts{.adherence_threshold = 75, .now = kNow};
  // 1 held, 2 missed in a row, 1 cancelled: attendance 33, cadence 25 -> at risk
  const auto views = ComputeHealth(Relationship(1, 2, 1, 2), facts);
  EXPECT_EQ(views.admin.bucket(), v1::HEALTH_BUCKET_AT_RISK);
  EXPECT_THAT(Codes(views.admin), Contains(v1::HEALTH_REASON_ATTENDANCE_LOW));
  EXPECT_THAT(Codes(views.admin), Contains(v1::HEALTH_REASON_MISSED_IN_A_ROW));
  EXPECT_THAT(Codes(views.admin), Contains(v1::HEALTH_REASON_CADENCE_BELOW_THRESHOLD));
  EXPECT_THAT(views.admin.summary(), HasSubstr("the last 2 meetings were missed in a row"));
  // Two in a row caps a good score at "watch".
  EXPECT_EQ(BucketOf(90, /*capped=*/true), v1::HEALTH_BUCKET_WATCH);
  EXPECT_EQ(BucketOf(90, false), v1::HEALTH_BUCKET_HEALTHY);
  EXPECT_EQ(BucketOf(45, false), v1::HEALTH_BUCKET_WATCH);
  EXPECT_EQ(BucketOf(44, false), v1::HEALTH_BUCKET_AT_RISK);
}

TEST(Health, ReviewStateCountsAndAnOverrunWithoutAReviewIsAReason) {
  v1::Review review;
  review.set_state(v1::REVIEW_STATE_OPEN);
  SetTimestamp(review.mutable_answer_by(), kNow - absl::Hours(1));
  auto views = ComputeHealth(Relationship(4, 0), {.latest_review = &review, .now = kNow});
  EXPECT_THAT(Codes(views.admin), Contains(v1::HEALTH_REASON_REVIEW_OVERDUE));
  review.set_state(v1::REVIEW_STATE_UNDECIDED);
  views = ComputeHealth(Relationship(4, 0), {.latest_review = &review, .now = kNow});
  EXPECT_THAT(Codes(views.admin), Contains(v1::HEALTH_REASON_REVIEW_UNDECIDED));
  EXPECT_EQ(views.admin.bucket(), v1::HEALTH_BUCKET_WATCH);  // capped, though attendance is perfect

  auto overrun = Relationship(4, 0);
  *overrun.mutable_terms()->mutable_end_date() = ToDate(absl::CivilDay(2027, 5, 1));
  views = ComputeHealth(overrun, {.now = kNow});
  EXPECT_THAT(Codes(views.admin), Contains(v1::HEALTH_REASON_PAST_END_DATE));
  // A review settled since the end date answers it.
  review.set_state(v1::REVIEW_STATE_DECIDED);
  review.set_outcome(common::v1::REVIEW_OUTCOME_CONTINUE);
  SetTimestamp(review.mutable_settled_at(), kNow - absl::Hours(24));
  views = ComputeHealth(overrun, {.latest_review = &review, .now = kNow});
  EXPECT_THAT(Codes(views.admin), Not(Contains(v1::HEALTH_REASON_PAST_END_DATE)));
  // A closed relationship is past nothing.
  overrun.set_status(v1::RELATIONSHIP_STATUS_CLOSED);
  views = ComputeHealth(overrun, {.now = kNow});
  EXPECT_THAT(Codes(views.admin), Not(Contains(v1::HEALTH_REASON_PAST_END_DATE)));
}

}  // namespace
}  // namespace mentoring::evaluation
