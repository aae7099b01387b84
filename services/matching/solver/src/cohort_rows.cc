// Step 1 of the cohort optimiser: score every mentee's row once, in parallel, and keep per free
// mentee its candidates (the k best pairs, sorted), a reserve of pruned pairs in memory and the
// bound on the pairs in neither (see MenteeRow in cohort_solver_internal.h).
#include <algorithm>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "cohort_solver_internal.h"
#include "parallel_rows.h"

namespace mentoring::matching::cohort_internal {

using internal::ParallelForRows;

static_assert(kInfeasible == -1, "row validation treats exactly -1 as 'forbidden'");

// The mentee's scores with forbidden pairs removed; a score out of range is a caller bug.
void CohortSolver::ScoreRowChecked(int mentee, std::span<int32_t> row) const {
  problem_.scores->ScoreRow(mentee, row);
  for (int k = forbidden_begin_[At(mentee)]; k < forbidden_begin_[At(mentee) + 1]; ++k)
    row[At(forbidden_mentor_[At(k)])] = kInfeasible;
  bool out_of_range = false;
  for (int32_t score : row) out_of_range |= (score < kInfeasible) | (score > problem_.max_score);
  if (!out_of_range) return;
  for (size_t mentor = 0; mentor < row.size(); ++mentor)
    if (row[mentor] < kInfeasible || row[mentor] > problem_.max_score)
      throw std::invalid_argument("score " + std::to_string(row[mentor]) + " of " +
                                  PairName(mentee, static_cast<int>(mentor)) + " is outside [0, " +
                                  std::to_string(problem_.max_score) + "] and not kInfeasible");
}

// Step 1: every row once. Keeps per free mentee its k best pairs with an available mentor (the
// candidates), the next best as a reserve and the best score below them; counts feasible
// mentors; takes the scores of fixed pairs.
void CohortSolver::ScoreEveryRowOnce() {
  rows_.assign(At(mentee_count_), MenteeRow{});
  solution_.feasible_mentors.assign(At(mentee_count_), 0);
  fixed_score_.assign(At(mentee_count_), 0);
  scratch_.assign(At(threads_), RowScratch{});
  for (RowScratch& scratch : scratch_) {
    scratch.row.resize(At(mentor_count_));
    scratch.kept_stamp.assign(At(mentor_count_), 0);
    scratch.free_feasible_count.assign(At(mentor_count_), 0);
  }
  const size_t top_k = At(problem_.candidates_per_mentee);
  const size_t reserve = ReserveLimit();
  // Scores are small integers in practice: then counting them selects in two linear passes.
  const bool use_histogram = problem_.max_score <= 8 * std::max(mentor_count_, 512);
  if (use_histogram)
    for (RowScratch& scratch : scratch_) scratch.score_count.assign(At(problem_.max_score) + 2, 0);
  ParallelForRows(threads_, mentee_count_, [&](int worker, int first, int last) {
    RowScratch& scratch = scratch_[At(worker)];
    const std::span<int32_t> row(scratch.row);
    for (int mentee = first; mentee < last; ++mentee) {
      ScoreRowChecked(mentee, row);
      const int fixed = fixed_mentor_[At(mentee)];
      // Counting first, without branches: feasibility is close to random, so a branch on it
      // would be mispredicted on every other pair.
      const bool free_mentee = fixed < 0;
      int feasible = 0;
      for (int mentor = 0; mentor < mentor_count_; ++mentor) {
        const bool counts = (row[At(mentor)] != kInfeasible) & (seat_state_[At(mentor)] != SeatState::kNone);
        feasible += counts;
        scratch.free_feasible_count[At(mentor)] += counts & (seat_state_[At(mentor)] == SeatState::kFree) & free_mentee;
      }
      solution_.feasible_mentors[At(mentee)] = feasible;
      if (fixed >= 0) {
        const int32_t score = row[At(fixed)];
        if (score == kInfeasible)
          throw std::invalid_argument("fixed pair " + PairName(mentee, fixed) + " is infeasible or forbidden");
        fixed_score_[At(mentee)] = score;
        continue;
      }
      // The k best pairs with an available mentor, sorted (the candidates), and up to
      // `reserve` of the others, unsorted; the best score of the rest is the bound.
      MenteeRow& kept = rows_[At(mentee)];
      if (use_histogram)
        SelectByScoreCount(row, top_k, reserve, scratch, kept);
      else
        SelectBySorting(row, top_k, reserve, scratch, kept);
      kept.reserve_best = kNoneLeftOut;
      for (const ScoredMentor& pair : kept.reserve) kept.reserve_best = std::max(kept.reserve_best, pair.score);
    }
  });
}

void CohortSolver::SelectBySorting(std::span<const int32_t> row, size_t top_k, size_t reserve, RowScratch& scratch,
                                   MenteeRow& kept) const {
  auto& pairs = scratch.pairs;
  pairs.clear();
  for (int mentor = 0; mentor < mentor_count_; ++mentor) {
    const int32_t score = row[At(mentor)];
    if (score == kInfeasible || seat_state_[At(mentor)] != SeatState::kFree) continue;
    pairs.push_back({mentor, score});
  }
  const size_t candidates = std::min(top_k, pairs.size());
  if (candidates < pairs.size())
    std::nth_element(pairs.begin(), pairs.begin() + static_cast<ptrdiff_t>(candidates), pairs.end(), Better);
  std::sort(pairs.begin(), pairs.begin() + static_cast<ptrdiff_t>(candidates), Better);
  kept.pairs.assign(pairs.begin(), pairs.begin() + static_cast<ptrdiff_t>(candidates));
  kept.state.assign(candidates, PairState::kOutside);
  kept.top_k = static_cast<int>(candidates);
  pairs.erase(pairs.begin(), pairs.begin() + static_cast<ptrdiff_t>(candidates));
  KeepUnsorted(pairs, reserve, kept.best_left_out);
  kept.reserve.assign(pairs.begin(), pairs.end());
}

// The same selection as SelectBySorting (best score first, then the lower mentor index), from
// a count of pairs per score: the cut scores for the candidates and the reserve are read off
// the counts, then one pass in mentor order takes, at a cut score, the lowest mentors first.
void CohortSolver::SelectByScoreCount(std::span<const int32_t> row, size_t top_k, size_t reserve, RowScratch& scratch,
                                      MenteeRow& kept) const {
  std::vector<int>& count = scratch.score_count;  // all zero on entry and on return
  const int32_t unavailable = problem_.max_score + 1;
  for (int mentor = 0; mentor < mentor_count_; ++mentor) {
    const int32_t score = row[At(mentor)];
    const bool available = (score != kInfeasible) & (seat_state_[At(mentor)] == SeatState::kFree);
    ++count[At(available ? score : unavailable)];
  }
  count[At(unavailable)] = 0;
  // Cut for the best `keep` pairs: every pair scoring above `score` is in, and `at_cut` of
  // those scoring exactly `score`. score == -1 when all pairs fit.
  struct Cut {
    int32_t score = -1;
    int64_t at_cut = 0;
  };
  auto cut_for = [&](int64_t keep) {
    Cut cut;
    int64_t above = 0;
    for (int32_t score = problem_.max_score; score >= 0; --score) {
      if (above + count[At(score)] >= keep) {
        if (above + count[At(score)] > keep || keep == 0) return Cut{score, keep - above};
        // Exactly `keep` pairs score >= score: the cut is below the next lower used score.
        for (int32_t lower = score - 1; lower >= 0; --lower)
          if (count[At(lower)] > 0) return Cut{lower, 0};
        return Cut{};
      }
      above += count[At(score)];
    }
    return Cut{};
  };
  const Cut candidate_cut = cut_for(static_cast<int64_t>(top_k));
  const int64_t total_kept = static_cast<int64_t>(std::min(top_k, SIZE_MAX - reserve) + reserve);
  const Cut reserve_cut = cut_for(total_kept);
  // The bound: the best score among pairs kept in neither place.
  kept.best_left_out = kNoneLeftOut;
  if (reserve_cut.score >= 0) {
    if (reserve_cut.at_cut < count[At(reserve_cut.score)]) {
      kept.best_left_out = reserve_cut.score;
    } else {
      for (int32_t lower = reserve_cut.score - 1; lower >= 0; --lower)
        if (count[At(lower)] > 0) {
          kept.best_left_out = lower;
          break;
        }
    }
  }
  int64_t available = 0;
  for (int c : count) available += c;
  std::fill(count.begin(), count.end(), 0);

  const int64_t candidates = std::min<int64_t>(static_cast<int64_t>(top_k), available);
  kept.pairs.clear();
  kept.pairs.reserve(At(candidates));
  kept.reserve.clear();
  kept.reserve.reserve(At(std::min(total_kept, available) - candidates));
  int64_t candidates_at_cut = candidate_cut.at_cut, reserve_at_cut = reserve_cut.at_cut;
  for (int mentor = 0; mentor < mentor_count_; ++mentor) {
    const int32_t score = row[At(mentor)];
    if (score == kInfeasible || seat_state_[At(mentor)] != SeatState::kFree) continue;
    if (score > candidate_cut.score || (score == candidate_cut.score && candidates_at_cut > 0)) {
      candidates_at_cut -= score == candidate_cut.score;
      reserve_at_cut -= score == reserve_cut.score;
      kept.pairs.push_back({mentor, score});
    } else if (score > reserve_cut.score || (score == reserve_cut.score && reserve_at_cut > 0)) {
      reserve_at_cut -= score == reserve_cut.score;
      kept.reserve.push_back({mentor, score});
    }
  }
  std::sort(kept.pairs.begin(), kept.pairs.end(), Better);
  kept.state.assign(kept.pairs.size(), PairState::kOutside);
  kept.top_k = static_cast<int>(kept.pairs.size());
}

}  // namespace mentoring::matching::cohort_internal
