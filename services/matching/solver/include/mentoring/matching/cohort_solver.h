#pragma once
// The cohort optimiser: who mentors whom in one programme cohort, chosen from pair scores and
// mentor seats. A pure function (no I/O, no runtime): the matching service scores pairs, this
// library picks the optimal assignment and proves it optimal without keeping the dense score
// matrix in memory.
//
// Objective, exactly. Among assignments where each mentee has at most one mentor, mentor j has
// at most seats[j] mentees, no pair scored kInfeasible (or listed in forbidden_pairs) is used and
// every pair in fixed_pairs is used, SolveCohort returns one that maximises, lexicographically,
//   1. matched, the number of mentees with a mentor; then
//   2. total_score - total_seat_cost, where total_score is the sum of the chosen pairs' scores
//      and total_seat_cost = sum over mentors j of extra_seat_cost * (0 + 1 + ... + (u_j - 1))
//      for u_j mentees of j (a mentor's seat s, 0-based, costs s * extra_seat_cost).
// All quantities are integers and the optimum is exact, not approximate. Ties are broken
// arbitrarily but deterministically (the same problem gives the same answer on any thread count).
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

namespace mentoring::matching {

// A score meaning "a hard constraint forbids this pair" (exclusion, same reporting line, ...).
inline constexpr int32_t kInfeasible = -1;

// Pair scores, computed on demand: one row per mentee over all mentors. The solver asks for
// every row once, and again only for the rows whose optimality it cannot prove from what it kept.
class ScoreSource {
 public:
  virtual ~ScoreSource() = default;
  virtual int mentee_count() const = 0;
  virtual int mentor_count() const = 0;
  // row.size() == mentor_count(). row[j] = integer score in [0, max_score] of mentee i with
  // mentor j, or kInfeasible when a hard constraint forbids the pair. Must be thread-safe
  // (called concurrently for different mentees) and return the same row every time.
  virtual void ScoreRow(int mentee, std::span<int32_t> row) const = 0;
};

struct CohortProblem {
  const ScoreSource* scores = nullptr;
  std::vector<int> seats;          // per mentor, >= 0
  int32_t max_score = 1000;        // upper bound on any score
  int32_t extra_seat_cost = 0;     // a mentor's seat s (0-based) costs s * extra_seat_cost: spreads load
  int candidates_per_mentee = 40;  // pruning: best k feasible mentors per mentee kept as candidates
  int threads = 2;                 // for scoring and pricing rows; the flow solve is serial
  // For an admin editing a draft and re-solving: pairs (mentee, mentor) that must be in, and
  // pairs that must stay out. A fixed pair must be feasible and within the mentor's seats.
  std::vector<std::pair<int, int>> fixed_pairs;
  std::vector<std::pair<int, int>> forbidden_pairs;

  // How the proof is run; the defaults suit cohorts of thousands. None changes the objective.
  // The first network holds each mentee's best few candidates; pricing adds the others when
  // they matter (a network solve costs far more per arc than pricing outside it).
  int initial_arcs_per_mentee = 1;
  // Besides its k candidates, each mentee keeps this many next-best pairs in memory, so the
  // proof prices them without scoring the row again; all others are bounded by the best score
  // left out, and the row is scored again only when that bound cannot rule them out.
  int reserve_per_mentee = 1 << 30;
  // Caps the reserve: at most this many bytes of pruned pairs over all mentees (8 bytes a pair).
  int64_t memory_budget_bytes = int64_t{512} << 20;
  // Pricing adds at most this many violating pairs per mentee per round (the most negative).
  int max_arcs_added_per_mentee = 8;
  // false: stop at the optimum over the top-k candidates, without pricing the pruned pairs
  // (a draft; proven_optimal = false unless nobody could be placed at all). Shows what
  // pruning alone would give.
  bool prove_optimality = true;
};

// One round of "solve the network, then price every pair outside it".
struct PricingRound {
  int64_t pair_arcs = 0;           // mentee-mentor arcs in the network solved this round
  double solve_seconds = 0;        // building the network and NetworkSimplex
  double pricing_seconds = 0;      // potentials, certificate check, pricing
  int64_t pairs_priced = 0;        // pairs outside the network whose exact reduced cost was computed
  int64_t rows_rescored = 0;       // mentees whose row had to be scored again for that
  int64_t arcs_added = 0;          // violators added to the network for the next round
  int64_t pruned_pairs_added = 0;  // of which pruned pairs (outside the top-k), first time in
};

struct CohortSolution {
  std::vector<int> mentor_of;  // per mentee: mentor index, or -1 when unmatched
  int matched = 0;
  int64_t total_score = 0;      // sum of scores of the chosen pairs
  int64_t total_seat_cost = 0;  // sum over mentors of their seat costs
  // Per mentee: how many mentors are feasible at all (score not kInfeasible, not forbidden,
  // seats > 0); 0 => nobody possible, so being unmatched is not the optimiser's choice.
  std::vector<int> feasible_mentors;
  // How the optimum was proven: rounds of (solve the network, price every pair outside it, add
  // violators) until no pair outside has a negative reduced cost.
  int rounds = 0;
  int64_t candidate_arcs = 0;         // candidate pairs kept after the first scoring (top-k per mentee)
  int64_t arcs_added_by_pricing = 0;  // pruned pairs (outside the top-k) that pricing had to add
  int64_t pairs_priced = 0;           // exact reduced costs computed over all rounds
  int64_t rows_rescored = 0;          // rows scored again over all rounds (beyond the first pass)
  bool proven_optimal = false;
  // The reward per matched mentee that makes the flow's single cost lexicographic (see
  // cohort_solver.cc); a dense solver given the same costs must find the same objective.
  int64_t match_reward = 0;
  double score_seconds = 0;  // scoring every row once and keeping the candidates
  double total_seconds = 0;
  std::vector<PricingRound> round_log;
};

// Throws std::invalid_argument for a malformed problem (null scores, seats of the wrong size or
// negative, a score outside [0, max_score], a fixed pair that is infeasible, repeated or over a
// mentor's seats, a cohort too large for exact 64-bit costs); exceptions from the ScoreSource
// propagate.
CohortSolution SolveCohort(const CohortProblem& problem);

// The cost the flow network gives a feasible pair (mentee on mentor's seat `seat`): lower is
// better, -(match_reward + score) + seat * extra_seat_cost. Unmatched costs 0. Exposed so a dense
// baseline (the benchmark's dump) minimises exactly the same integers.
inline int64_t LexicographicPairCost(int64_t match_reward, int32_t score, int seat, int32_t extra_seat_cost) {
  return -(match_reward + score) + static_cast<int64_t>(seat) * extra_seat_cost;
}

}  // namespace mentoring::matching
