#pragma once
// The cohort optimiser (the objective is stated in the public header). Three steps:
//   1. Score every mentee's row once, in parallel. Keep its k best pairs (the candidates) in
//      memory and, as a bound, the best score among all the others (the pruned pairs).
//   2. Solve a min-cost flow with LEMON's NetworkSimplex on a network holding some of the
//      candidates as arcs.
//   3. Price every pair not in the network with the solve's node potentials: candidates
//      exactly, pruned pairs by the bound or, when it cannot rule them out, by scoring the row
//      again. Add the most negative reduced costs as arcs and solve again, until there is none.
//      Then the potentials certify that the flow is optimal over ALL pairs.
//
// One class, CohortSolver, whose steps live in one file each:
//   cohort_solver.cc   SolveCohort and the loop over rounds, validation, the seats the network
//                      offers and the reward M per match (with the proof that M is big enough),
//                      and the result;
//   cohort_rows.cc     step 1: scoring every row once and keeping each mentee's pairs;
//   cohort_network.cc  step 2: the network (how it encodes the objective) and its cold and warm
//                      solves; the only file that includes LEMON;
//   cohort_pricing.cc  step 3: canonical potentials, the optimality certificate (why pricing
//                      proves optimality) and pricing every pair outside the network.
// This header is private to the library. What every step shares, and the helpers small enough
// to matter in a per-pair loop, are defined here, inline.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "mentoring/matching/cohort_solver.h"

namespace mentoring::matching::cohort_internal {

inline constexpr int32_t kNoneLeftOut = -1;

struct ScoredMentor {
  int32_t mentor;
  int32_t score;
};

// Higher score first, then the lower mentor index, so which pairs are kept never depends on
// thread timing.
inline bool Better(const ScoredMentor& a, const ScoredMentor& b) {
  return a.score != b.score ? a.score > b.score : a.mentor < b.mentor;
}

// Where a pair kept in memory stands. Arcs leave the network when their reduced cost is far
// above zero (see PriceLeftOutPairs); one that comes back is pinned, so nothing can cycle.
enum class PairState : uint8_t { kOutside, kInNetwork, kDropped, kPinned };

// What the solver keeps of one free mentee's row. Invariant: every feasible pair of the mentee
// with an available mentor is in `pairs` or scores <= best_left_out.
struct MenteeRow {
  std::vector<ScoredMentor> pairs;  // top-k candidates, then pruned pairs that entered the network
  std::vector<PairState> state;     // per pair
  // Pruned pairs kept in memory, in no particular order (never in `pairs`): priced exactly
  // without scoring the row again. A reserve pair that enters the network moves to `pairs`.
  std::vector<ScoredMentor> reserve;
  int32_t reserve_best = kNoneLeftOut;   // >= every score in `reserve`
  int32_t best_left_out = kNoneLeftOut;  // bound on every pair in neither (kNoneLeftOut: none)
  int top_k = 0;                         // pairs[0, top_k) are the candidates, the rest pruned
  bool has_options() const { return !pairs.empty() || !reserve.empty() || best_left_out >= 0; }

  bool InNetwork(size_t pair) const {
    return state[pair] == PairState::kInNetwork || state[pair] == PairState::kPinned;
  }
  // Returns whether the pair is a pruned one entering the network for the first time.
  bool AddToNetwork(size_t pair) {
    const bool first_time = state[pair] == PairState::kOutside;
    state[pair] = state[pair] == PairState::kDropped ? PairState::kPinned : PairState::kInNetwork;
    return first_time && pair >= static_cast<size_t>(top_k);
  }
  void Keep(ScoredMentor pair) {
    pairs.push_back(pair);
    state.push_back(PairState::kOutside);
  }
};

// One solved network, with potentials relative to the sink (pi(sink) = 0).
struct FlowRound {
  std::vector<int> active;                // mentees in the network, in node order
  std::vector<int> arc_first;             // per active mentee + 1: offsets into arc_pair
  std::vector<int> arc_pair;              // the pairs (indices into the row) that were arcs
  std::vector<int> chosen;                // per active mentee: the pair it uses, -1 unmatched
  std::vector<int64_t> mentee_potential;  // per active mentee
  std::vector<int64_t> mentor_potential;  // per mentor (meaningful where seats are usable)
  std::vector<int64_t> seat_flow;         // per seat arc
  int64_t pair_arcs = 0;
  bool flow_well_formed = true;  // each mentee sends exactly one unit on one arc
};

// Per-worker buffers, so rows are scored without allocating.
struct RowScratch {
  std::vector<int32_t> row;
  std::vector<ScoredMentor> pairs;
  std::vector<int> kept_stamp;                     // == mentee + 1 when that mentor is in the mentee's pairs
  std::vector<std::pair<int64_t, int>> violators;  // (reduced cost, pair index; < 0: new pair)
  std::vector<int> free_feasible_count;            // per mentor, for the first pass
  std::vector<int> score_count;                    // per score (+1 for "not available"), first pass
  int32_t last_cut_score = 0;                      // the score at the previous row's cut
};

inline std::string PairName(int mentee, int mentor) {
  return "(mentee " + std::to_string(mentee) + ", mentor " + std::to_string(mentor) + ")";
}

template <typename T>
size_t At(T index) {
  return static_cast<size_t>(index);
}

class CohortSolver {
 public:
  explicit CohortSolver(const CohortProblem& problem) : problem_(problem) {}

  CohortSolution Solve();

 private:
  // Whether a mentor can take a free mentee, looked up once per pair while scoring.
  enum class SeatState : uint8_t { kNone, kAllFixed, kFree };

  // cohort_solver.cc
  void ValidateShape();
  void PlanSeatsAndReward();
  void FillSolution(const FlowRound* round);

  // cohort_rows.cc: step 1.
  void ScoreRowChecked(int mentee, std::span<int32_t> row) const;
  void ScoreEveryRowOnce();
  void SelectBySorting(std::span<const int32_t> row, size_t top_k, size_t reserve, RowScratch& scratch,
                       MenteeRow& kept) const;
  void SelectByScoreCount(std::span<const int32_t> row, size_t top_k, size_t reserve, RowScratch& scratch,
                          MenteeRow& kept) const;

  // cohort_network.cc: step 2.
  FlowRound SolveFirstNetwork();
  FlowRound SolveNetwork(const FlowRound* previous) const;

  // cohort_pricing.cc: step 3.
  bool CanonicalPotentialsAndCertificate(FlowRound& round) const;
  void PriceLeftOutPairs(const FlowRound& round, bool reserve_too, bool pruned_too, PricingRound& log);
  int64_t DropThreshold() const;
  static void TakeMostNegative(std::vector<std::pair<int64_t, int>>& violators, size_t count, const MenteeRow& row,
                               const std::vector<ScoredMentor>& rescored);

  // Used by more than one step, some per pair: defined here so every caller can inline them.
  int SeatsLeft(int mentor) const { return problem_.seats[At(mentor)] - fixed_count_[At(mentor)]; }

  int64_t PairCost(int32_t score) const { return -(match_reward_ + score); }

  const ScoredMentor& ChosenPair(const FlowRound& round, size_t a) const {
    return rows_[At(round.active[a])].pairs[At(round.chosen[a])];
  }

  // How many pruned pairs per mentee stay in memory: reserve_per_mentee, capped by the memory
  // budget (a pair takes sizeof(ScoredMentor) bytes; the candidates are not counted).
  size_t ReserveLimit() const {
    const int64_t per_mentee =
        problem_.memory_budget_bytes / (static_cast<int64_t>(sizeof(ScoredMentor)) * std::max(1, mentee_count_));
    return At(std::max<int64_t>(0, std::min<int64_t>(problem_.reserve_per_mentee, per_mentee)));
  }

  // Leaves `keep` best pairs, in no particular order, and sets best_left_out to the best score
  // among the others, or kNoneLeftOut when nothing was dropped.
  static void KeepUnsorted(std::vector<ScoredMentor>& pairs, size_t keep, int32_t& best_left_out) {
    best_left_out = kNoneLeftOut;
    if (pairs.size() > keep) {
      std::nth_element(pairs.begin(), pairs.begin() + static_cast<ptrdiff_t>(keep), pairs.end(), Better);
      best_left_out = pairs[keep].score;
      pairs.resize(keep);
    }
  }

  const CohortProblem& problem_;
  int mentee_count_ = 0;
  int mentor_count_ = 0;
  int threads_ = 1;
  std::vector<int> forbidden_begin_;  // per mentee + 1: offsets into forbidden_mentor_
  std::vector<int> forbidden_mentor_;
  std::vector<int> fixed_mentor_;      // per mentee, -1 when free
  std::vector<int> fixed_count_;       // per mentor: seats taken by fixed pairs
  std::vector<SeatState> seat_state_;  // per mentor
  std::vector<int32_t> fixed_score_;   // per mentee in a fixed pair
  std::vector<MenteeRow> rows_;        // per mentee (empty for fixed ones)
  std::vector<RowScratch> scratch_;    // per worker
  std::vector<int> usable_seats_;      // per mentor: seats the network offers free mentees
  std::vector<int> seat_first_;        // per mentor + 1: offsets into the seat arcs
  std::vector<int64_t> seat_cost_;
  std::vector<int64_t> seat_capacity_;
  int64_t match_reward_ = 1;
  CohortSolution solution_;
};

}  // namespace mentoring::matching::cohort_internal
