#include "explanations.h"

namespace mentoring::matching {

void FillRecommendation(const ScoredPair& scored, const std::string& person_id, v1::Recommendation* out) {
  out->set_person_id(person_id);
  out->set_score(scored.score);
  for (const auto& c : scored.contributions) {
    auto* contribution = out->add_contributions();
    contribution->set_criterion(CriterionName(c.criterion));
    contribution->set_points(c.points);
    contribution->set_max_points(c.max_points);
    contribution->set_detail(c.detail);
  }
  out->set_explanation(scored.explanation);
  for (auto area : scored.focus_areas) out->add_focus_areas(area);
}

void FillPair(const ScoredPair& scored, const std::string& mentee_id, const std::string& mentor_id,
              v1::ProposedPair* pair) {
  v1::Recommendation recommendation;
  FillRecommendation(scored, mentor_id, &recommendation);
  pair->set_mentee_id(mentee_id);
  pair->set_mentor_id(mentor_id);
  pair->set_score(scored.score);
  *pair->mutable_contributions() = recommendation.contributions();
  pair->set_explanation(scored.explanation);
  *pair->mutable_focus_areas() = recommendation.focus_areas();
}

void FillRuledOut(const std::array<int, kRejections>& counts, google::protobuf::Map<std::string, int32_t>* out) {
  for (int r = 1; r < kRejections; ++r) {
    if (counts[r] > 0) (*out)[RejectionName(static_cast<Rejection>(r))] = counts[r];
  }
}

v1::UnmatchedReason UnmatchedReasonOf(const std::array<int, kRejections>& counts, bool had_feasible) {
  if (had_feasible) return v1::UNMATCHED_REASON_NO_CAPACITY;
  if (counts[static_cast<int>(Rejection::kMenteeUnavailable)] > 0) return v1::UNMATCHED_REASON_NOT_IN_DIRECTORY;
  int worst = 0;
  for (int r = 1; r < kRejections; ++r) {
    if (counts[r] > counts[worst]) worst = r;
  }
  switch (static_cast<Rejection>(worst)) {
    case Rejection::kTimeZone:
      return v1::UNMATCHED_REASON_NO_MENTOR_IN_TIME_ZONE_LIMIT;
    case Rejection::kExcluded:
    case Rejection::kManagementChain:
    case Rejection::kBlocked:
      return v1::UNMATCHED_REASON_ALL_EXCLUDED;
    default:
      return v1::UNMATCHED_REASON_NO_ELIGIBLE_MENTOR;
  }
}

}  // namespace mentoring::matching
