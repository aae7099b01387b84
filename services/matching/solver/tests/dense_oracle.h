#pragma once
// Independent references for the cohort solver's tests. They share nothing with the solver but
// the problem statement: a dense Hungarian algorithm over a cost matrix with each mentor copied
// once per seat plus "unmatched" columns, and a brute force to check the Hungarian itself.
#include <algorithm>
#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

namespace mentoring::matching::testing {

inline constexpr int32_t kForbiddenPair = -1;  // the same meaning as kInfeasible

// A cohort as plain data: scores[i][j] (or kForbiddenPair), seats per mentor, fixed pairs.
struct DenseCohort {
  std::vector<std::vector<int32_t>> scores;
  std::vector<int> seats;
  int32_t extra_seat_cost = 0;
  std::vector<std::pair<int, int>> fixed_pairs;
  std::vector<std::pair<int, int>> forbidden_pairs;

  int mentees() const { return static_cast<int>(scores.size()); }
  int mentors() const { return static_cast<int>(seats.size()); }
  bool allowed(int mentee, int mentor) const {
    if (scores[static_cast<size_t>(mentee)][static_cast<size_t>(mentor)] == kForbiddenPair) return false;
    for (const auto& pair : forbidden_pairs)
      if (pair.first == mentee && pair.second == mentor) return false;
    for (const auto& pair : fixed_pairs)
      if (pair.first == mentee && pair.second != mentor) return false;
    return true;
  }
  bool fixed(int mentee) const {
    for (const auto& pair : fixed_pairs)
      if (pair.first == mentee) return true;
    return false;
  }
};

// The objective of an assignment, computed from scratch.
struct Evaluation {
  int matched = 0;
  int64_t total_score = 0;
  int64_t total_seat_cost = 0;
  int64_t net() const { return total_score - total_seat_cost; }
  bool operator==(const Evaluation&) const = default;
};

inline Evaluation Evaluate(const DenseCohort& cohort, const std::vector<int>& mentor_of) {
  Evaluation evaluation;
  std::vector<int64_t> load(static_cast<size_t>(cohort.mentors()), 0);
  for (int mentee = 0; mentee < cohort.mentees(); ++mentee) {
    const int mentor = mentor_of[static_cast<size_t>(mentee)];
    if (mentor < 0) continue;
    ++evaluation.matched;
    evaluation.total_score += cohort.scores[static_cast<size_t>(mentee)][static_cast<size_t>(mentor)];
    ++load[static_cast<size_t>(mentor)];
  }
  for (int64_t count : load) evaluation.total_seat_cost += cohort.extra_seat_cost * count * (count - 1) / 2;
  return evaluation;
}

// Lexicographic "better": more matched, then higher score minus seat cost.
inline bool LexBetter(const Evaluation& a, const Evaluation& b) {
  return a.matched != b.matched ? a.matched > b.matched : a.net() > b.net();
}

// Minimum-cost assignment of every row to a distinct column (rows <= columns), O(rows^2 * cols):
// the classic shortest-augmenting-path Hungarian algorithm with row and column potentials.
inline std::vector<int> Hungarian(const std::vector<std::vector<int64_t>>& cost) {
  const int rows = static_cast<int>(cost.size());
  if (rows == 0) return {};
  const int cols = static_cast<int>(cost[0].size());
  const int64_t kInf = std::numeric_limits<int64_t>::max() / 4;
  std::vector<int64_t> u(static_cast<size_t>(rows) + 1, 0), v(static_cast<size_t>(cols) + 1, 0);
  std::vector<int> row_of(static_cast<size_t>(cols) + 1, 0), way(static_cast<size_t>(cols) + 1, 0);
  for (int i = 1; i <= rows; ++i) {
    row_of[0] = i;
    int j0 = 0;
    std::vector<int64_t> min_v(static_cast<size_t>(cols) + 1, kInf);
    std::vector<bool> used(static_cast<size_t>(cols) + 1, false);
    do {
      used[static_cast<size_t>(j0)] = true;
      const int i0 = row_of[static_cast<size_t>(j0)];
      int64_t delta = kInf;
      int j1 = 0;
      for (int j = 1; j <= cols; ++j) {
        if (used[static_cast<size_t>(j)]) continue;
        const int64_t reduced = cost[static_cast<size_t>(i0) - 1][static_cast<size_t>(j) - 1] -
                                u[static_cast<size_t>(i0)] - v[static_cast<size_t>(j)];
        if (reduced < min_v[static_cast<size_t>(j)]) {
          min_v[static_cast<size_t>(j)] = reduced;
          way[static_cast<size_t>(j)] = j0;
        }
        if (min_v[static_cast<size_t>(j)] < delta) {
          delta = min_v[static_cast<size_t>(j)];
          j1 = j;
        }
      }
      for (int j = 0; j <= cols; ++j) {
        if (used[static_cast<size_t>(j)]) {
          u[static_cast<size_t>(row_of[static_cast<size_t>(j)])] += delta;
          v[static_cast<size_t>(j)] -= delta;
        } else {
          min_v[static_cast<size_t>(j)] -= delta;
        }
      }
      j0 = j1;
    } while (row_of[static_cast<size_t>(j0)] != 0);
    do {
      const int j1 = way[static_cast<size_t>(j0)];
      row_of[static_cast<size_t>(j0)] = row_of[static_cast<size_t>(j1)];
      j0 = j1;
    } while (j0 != 0);
  }
  std::vector<int> column_of(static_cast<size_t>(rows), -1);
  for (int j = 1; j <= cols; ++j)
    if (row_of[static_cast<size_t>(j)] != 0) column_of[static_cast<size_t>(row_of[static_cast<size_t>(j)]) - 1] = j - 1;
  return column_of;
}

// The dense oracle: columns are (mentor, seat) for every seat, then one "unmatched" column per
// mentee. A pair on seat s costs -(kReward + score) + s * extra; unmatched costs 0; a pair that
// is not allowed costs kNever. kReward is the oracle's own big-M: far above any score and seat
// cost difference of these small test cohorts, so minimising is the lexicographic objective.
inline std::vector<int> DenseOptimum(const DenseCohort& cohort) {
  constexpr int64_t kReward = 1'000'000'000;
  constexpr int64_t kNever = 1'000'000'000'000'000;
  std::vector<std::pair<int, int>> columns;  // (mentor, seat); mentor -1 = unmatched
  for (int mentor = 0; mentor < cohort.mentors(); ++mentor)
    for (int seat = 0; seat < cohort.seats[static_cast<size_t>(mentor)]; ++seat) columns.push_back({mentor, seat});
  for (int mentee = 0; mentee < cohort.mentees(); ++mentee) columns.push_back({-1, 0});
  std::vector<std::vector<int64_t>> cost(static_cast<size_t>(cohort.mentees()), std::vector<int64_t>(columns.size()));
  for (int mentee = 0; mentee < cohort.mentees(); ++mentee) {
    for (size_t c = 0; c < columns.size(); ++c) {
      const auto [mentor, seat] = columns[c];
      int64_t& entry = cost[static_cast<size_t>(mentee)][c];
      if (mentor < 0) {
        entry = cohort.fixed(mentee) ? kNever : 0;
      } else if (!cohort.allowed(mentee, mentor)) {
        entry = kNever;
      } else {
        entry = -(kReward + cohort.scores[static_cast<size_t>(mentee)][static_cast<size_t>(mentor)]) +
                int64_t{seat} * cohort.extra_seat_cost;
      }
    }
  }
  std::vector<int> mentor_of(static_cast<size_t>(cohort.mentees()), -1);
  const std::vector<int> column_of = Hungarian(cost);
  for (int mentee = 0; mentee < cohort.mentees(); ++mentee) {
    const size_t column = static_cast<size_t>(column_of[static_cast<size_t>(mentee)]);
    if (cost[static_cast<size_t>(mentee)][column] >= kNever) return {};  // no valid assignment
    mentor_of[static_cast<size_t>(mentee)] = columns[column].first;
  }
  return mentor_of;
}

// Every assignment, for tiny cohorts: checks the oracle itself.
inline Evaluation BruteForceOptimum(const DenseCohort& cohort) {
  std::vector<int> mentor_of(static_cast<size_t>(cohort.mentees()), -1);
  std::vector<int> load(static_cast<size_t>(cohort.mentors()), 0);
  Evaluation best;
  best.matched = -1;
  auto visit = [&](auto& self, int mentee) -> void {
    if (mentee == cohort.mentees()) {
      const Evaluation here = Evaluate(cohort, mentor_of);
      if (best.matched < 0 || LexBetter(here, best)) best = here;
      return;
    }
    if (!cohort.fixed(mentee)) self(self, mentee + 1);
    for (int mentor = 0; mentor < cohort.mentors(); ++mentor) {
      if (!cohort.allowed(mentee, mentor) ||
          load[static_cast<size_t>(mentor)] >= cohort.seats[static_cast<size_t>(mentor)])
        continue;
      ++load[static_cast<size_t>(mentor)];
      mentor_of[static_cast<size_t>(mentee)] = mentor;
      self(self, mentee + 1);
      mentor_of[static_cast<size_t>(mentee)] = -1;
      --load[static_cast<size_t>(mentor)];
    }
  };
  visit(visit, 0);
  return best;
}

}  // namespace mentoring::matching::testing
