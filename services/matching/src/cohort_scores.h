#pragma once
// The solver's view of a cohort under a programme's policy: rows of pair scores computed on
// demand by the PairScorer (never stored as a dense matrix).
#include <vector>

#include "mentoring/matching/cohort_solver.h"
#include "pair_scorer.h"

namespace mentoring::matching {

class CohortScores final : public ScoreSource {
 public:
  // `mentees` and `mentors` are PeopleIndex indexes; contexts[i] belongs to mentees[i].
  CohortScores(const PairScorer& scorer, const std::vector<int32_t>& mentees, const std::vector<int32_t>& mentors,
               const std::vector<MenteeContext>& contexts)
      : scorer_(scorer), mentees_(mentees), mentors_(mentors), contexts_(contexts) {}

  int mentee_count() const override { return static_cast<int>(mentees_.size()); }
  int mentor_count() const override { return static_cast<int>(mentors_.size()); }
  void ScoreRow(int mentee, std::span<int32_t> row) const override {
    const int32_t person = mentees_[mentee];
    const MenteeContext& context = contexts_[mentee];
    for (size_t j = 0; j < mentors_.size(); ++j) {
      const int32_t score = scorer_.Score(person, mentors_[j], context);
      row[j] = score == kNotAllowed ? kInfeasible : score;
    }
  }

 private:
  const PairScorer& scorer_;
  const std::vector<int32_t>& mentees_;
  const std::vector<int32_t>& mentors_;
  const std::vector<MenteeContext>& contexts_;
};

}  // namespace mentoring::matching
