#pragma once
// The dense form of a cohort for baselines (bench/cohort.sh runs scipy's
// linear_sum_assignment on it): one row per mentee, one column per (mentor, seat),
// little-endian int64, the optimiser's own lexicographic costs (LexicographicPairCost), an
// infeasible pair as `infeasible_cost` (positive: worse than unmatched). PATH.json describes
// the matrix and records the optimiser's answer, so the baseline can check equality.
#include <string>

#include "mentoring/matching/cohort_solver.h"

namespace mentoring::matching {

void WriteDenseCosts(const std::string& path, const ScoreSource& scores, const CohortProblem& problem,
                     const CohortSolution& solution);

}  // namespace mentoring::matching
