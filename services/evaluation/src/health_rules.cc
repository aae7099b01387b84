#include "health_rules.h"

#include <absl/strings/str_cat.h>
#include <absl/strings/str_format.h>
#include <absl/strings/str_join.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace mentoring::evaluation {
namespace {

using v1::HealthFactor;
using v1::HealthReason;

HealthFactor Factor(v1::HealthFactorKind kind, int score, std::string explanation) {
  HealthFactor f;
  f.set_kind(kind);
  f.set_score(std::clamp(score, 0, 100));
  f.set_explanation(std::move(explanation));
  return f;
}

void AddReason(v1::RelationshipHealth& h, HealthReason code, std::string explanation) {
  auto* reason = h.add_reasons();
  reason->set_code(code);
  reason->set_explanation(std::move(explanation));
}

bool AdminVisible(v1::HealthFactorKind kind) {
  return kind == v1::HEALTH_FACTOR_KIND_ATTENDANCE || kind == v1::HEALTH_FACTOR_KIND_CADENCE ||
         kind == v1::HEALTH_FACTOR_KIND_REVIEW;
}

// Pair-only reasons are numbered from 20 (evaluation.proto).
bool AdminVisible(HealthReason code) { return code < v1::HEALTH_REASON_RAPPORT_LOW; }

std::optional<int> MeanScore(const v1::RelationshipHealth& h) {
  if (h.factors().empty()) return std::nullopt;
  double sum = 0;
  for (const auto& f : h.factors()) sum += f.score();
  return static_cast<int>(std::lround(sum / h.factors_size()));
}

const char* BucketWord(v1::HealthBucket bucket) {
  switch (bucket) {
    case v1::HEALTH_BUCKET_HEALTHY:
      return "Healthy";
    case v1::HEALTH_BUCKET_WATCH:
      return "Worth watching";
    case v1::HEALTH_BUCKET_AT_RISK:
      return "At risk";
    default:
      return "Too early to tell";
  }
}

void Summarise(v1::RelationshipHealth& h) {
  std::vector<std::string> parts;
  for (const auto& r : h.reasons()) parts.push_back(r.explanation());
  std::string why = parts.empty() ? (h.bucket() == v1::HEALTH_BUCKET_TOO_EARLY ? "no meeting has fallen due yet"
                                                                               : "nothing of concern")
                                  : absl::StrJoin(parts, "; ");
  h.set_summary(absl::StrCat(BucketWord(h.bucket()), ": ", why, "."));
}

// The review factor: the latest review's state, or an overrun with no review since.
std::optional<HealthFactor> ReviewFactor(const v1::RelationshipRecord& r, const HealthFacts& facts, bool past_end) {
  std::optional<HealthFactor> factor;
  auto lower = [&](int score, std::string why) {
    if (!factor || score < factor->score()) factor = Factor(v1::HEALTH_FACTOR_KIND_REVIEW, score, std::move(why));
  };
  if (const v1::Review* review = facts.latest_review; review != nullptr) {
    switch (review->state()) {
      case v1::REVIEW_STATE_OPEN:
        if (facts.now > FromTimestamp(review->answer_by())) {
          lower(40, "a review is unanswered past its answer period");
        } else {
          lower(80,
                absl::StrCat("a review is open; answers are due by ",
                             absl::FormatTime("%Y-%m-%d", FromTimestamp(review->answer_by()), absl::UTCTimeZone())));
        }
        break;
      case v1::REVIEW_STATE_UNDECIDED:
        lower(20, "the last review was recorded as undecided");
        break;
      case v1::REVIEW_STATE_DECIDED:
        if (review->outcome() == common::v1::REVIEW_OUTCOME_CONTINUE) lower(100, "the last review decided to continue");
        if (review->outcome() == common::v1::REVIEW_OUTCOME_AMEND) lower(80, "the last review decided to amend");
        if (review->outcome() == common::v1::REVIEW_OUTCOME_END) lower(60, "the last review decided to end it");
        break;
      default:
        break;
    }
  }
  if (past_end) lower(40, absl::StrCat("open past its end date (", DateText(r.terms().end_date()), ")"));
  return factor;
}

// Open past the agreement's end date, and no review settled since that date.
bool PastEndWithoutReview(const v1::RelationshipRecord& r, const HealthFacts& facts) {
  const auto end = DayOf(r.terms().end_date());
  if (!IsOpen(r.status()) || !end || Today(facts.now) <= *end) return false;
  const v1::Review* review = facts.latest_review;
  const bool reviewed_since =
      review != nullptr &&
      (review->state() == v1::REVIEW_STATE_DECIDED || review->state() == v1::REVIEW_STATE_UNDECIDED) &&
      FromTimestamp(review->settled_at()) >= absl::FromCivil(*end, absl::UTCTimeZone());
  return !reviewed_since;
}

}  // namespace

v1::HealthBucket BucketOf(std::optional<int> score, bool capped) {
  if (!score) return v1::HEALTH_BUCKET_TOO_EARLY;
  if (*score >= 70) return capped ? v1::HEALTH_BUCKET_WATCH : v1::HEALTH_BUCKET_HEALTHY;
  if (*score >= 45) return v1::HEALTH_BUCKET_WATCH;
  return v1::HEALTH_BUCKET_AT_RISK;
}

HealthViews ComputeHealth(const v1::RelationshipRecord& r, const HealthFacts& facts) {
  const v1::MeetingTally& t = r.tally();
  v1::RelationshipHealth h;
  h.set_relationship_id(r.relationship_id());
  h.set_programme_id(r.programme_id());
  h.set_status(r.status());
  h.set_meetings_held(t.held());
  h.set_meetings_missed(t.missed());
  h.set_meetings_due(t.due());
  h.set_rapport_check(r.rapport_check());
  if (facts.latest_review != nullptr) h.set_latest_review(facts.latest_review->state());
  SetTimestamp(h.mutable_computed_at(), facts.now);

  // ---- the factors
  const int attended = t.held() + t.missed();
  if (attended > 0) {
    *h.add_factors() = Factor(v1::HEALTH_FACTOR_KIND_ATTENDANCE, 100 * t.held() / attended,
                              absl::StrCat(t.held(), " of ", attended, " meetings held (", t.missed(), " missed)"));
  }
  const std::optional<int> adherence = AdherencePercent(t);
  if (adherence) {
    *h.add_factors() = Factor(v1::HEALTH_FACTOR_KIND_CADENCE, *adherence,
                              absl::StrCat(t.held(), " of ", t.due(), " meetings that fell due were held (", *adherence,
                                           " %; the programme looks for ", facts.adherence_threshold, " %)"));
  }
  const bool past_end = PastEndWithoutReview(r, facts);
  if (auto review = ReviewFactor(r, facts, past_end)) *h.add_factors() = *review;
  if (facts.mean_rapport && facts.mean_usefulness) {
    const double score = (*facts.mean_rapport - 1 + *facts.mean_usefulness - 1) / 8 * 100;
    *h.add_factors() = Factor(v1::HEALTH_FACTOR_KIND_FEEDBACK, static_cast<int>(std::lround(score)),
                              absl::StrFormat("rated %.1f for rapport and %.1f for usefulness, of 5",
                                              *facts.mean_rapport, *facts.mean_usefulness));
  }
  if (facts.goals_percent) {
    *h.add_factors() = Factor(v1::HEALTH_FACTOR_KIND_GOALS, *facts.goals_percent,
                              absl::StrCat("goals ", *facts.goals_percent, " % of the way on average"));
  }

  // ---- the reasons: admin-visible facts first, then the pair's own
  if (attended >= 2 && 100 * t.held() / attended < 75) {
    AddReason(h, v1::HEALTH_REASON_ATTENDANCE_LOW, absl::StrCat("only ", t.held(), " of ", attended, " meetings held"));
  }
  if (t.missed_in_a_row() >= 2) {
    AddReason(h, v1::HEALTH_REASON_MISSED_IN_A_ROW,
              absl::StrCat("the last ", t.missed_in_a_row(), " meetings were missed in a row"));
  }
  if (adherence && *adherence < facts.adherence_threshold) {
    AddReason(h, v1::HEALTH_REASON_CADENCE_BELOW_THRESHOLD,
              absl::StrCat("meeting less often than agreed (", *adherence, " % of due meetings held, below ",
                           facts.adherence_threshold, " %)"));
  }
  if (const v1::Review* review = facts.latest_review; review != nullptr) {
    if (review->state() == v1::REVIEW_STATE_OPEN && facts.now > FromTimestamp(review->answer_by())) {
      AddReason(h, v1::HEALTH_REASON_REVIEW_OVERDUE, "a review is unanswered past its answer period");
    }
    if (review->state() == v1::REVIEW_STATE_UNDECIDED) {
      AddReason(h, v1::HEALTH_REASON_REVIEW_UNDECIDED, "the last review was recorded as undecided");
    }
  }
  if (past_end) {
    AddReason(h, v1::HEALTH_REASON_PAST_END_DATE,
              absl::StrCat("still open past its end date (", DateText(r.terms().end_date()), ") with no review since"));
  }
  if (t.due() >= 2 && t.held() == t.due()) {
    AddReason(h, v1::HEALTH_REASON_MEETING_REGULARLY, "every meeting that fell due was held");
  }
  if (facts.mean_rapport && *facts.mean_rapport < 3) {
    AddReason(h, v1::HEALTH_REASON_RAPPORT_LOW, absl::StrFormat("rapport rated %.1f of 5", *facts.mean_rapport));
  }
  if (facts.mean_usefulness && *facts.mean_usefulness < 3) {
    AddReason(h, v1::HEALTH_REASON_USEFULNESS_LOW,
              absl::StrFormat("usefulness rated %.1f of 5", *facts.mean_usefulness));
  }
  if (facts.feedback_missing > 0) {
    AddReason(h, v1::HEALTH_REASON_FEEDBACK_MISSING,
              absl::StrCat(facts.feedback_missing, " meeting feedback still unanswered"));
  }
  if (facts.goals_percent && *facts.goals_percent >= 50) {
    AddReason(h, v1::HEALTH_REASON_GOALS_PROGRESSING, "goals are more than half way on average");
  }
  if (r.rapport_check() == v1::RAPPORT_CHECK_STATE_LOW) {
    AddReason(h, v1::HEALTH_REASON_RAPPORT_CHECK_LOW,
              "the rapport check after the first two meetings was low: a normal outcome, not a failure, and a "
              "new match is offered");
  }

  const bool capped = t.missed_in_a_row() >= 2 ||
                      (facts.latest_review != nullptr && facts.latest_review->state() == v1::REVIEW_STATE_UNDECIDED);
  HealthViews views;
  views.pair = h;
  views.pair.set_view(v1::HEALTH_VIEW_PAIR);
  const std::optional<int> score = MeanScore(views.pair);
  views.pair.set_score(score.value_or(0));
  views.pair.set_bucket(BucketOf(score, capped));
  Summarise(views.pair);

  // The admin's view: only what admins may see goes in, so nothing derived from it (the
  // bucket, the sentence) can carry a rating.
  v1::RelationshipHealth& admin = views.admin;
  admin = h;
  admin.set_view(v1::HEALTH_VIEW_ADMIN);
  admin.clear_factors();
  admin.clear_reasons();
  admin.clear_rapport_check();
  for (const auto& f : h.factors()) {
    if (AdminVisible(f.kind())) *admin.add_factors() = f;
  }
  for (const auto& reason : h.reasons()) {
    if (AdminVisible(reason.code())) *admin.add_reasons() = reason;
  }
  admin.set_bucket(BucketOf(MeanScore(admin), capped));
  Summarise(admin);
  return views;
}

}  // namespace mentoring::evaluation
