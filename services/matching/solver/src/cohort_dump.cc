#include "mentoring/matching/cohort_dump.h"

#include <bit>
#include <fstream>
#include <vector>

namespace mentoring::matching {

void WriteDenseCosts(const std::string& path, const ScoreSource& scores, const CohortProblem& problem,
                     const CohortSolution& solution) {
  // Positive: worse than unmatched (0), so the dense solver only puts a mentee on an
  // infeasible column when it has to (a square matrix), and the script counts it unmatched.
  // Small enough that float64 sums over a whole assignment stay exact.
  const int64_t infeasible_cost = 2 * solution.match_reward;
  std::ofstream out(path, std::ios::binary);
  std::vector<int32_t> row(static_cast<size_t>(scores.mentor_count()));
  std::vector<int64_t> costs;
  for (int i = 0; i < scores.mentee_count(); ++i) {
    scores.ScoreRow(i, row);
    costs.clear();
    for (int j = 0; j < scores.mentor_count(); ++j)
      for (int seat = 0; seat < problem.seats[static_cast<size_t>(j)]; ++seat)
        costs.push_back(row[static_cast<size_t>(j)] == kInfeasible
                            ? infeasible_cost
                            : LexicographicPairCost(solution.match_reward, row[static_cast<size_t>(j)], seat,
                                                    problem.extra_seat_cost));
    static_assert(std::endian::native == std::endian::little, "the dump is little-endian int64");
    out.write(reinterpret_cast<const char*>(costs.data()),
              static_cast<std::streamsize>(costs.size() * sizeof(int64_t)));
  }
  std::ofstream header(path + ".json");
  header << "{\"rows\": " << scores.mentee_count() << ", \"cols\": " << costs.size()
         << ", \"dtype\": \"<i8\", \"match_reward\": " << solution.match_reward
         << ", \"extra_seat_cost\": " << problem.extra_seat_cost << ", \"infeasible_cost\": " << infeasible_cost
         << ", \"seats\": [";
  for (size_t j = 0; j < problem.seats.size(); ++j) header << (j ? "," : "") << problem.seats[j];
  header << "], \"solver\": {\"matched\": " << solution.matched << ", \"total_score\": " << solution.total_score
         << ", \"total_seat_cost\": " << solution.total_seat_cost
         << ", \"objective\": " << solution.total_score - solution.total_seat_cost << "}}\n";
}

}  // namespace mentoring::matching
