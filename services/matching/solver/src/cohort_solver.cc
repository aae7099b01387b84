// The cohort optimiser (the objective is stated in the header). Three steps:
//   1. Score every mentee's row once, in parallel. Keep its k best pairs (the candidates) in
//      memory and, as a bound, the best score among all the others (the pruned pairs).
//   2. Solve a min-cost flow with LEMON's NetworkSimplex on a network holding some of the
//      candidates as arcs.
//   3. Price every pair not in the network with the solve's node potentials: candidates
//      exactly, pruned pairs by the bound or, when it cannot rule them out, by scoring the row
//      again. Add the most negative reduced costs as arcs and solve again, until there is none.
//      Then the potentials certify that the flow is optimal over ALL pairs.
//
// The network. Each free mentee (not in a fixed pair, with at least one feasible mentor) is a
// node with supply 1 and arcs of capacity 1:
//   mentee -> sink     cost 0                          (stays unmatched)
//   mentee -> mentor   cost -(M + score)               (a pair)
// Each mentor with seats left has seat arcs to the sink: seat s (counting seats taken by fixed
// pairs first) costs s * extra_seat_cost, capacity 1. Costs rise with s, so a min-cost flow
// fills a mentor's seats in order and pays exactly the seat cost of the objective (convex
// costs need no ordering constraint). With extra_seat_cost == 0 one arc of capacity "seats"
// does the same. The sink absorbs every mentee's unit, matched or not, so the problem is always
// feasible; the flow's cost is -M * matched - (score - seat cost), and minimising it is the
// lexicographic objective when M is big enough (PlanSeatsAndReward proves the bound).
//
// Why pricing proves optimality. At LEMON's optimum, node potentials pi satisfy complementary
// slackness: the reduced cost cost(u,v) + pi(u) - pi(v) is >= 0 on every arc at flow 0, <= 0 on
// every arc at capacity, and 0 in between (LEMON's sign convention: its pivot rules price an
// arc as cost + pi[source] - pi[target]; lemon_convention_test.cc checks it). A pair not in the
// network is an arc at flow 0 of the full network; if its reduced cost is >= 0 as well, the
// same flow and potentials satisfy complementary slackness on the full network, so the flow
// is optimal for it. The solver checks the conditions on the network's arcs itself before
// claiming anything, rather than trusting the solver's status.
#include "mentoring/matching/cohort_solver.h"

#include <lemon/network_simplex.h>
#include <lemon/smart_graph.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <limits>
#include <queue>
#include <stdexcept>
#include <string>

#include "parallel_rows.h"

namespace mentoring::matching {
namespace {

using internal::ParallelForRows;
using SteadyClock = std::chrono::steady_clock;
using Graph = lemon::SmartDigraph;
using FlowSolver = lemon::NetworkSimplex<Graph, int64_t, int64_t>;

static_assert(kInfeasible == -1, "row validation treats exactly -1 as 'forbidden'");

constexpr int32_t kNoneLeftOut = -1;
constexpr int64_t kMinusInfinity = std::numeric_limits<int64_t>::min();
// LEMON's artificial arcs cost about 2^62; our own costs times the node count stay below 2^60 so
// no potential or reduced cost can overflow int64.
constexpr int64_t kMaxCostTimesNodes = int64_t{1} << 60;

double SecondsSince(SteadyClock::time_point start) {
  return std::chrono::duration<double>(SteadyClock::now() - start).count();
}

struct ScoredMentor {
  int32_t mentor;
  int32_t score;
};

// Higher score first, then the lower mentor index, so which pairs are kept never depends on
// thread timing.
bool Better(const ScoredMentor& a, const ScoredMentor& b) {
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

// Presents a vector indexed by arc id as the read map LEMON expects, without a copy.
struct ArcValues {
  using Key = Graph::Arc;
  using Value = int64_t;
  const Graph& graph;
  const std::vector<int64_t>& values;
  Value operator[](const Key& arc) const { return values[static_cast<size_t>(graph.id(arc))]; }
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

std::string PairName(int mentee, int mentor) {
  return "(mentee " + std::to_string(mentee) + ", mentor " + std::to_string(mentor) + ")";
}

template <typename T>
size_t At(T index) {
  return static_cast<size_t>(index);
}

class CohortSolver {
 public:
  explicit CohortSolver(const CohortProblem& problem) : problem_(problem) {}

  CohortSolution Solve() {
    const auto start = SteadyClock::now();
    ValidateShape();
    ScoreEveryRowOnce();
    PlanSeatsAndReward();
    solution_.score_seconds = SecondsSince(start);

    bool anyone_to_place = false;
    for (const MenteeRow& row : rows_) anyone_to_place = anyone_to_place || row.has_options();
    if (!anyone_to_place) {
      // Every free mentee has nobody available: the only assignment is the fixed pairs.
      solution_.proven_optimal = true;
      FillSolution(nullptr);
      solution_.total_seconds = SecondsSince(start);
      return std::move(solution_);
    }

    FlowRound round;
    int64_t previous_added = 0;
    for (bool first = true;; first = false) {
      PricingRound log;
      const auto solve_start = SteadyClock::now();
      round = first ? SolveFirstNetwork() : SolveNetwork(&round);
      log.pair_arcs = round.pair_arcs;
      log.solve_seconds = SecondsSince(solve_start);
      ++solution_.rounds;
      const auto pricing_start = SteadyClock::now();
      const bool certified = CanonicalPotentialsAndCertificate(round);
      // Pairs in memory (candidates and the reserve) are priced every round: no scoring, a few
      // ms over all pairs. Pairs outside memory (only when the reserve is capped) need rescoring
      // whenever the bound fails, and it fails far more often while the potentials are still
      // far from final, so they are priced only once the flow barely changes any more.
      const int64_t settled = std::max<int64_t>(8, static_cast<int64_t>(round.active.size()) / 128);
      const bool pruned_too = problem_.prove_optimality && !first && previous_added <= settled;
      if (certified) PriceLeftOutPairs(round, /*reserve_too=*/problem_.prove_optimality, pruned_too, log);
      if (certified && !pruned_too && log.arcs_added == 0 && problem_.prove_optimality)
        PriceLeftOutPairs(round, /*reserve_too=*/true, /*pruned_too=*/true, log);
      previous_added = log.arcs_added;
      log.pricing_seconds = SecondsSince(pricing_start);
      solution_.round_log.push_back(log);
      solution_.pairs_priced += log.pairs_priced;
      solution_.rows_rescored += log.rows_rescored;
      solution_.arcs_added_by_pricing += log.pruned_pairs_added;
      if (!certified) break;  // never expected; the flow stands but is not claimed optimal
      if (log.arcs_added == 0) {
        solution_.proven_optimal = problem_.prove_optimality;
        break;
      }
    }
    FillSolution(&round);
    solution_.total_seconds = SecondsSince(start);
    return std::move(solution_);
  }

 private:
  void ValidateShape() {
    if (problem_.scores == nullptr) throw std::invalid_argument("CohortProblem.scores is null");
    mentee_count_ = problem_.scores->mentee_count();
    mentor_count_ = problem_.scores->mentor_count();
    if (mentee_count_ < 0 || mentor_count_ < 0)
      throw std::invalid_argument("ScoreSource reports a negative mentee or mentor count");
    if (static_cast<int>(problem_.seats.size()) != mentor_count_)
      throw std::invalid_argument("CohortProblem.seats has " + std::to_string(problem_.seats.size()) + " entries for " +
                                  std::to_string(mentor_count_) + " mentors");
    for (int seats : problem_.seats)
      if (seats < 0) throw std::invalid_argument("CohortProblem.seats has a negative entry");
    if (problem_.max_score < 0) throw std::invalid_argument("CohortProblem.max_score < 0");
    if (problem_.extra_seat_cost < 0) throw std::invalid_argument("CohortProblem.extra_seat_cost < 0");
    if (problem_.candidates_per_mentee < 0) throw std::invalid_argument("CohortProblem.candidates_per_mentee < 0");
    if (problem_.reserve_per_mentee < 0) throw std::invalid_argument("CohortProblem.reserve_per_mentee < 0");
    if (problem_.memory_budget_bytes < 0) throw std::invalid_argument("CohortProblem.memory_budget_bytes < 0");
    if (problem_.initial_arcs_per_mentee < 0) throw std::invalid_argument("CohortProblem.initial_arcs_per_mentee < 0");
    if (problem_.max_arcs_added_per_mentee < 1)
      throw std::invalid_argument("CohortProblem.max_arcs_added_per_mentee < 1");
    threads_ = std::max(1, problem_.threads);

    auto check_pair = [&](const std::pair<int, int>& pair, const char* list) {
      if (pair.first < 0 || pair.first >= mentee_count_ || pair.second < 0 || pair.second >= mentor_count_)
        throw std::invalid_argument(std::string(list) + " has " + PairName(pair.first, pair.second) + " out of range");
    };
    // Forbidden pairs as one sorted array with per-mentee offsets: cheap to apply to a row.
    std::vector<std::pair<int, int>> forbidden = problem_.forbidden_pairs;
    for (const auto& pair : forbidden) check_pair(pair, "forbidden_pairs");
    std::sort(forbidden.begin(), forbidden.end());
    forbidden_begin_.assign(At(mentee_count_) + 1, 0);
    for (const auto& pair : forbidden) ++forbidden_begin_[At(pair.first) + 1];
    for (int mentee = 0; mentee < mentee_count_; ++mentee)
      forbidden_begin_[At(mentee) + 1] += forbidden_begin_[At(mentee)];
    for (const auto& pair : forbidden) forbidden_mentor_.push_back(pair.second);

    fixed_mentor_.assign(At(mentee_count_), -1);
    fixed_count_.assign(At(mentor_count_), 0);
    for (const auto& pair : problem_.fixed_pairs) {
      check_pair(pair, "fixed_pairs");
      int& fixed = fixed_mentor_[At(pair.first)];
      if (fixed != -1)
        throw std::invalid_argument("fixed_pairs gives mentee " + std::to_string(pair.first) + " two mentors");
      fixed = pair.second;
      if (++fixed_count_[At(pair.second)] > problem_.seats[At(pair.second)])
        throw std::invalid_argument("fixed_pairs put more mentees on mentor " + std::to_string(pair.second) +
                                    " than it has seats");
    }
    seat_state_.resize(At(mentor_count_));
    for (int mentor = 0; mentor < mentor_count_; ++mentor)
      seat_state_[At(mentor)] = problem_.seats[At(mentor)] == 0 ? SeatState::kNone
                                : SeatsLeft(mentor) == 0        ? SeatState::kAllFixed
                                                                : SeatState::kFree;
  }

  int SeatsLeft(int mentor) const { return problem_.seats[At(mentor)] - fixed_count_[At(mentor)]; }

  // Whether a mentor can take a free mentee, looked up once per pair while scoring.
  enum class SeatState : uint8_t { kNone, kAllFixed, kFree };

  // The mentee's scores with forbidden pairs removed; a score out of range is a caller bug.
  void ScoreRowChecked(int mentee, std::span<int32_t> row) const {
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
  void ScoreEveryRowOnce() {
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
          scratch.free_feasible_count[At(mentor)] +=
              counts & (seat_state_[At(mentor)] == SeatState::kFree) & free_mentee;
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

  void SelectBySorting(std::span<const int32_t> row, size_t top_k, size_t reserve, RowScratch& scratch,
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
  void SelectByScoreCount(std::span<const int32_t> row, size_t top_k, size_t reserve, RowScratch& scratch,
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

  // Seats the network offers per mentor, its seat arcs, and the reward M per matched mentee.
  void PlanSeatsAndReward() {
    // A mentor can take at most its free seats, and at most the free mentees it is feasible
    // for: more seat arcs could never carry flow.
    usable_seats_.assign(At(mentor_count_), 0);
    int64_t total_usable = 0;
    int64_t highest_free_seat = 0;  // the highest seat index a free mentee could take
    for (int mentor = 0; mentor < mentor_count_; ++mentor) {
      int feasible_for = 0;
      for (const RowScratch& scratch : scratch_) feasible_for += scratch.free_feasible_count[At(mentor)];
      const int usable = std::min(SeatsLeft(mentor), feasible_for);
      usable_seats_[At(mentor)] = usable;
      total_usable += usable;
      if (usable > 0) highest_free_seat = std::max<int64_t>(highest_free_seat, fixed_count_[At(mentor)] + usable - 1);
    }
    for (RowScratch& scratch : scratch_) scratch.free_feasible_count = {};
    int64_t mentees_with_options = 0;
    for (const MenteeRow& row : rows_) mentees_with_options += row.has_options();
    const int64_t most_matched = std::min(mentees_with_options, total_usable);

    // M, the reward per matched mentee. Let W = (free pairs' scores) - (seat cost of the seats
    // they take); fixed pairs only add constants. The flow cost of an assignment with `a` free
    // mentees matched is -M*a - W. Take two assignments A (a matched) and B (b < a matched):
    //   W(B) <= b * max_score <= N * max_score      (scores <= max_score, seat costs >= 0)
    //  -W(A) <= a * S * extra <= N * S * extra      (scores >= 0, each seat index <= S)
    // with N = most_matched and S = highest_free_seat. With M = N*(max_score + S*extra) + 1,
    // W(B) - W(A) < M <= M*(a - b), so cost(A) < cost(B): more matched always wins, and among
    // equally many matched the flow minimises -W. A reward of max_score + 1 per mentee would
    // NOT do: in a chain where mentee t's only alternative to mentor t-1 (score max_score) is
    // mentor t (score 0), matching one more mentee costs N*max_score of score, so M must grow
    // with N (the CardinalityWinsOverScoreAlongALongChain test).
    const int64_t per_match = int64_t{problem_.max_score} + highest_free_seat * problem_.extra_seat_cost;
    int64_t reward = 0;
    if (__builtin_mul_overflow(most_matched, per_match, &reward) || reward > kMaxCostTimesNodes)
      throw std::invalid_argument("cohort too large for exact 64-bit costs");
    match_reward_ = reward + 1;
    const int64_t nodes = int64_t{mentee_count_} + mentor_count_ + 1;
    int64_t largest_cost_times_nodes = 0;
    if (__builtin_mul_overflow(match_reward_ + problem_.max_score, nodes, &largest_cost_times_nodes) ||
        largest_cost_times_nodes > kMaxCostTimesNodes)
      throw std::invalid_argument("cohort too large for exact 64-bit costs");
    solution_.match_reward = match_reward_;
    for (const MenteeRow& row : rows_) solution_.candidate_arcs += row.top_k;

    // Seat arcs, the same every round.
    seat_first_.assign(At(mentor_count_) + 1, 0);
    for (int mentor = 0; mentor < mentor_count_; ++mentor) {
      seat_first_[At(mentor)] = static_cast<int>(seat_cost_.size());
      const int usable = usable_seats_[At(mentor)];
      if (usable == 0) continue;
      if (problem_.extra_seat_cost == 0) {
        seat_cost_.push_back(0);
        seat_capacity_.push_back(usable);
        continue;
      }
      for (int seat = fixed_count_[At(mentor)]; seat < fixed_count_[At(mentor)] + usable; ++seat) {
        seat_cost_.push_back(int64_t{seat} * problem_.extra_seat_cost);
        seat_capacity_.push_back(1);
      }
    }
    seat_first_[At(mentor_count_)] = static_cast<int>(seat_cost_.size());
  }

  int64_t PairCost(int32_t score) const { return -(match_reward_ + score); }

  const ScoredMentor& ChosenPair(const FlowRound& round, size_t a) const {
    return rows_[At(round.active[a])].pairs[At(round.chosen[a])];
  }

  // The first network holds each mentee's best few candidates (initial_arcs_per_mentee), since
  // a cold solve costs far more per arc than pricing the rest outside (see SolveNetwork).
  FlowRound SolveFirstNetwork() {
    const size_t initial = At(problem_.initial_arcs_per_mentee);
    for (MenteeRow& row : rows_)
      for (size_t pair = 0; pair < std::min(initial, At(row.top_k)); ++pair) row.AddToNetwork(pair);
    return SolveNetwork(nullptr);
  }

  // Step 2: min-cost flow on the arcs in the network. NetworkSimplex has no warm start, and from
  // scratch it spends most of its time on degenerate pivots, each scanning arcs for one with a
  // negative reduced cost: on the 10,000 x 5,000 benchmark, 400,000 candidate arcs took about
  // 400,000 pivots (4% of them moving flow) and a second. So the network holds only arcs that
  // pricing showed to matter, and only the first solve is cold. Every later solve starts from
  // the previous optimum: it finds a circulation on the residual network of the previous flow,
  // with costs reduced by the previous potentials. Those are >= 0 on every old residual arc
  // (complementary slackness), so only the new arcs are negative and the pivots go to what they
  // change. The previous flow plus the circulation is optimal for the new network, with the
  // previous potentials plus the circulation's as certificate.
  FlowRound SolveNetwork(const FlowRound* previous) const {
    FlowRound round;
    for (int mentee = 0; mentee < mentee_count_; ++mentee)
      if (rows_[At(mentee)].has_options()) round.active.push_back(mentee);
    const size_t active = round.active.size();
    round.arc_first.assign(active + 1, 0);
    for (size_t a = 0; a < active; ++a) {
      const MenteeRow& row = rows_[At(round.active[a])];
      for (size_t pair = 0; pair < row.pairs.size(); ++pair)
        if (row.InNetwork(pair)) round.arc_pair.push_back(static_cast<int>(pair));
      round.arc_first[a + 1] = static_cast<int>(round.arc_pair.size());
    }
    round.pair_arcs = static_cast<int64_t>(round.arc_pair.size());
    if (previous != nullptr && previous->active != round.active)
      throw std::logic_error("the mentees in the network changed between rounds");

    Graph graph;
    const size_t arc_bound = active + At(round.pair_arcs) + 2 * seat_cost_.size();
    graph.reserveNode(static_cast<int>(active) + mentor_count_ + 1);
    graph.reserveArc(static_cast<int>(arc_bound));
    std::vector<int64_t> cost, capacity;
    cost.reserve(arc_bound);
    capacity.reserve(arc_bound);
    auto add_arc = [&](Graph::Node from, Graph::Node to, int64_t arc_cost, int64_t arc_capacity) {
      graph.addArc(from, to);
      cost.push_back(arc_cost);
      capacity.push_back(arc_capacity);
    };
    const Graph::Node sink = graph.addNode();
    std::vector<Graph::Node> mentor_node(At(mentor_count_), lemon::INVALID);
    for (int mentor = 0; mentor < mentor_count_; ++mentor)
      if (usable_seats_[At(mentor)] > 0) mentor_node[At(mentor)] = graph.addNode();
    std::vector<Graph::Node> mentee_node(active);
    for (size_t a = 0; a < active; ++a) mentee_node[a] = graph.addNode();

    // A unit arc (unmatched or pair) is one arc either way: cold, the arc itself; warm, its
    // residual arc with reduced cost (forward if it was unused, backward if used).
    auto add_unit_arc = [&](Graph::Node from, Graph::Node to, int64_t arc_cost, bool used_before, int64_t pi_from,
                            int64_t pi_to) {
      if (previous == nullptr) return add_arc(from, to, arc_cost, 1);
      const int64_t reduced = arc_cost + pi_from - pi_to;
      if (used_before) return add_arc(to, from, -reduced, 1);
      add_arc(from, to, reduced, 1);
    };
    // Arc ids: per mentee its unmatched arc then its pair arcs in network order; then seats.
    for (size_t a = 0; a < active; ++a) {
      const MenteeRow& row = rows_[At(round.active[a])];
      const int previous_choice = previous ? previous->chosen[a] : -1;
      const int64_t pi = previous ? previous->mentee_potential[a] : 0;
      add_unit_arc(mentee_node[a], sink, 0, previous && previous_choice < 0, pi, 0);
      for (int k = round.arc_first[a]; k < round.arc_first[a + 1]; ++k) {
        const ScoredMentor& pair = row.pairs[At(round.arc_pair[At(k)])];
        add_unit_arc(mentee_node[a], mentor_node[At(pair.mentor)], PairCost(pair.score),
                     previous_choice == round.arc_pair[At(k)], pi,
                     previous ? previous->mentor_potential[At(pair.mentor)] : 0);
      }
    }
    // Seat arcs: cold, each as is; warm, a forward residual arc if it has room and a backward
    // one if it carries flow (ids recorded, since a seat arc may give one or two).
    std::vector<int> forward_id(seat_cost_.size(), -1), backward_id(seat_cost_.size(), -1);
    for (int mentor = 0; mentor < mentor_count_; ++mentor) {
      for (int seat = seat_first_[At(mentor)]; seat < seat_first_[At(mentor) + 1]; ++seat) {
        const int64_t seat_capacity = seat_capacity_[At(seat)];
        if (previous == nullptr) {
          forward_id[At(seat)] = static_cast<int>(cost.size());
          add_arc(mentor_node[At(mentor)], sink, seat_cost_[At(seat)], seat_capacity);
          continue;
        }
        const int64_t flow = previous->seat_flow[At(seat)];
        const int64_t reduced = seat_cost_[At(seat)] + previous->mentor_potential[At(mentor)];
        if (flow < seat_capacity) {
          forward_id[At(seat)] = static_cast<int>(cost.size());
          add_arc(mentor_node[At(mentor)], sink, reduced, seat_capacity - flow);
        }
        if (flow > 0) {
          backward_id[At(seat)] = static_cast<int>(cost.size());
          add_arc(sink, mentor_node[At(mentor)], -reduced, flow);
        }
      }
    }

    // Cold: every mentee supplies one unit and the sink takes them all. Warm: a circulation.
    Graph::NodeMap<int64_t> supply(graph, 0);
    if (previous == nullptr) {
      for (size_t a = 0; a < active; ++a) supply[mentee_node[a]] = 1;
      supply[sink] = -static_cast<int64_t>(active);
    }
    std::vector<int64_t> arc_flow(cost.size()), node_potential(At(graph.nodeNum()));
    auto run = [&]<typename Solver>(Solver& solver) {
      solver.costMap(ArcValues{graph, cost}).upperMap(ArcValues{graph, capacity}).supplyMap(supply);
      if (solver.run() != Solver::OPTIMAL)
        // Cannot happen: every mentee can stay unmatched, every capacity is finite, and a warm
        // start's zero circulation is feasible.
        throw std::logic_error("cohort flow network not solved to optimality");
      for (size_t id = 0; id < arc_flow.size(); ++id) arc_flow[id] = solver.flow(graph.arcFromId(static_cast<int>(id)));
      for (size_t id = 0; id < node_potential.size(); ++id)
        node_potential[id] = solver.potential(graph.nodeFromId(static_cast<int>(id)));
    };
    FlowSolver solver_run(graph);
    run(solver_run);

    // Back to flows and potentials of the network itself (warm: previous plus circulation).
    auto flow_on = [&](int id) { return arc_flow[At(id)]; };
    struct {
      const Graph& graph;
      const std::vector<int64_t>& values;
      int64_t potential(Graph::Node node) const { return values[At(graph.id(node))]; }
    } solver{graph, node_potential};
    const int64_t sink_potential = solver.potential(sink);
    round.chosen.assign(active, -1);
    round.mentee_potential.resize(active);
    int arc_id = 0;
    for (size_t a = 0; a < active; ++a) {
      round.mentee_potential[a] =
          solver.potential(mentee_node[a]) - sink_potential + (previous ? previous->mentee_potential[a] : 0);
      const int previous_choice = previous ? previous->chosen[a] : -1;
      int units = 0;
      for (int k = round.arc_first[a] - 1; k < round.arc_first[a + 1]; ++k, ++arc_id) {
        const int pair = k < round.arc_first[a] ? -1 : round.arc_pair[At(k)];  // -1: the unmatched arc
        const int64_t residual_flow = flow_on(arc_id);
        const bool used_before = previous != nullptr && previous_choice == pair;
        const int64_t flow = used_before ? 1 - residual_flow : residual_flow;
        if (flow == 0) continue;
        units += static_cast<int>(flow);
        if (flow != 1) round.flow_well_formed = false;
        round.chosen[a] = pair;
      }
      if (units != 1) round.flow_well_formed = false;
    }
    round.mentor_potential.assign(At(mentor_count_), 0);
    for (int mentor = 0; mentor < mentor_count_; ++mentor)
      if (usable_seats_[At(mentor)] > 0)
        round.mentor_potential[At(mentor)] = solver.potential(mentor_node[At(mentor)]) - sink_potential +
                                             (previous ? previous->mentor_potential[At(mentor)] : 0);
    round.seat_flow.assign(seat_cost_.size(), 0);
    for (size_t seat = 0; seat < seat_cost_.size(); ++seat) {
      int64_t flow = previous ? previous->seat_flow[seat] : 0;
      if (forward_id[seat] >= 0) flow += flow_on(forward_id[seat]);
      if (backward_id[seat] >= 0) flow -= flow_on(backward_id[seat]);
      round.seat_flow[seat] = flow;
    }
    return round;
  }

  // Potentials are not unique, and the ones LEMON returns depend on its last basis: a mentor
  // nobody chose can carry an arbitrarily high potential, which makes every pair left out to it
  // look attractive and forces rescoring. Pricing wants the certificate under which left-out
  // pairs look worst. Reading -pi(mentor) as the mentor's price and pi(mentee) as the mentee's
  // utility (both relative to the sink), this takes
  //   1. the largest potentials the solved flow allows: pi(v) = shortest distance from the sink
  //      to v in the residual network (the mentee-optimal, minimum-price dual: every mentee's
  //      utility as high as it can be), by Dijkstra on LEMON's reduced costs, which are >= 0 on
  //      every residual arc at optimality; then
  //   2. for each mentor holding no mentee, the lowest potential its own arcs allow: minus the
  //      cost of its first free seat (a price nobody pays is still at least its seat cost). Only
  //      the mentor's own arcs involve its potential, so no other condition changes.
  // Then it checks complementary slackness on every arc of the network itself: the certificate
  // that pricing relies on is verified, not taken on trust.
  bool CanonicalPotentialsAndCertificate(FlowRound& round) const {
    if (!round.flow_well_formed) return false;
    const size_t mentors = At(mentor_count_);
    const size_t active = round.active.size();
    // Mentees each mentor holds in the flow, as offsets into one array.
    std::vector<int> held_first(mentors + 1, 0), held(active);
    for (size_t a = 0; a < active; ++a)
      if (round.chosen[a] >= 0) ++held_first[At(ChosenPair(round, a).mentor) + 1];
    for (size_t j = 0; j < mentors; ++j) held_first[j + 1] += held_first[j];
    {
      std::vector<int> fill(held_first.begin(), held_first.end() - 1);
      for (size_t a = 0; a < active; ++a)
        if (round.chosen[a] >= 0) held[At(fill[At(ChosenPair(round, a).mentor)]++)] = static_cast<int>(a);
    }

    // Dijkstra from the sink. Nodes: mentors 0..m-1, then active mentees. Residual arcs:
    //   sink -> unmatched mentee (cost 0), sink -> mentor (minus its highest used seat's cost),
    //   mentor -> mentee it holds (minus the pair cost), mentee -> mentor of an unused arc.
    // Unused unmatched arcs and free seat arcs lead back to the sink: never shorter.
    const std::vector<int64_t>& raw_mentee = round.mentee_potential;
    const std::vector<int64_t>& raw_mentor = round.mentor_potential;
    constexpr int64_t kUnreached = std::numeric_limits<int64_t>::max();
    std::vector<int64_t> distance(mentors + active, kUnreached);  // in reduced costs
    using Entry = std::pair<int64_t, int>;
    std::priority_queue<Entry, std::vector<Entry>, std::greater<>> frontier;
    bool reduced_costs_nonnegative = true;
    auto relax = [&](int node, int64_t from_distance, int64_t reduced_cost) {
      if (reduced_cost < 0) reduced_costs_nonnegative = false;
      const int64_t candidate = from_distance + reduced_cost;
      if (candidate < distance[At(node)]) {
        distance[At(node)] = candidate;
        frontier.push({candidate, node});
      }
    };
    for (size_t a = 0; a < active; ++a)
      if (round.chosen[a] < 0) relax(mentor_count_ + static_cast<int>(a), 0, -raw_mentee[a]);
    for (int mentor = 0; mentor < mentor_count_; ++mentor) {
      int64_t highest_used = kMinusInfinity;
      for (int seat = seat_first_[At(mentor)]; seat < seat_first_[At(mentor) + 1]; ++seat)
        if (round.seat_flow[At(seat)] > 0) highest_used = std::max(highest_used, seat_cost_[At(seat)]);
      if (highest_used != kMinusInfinity) relax(mentor, 0, -highest_used - raw_mentor[At(mentor)]);
    }
    while (!frontier.empty()) {
      const auto [at, node] = frontier.top();
      frontier.pop();
      if (at != distance[At(node)]) continue;
      if (node < mentor_count_) {
        const int64_t pi = raw_mentor[At(node)];
        for (int k = held_first[At(node)]; k < held_first[At(node) + 1]; ++k) {
          const size_t a = At(held[At(k)]);
          relax(mentor_count_ + static_cast<int>(a), at, -PairCost(ChosenPair(round, a).score) + pi - raw_mentee[a]);
        }
      } else {
        const size_t a = At(node - mentor_count_);
        const MenteeRow& row = rows_[At(round.active[a])];
        for (int k = round.arc_first[a]; k < round.arc_first[a + 1]; ++k) {
          if (round.arc_pair[At(k)] == round.chosen[a]) continue;
          const ScoredMentor& pair = row.pairs[At(round.arc_pair[At(k)])];
          relax(pair.mentor, at, PairCost(pair.score) + raw_mentee[a] - raw_mentor[At(pair.mentor)]);
        }
      }
    }
    if (!reduced_costs_nonnegative) return false;
    // Reduced distances back to real ones: d(v) = d_reduced(v) + pi(v) - pi(sink), pi(sink) = 0.
    for (size_t a = 0; a < active; ++a) {
      if (distance[mentors + a] == kUnreached) return false;  // every mentee is reachable
      round.mentee_potential[a] = distance[mentors + a] + raw_mentee[a];
    }
    for (size_t j = 0; j < mentors; ++j) {
      if (usable_seats_[j] == 0) continue;
      round.mentor_potential[j] =
          held_first[j] == held_first[j + 1] ? -seat_cost_[At(seat_first_[j])] : distance[j] + raw_mentor[j];
    }

    // Complementary slackness on every arc of the network, with the flows as solved.
    auto slack_ok = [](int64_t reduced_cost, int64_t flow, int64_t capacity) {
      if (flow == 0 && reduced_cost < 0) return false;
      if (flow == capacity && reduced_cost > 0) return false;
      if (flow > 0 && flow < capacity && reduced_cost != 0) return false;
      return true;
    };
    std::vector<int64_t> inflow(mentors, 0);
    for (size_t a = 0; a < active; ++a) {
      const int64_t pi = round.mentee_potential[a];
      if (!slack_ok(pi, round.chosen[a] < 0 ? 1 : 0, 1)) return false;
      const MenteeRow& row = rows_[At(round.active[a])];
      for (int k = round.arc_first[a]; k < round.arc_first[a + 1]; ++k) {
        const ScoredMentor& pair = row.pairs[At(round.arc_pair[At(k)])];
        const int64_t flow = round.chosen[a] == round.arc_pair[At(k)] ? 1 : 0;
        inflow[At(pair.mentor)] += flow;
        if (!slack_ok(PairCost(pair.score) + pi - round.mentor_potential[At(pair.mentor)], flow, 1)) return false;
      }
    }
    for (int mentor = 0; mentor < mentor_count_; ++mentor) {
      int64_t outflow = 0;
      for (int seat = seat_first_[At(mentor)]; seat < seat_first_[At(mentor) + 1]; ++seat) {
        const int64_t flow = round.seat_flow[At(seat)];
        outflow += flow;
        if (flow < 0 || flow > seat_capacity_[At(seat)]) return false;
        if (!slack_ok(seat_cost_[At(seat)] + round.mentor_potential[At(mentor)], flow, seat_capacity_[At(seat)]))
          return false;
      }
      if (outflow != inflow[At(mentor)]) return false;
    }
    return true;
  }

  // Step 3: the reduced cost of every pair not in the network, -(M + s) + pi(i) - pi(j), exactly
  // or by a bound. Pairs kept in memory (candidates and reserve) are priced exactly. Every pair not kept scores at
  // most best_left_out = b, and pi(j) <= max_mentor_potential, so all of them have a reduced
  // cost >= -(M + b) + pi(i) - max_mentor_potential: when that is >= 0 the row needs no
  // rescoring; otherwise the row is scored again and every such pair priced exactly. Without
  // pruned_too only the pairs in memory are priced.
  void PriceLeftOutPairs(const FlowRound& round, bool reserve_too, bool pruned_too, PricingRound& log) {
    int64_t max_mentor_potential = kMinusInfinity;
    for (int mentor = 0; mentor < mentor_count_; ++mentor)
      if (usable_seats_[At(mentor)] > 0)
        max_mentor_potential = std::max(max_mentor_potential, round.mentor_potential[At(mentor)]);

    std::atomic<int64_t> pairs_priced{0}, rows_rescored{0}, arcs_added{0}, pruned_added{0};
    const size_t max_added = At(problem_.max_arcs_added_per_mentee);
    const int64_t drop_above = DropThreshold();
    ParallelForRows(threads_, static_cast<int>(round.active.size()), [&](int worker, int first, int last) {
      RowScratch& scratch = scratch_[At(worker)];
      int64_t priced = 0, rescored = 0, added = 0, pruned = 0;
      for (int a = first; a < last; ++a) {
        const int mentee = round.active[At(a)];
        const int64_t pi = round.mentee_potential[At(a)];
        MenteeRow& row = rows_[At(mentee)];
        auto reduced_cost = [&](const ScoredMentor& pair) {
          return PairCost(pair.score) + pi - round.mentor_potential[At(pair.mentor)];
        };
        scratch.violators.clear();
        for (size_t p = 0; p < row.pairs.size(); ++p) {
          const int64_t rc = reduced_cost(row.pairs[p]);
          if (row.InNetwork(p)) {
            // An unused arc priced far above zero leaves the network (priced from memory from
            // now on): arcs that cannot matter only slow every later solve down.
            if (row.state[p] == PairState::kInNetwork && static_cast<int>(p) != round.chosen[At(a)] && rc > drop_above)
              row.state[p] = PairState::kDropped;
            continue;
          }
          ++priced;
          if (rc < 0) scratch.violators.push_back({rc, static_cast<int>(p)});
        }
        // The reserve: exactly, unless even its best score to the dearest mentor is no violator.
        const int reserve_base = static_cast<int>(row.pairs.size());
        if (reserve_too && !row.reserve.empty() && PairCost(row.reserve_best) + pi - max_mentor_potential < 0) {
          priced += static_cast<int64_t>(row.reserve.size());
          // rc < 0  <=>  pi - M - score - pi(mentor) < 0  <=>  score + pi(mentor) > pi - M.
          const int64_t threshold = pi - match_reward_;
          const int64_t* mentor_potential = round.mentor_potential.data();
          const ScoredMentor* reserve_pairs = row.reserve.data();
          const int reserve_size = static_cast<int>(row.reserve.size());
          for (int r = 0; r < reserve_size; ++r) {
            const ScoredMentor pair = reserve_pairs[r];
            const int64_t value = pair.score + mentor_potential[pair.mentor];
            if (value > threshold) [[unlikely]]
              scratch.violators.push_back({threshold - value, reserve_base + r});
          }
        }
        const bool rescore = pruned_too && row.best_left_out != kNoneLeftOut &&
                             PairCost(row.best_left_out) + pi - max_mentor_potential < 0;
        if (rescore) {
          ++rescored;
          const std::span<int32_t> scores(scratch.row);
          ScoreRowChecked(mentee, scores);
          // Stamps need no clearing: the mentee number differs from any other row's, and a
          // mentee's kept pairs only grow, so an old stamp of the same mentee is still true
          // (a reserve pair that entered the network moved to `pairs`).
          for (const ScoredMentor& pair : row.pairs) scratch.kept_stamp[At(pair.mentor)] = mentee + 1;
          for (const ScoredMentor& pair : row.reserve) scratch.kept_stamp[At(pair.mentor)] = mentee + 1;
          scratch.pairs.clear();
          for (int mentor = 0; mentor < mentor_count_; ++mentor) {
            const int32_t score = scores[At(mentor)];
            if (score == kInfeasible || usable_seats_[At(mentor)] == 0 || scratch.kept_stamp[At(mentor)] == mentee + 1)
              continue;
            scratch.pairs.push_back({mentor, score});
          }
          priced += static_cast<int64_t>(scratch.pairs.size());
          for (size_t p = 0; p < scratch.pairs.size(); ++p)
            if (const int64_t rc = reduced_cost(scratch.pairs[p]); rc < 0)
              scratch.violators.push_back({rc, -1 - static_cast<int>(p)});
        }
        TakeMostNegative(scratch.violators, max_added, row, scratch.pairs);
        bool reserve_taken = false;
        for (const auto& [rc, p] : scratch.violators) {
          if (p >= 0 && p < reserve_base) {
            pruned += row.AddToNetwork(At(p));
            continue;
          }
          ScoredMentor& pair = p >= 0 ? row.reserve[At(p - reserve_base)] : scratch.pairs[At(-1 - p)];
          row.Keep(pair);
          pruned += row.AddToNetwork(row.pairs.size() - 1);
          pair.mentor = -1;  // taken
          reserve_taken = reserve_taken || p >= 0;
        }
        if (reserve_taken) std::erase_if(row.reserve, [](const ScoredMentor& pair) { return pair.mentor < 0; });
        added += static_cast<int64_t>(scratch.violators.size());
        if (rescore) {
          // The best pairs still left out join the reserve, and the bound drops below them, so
          // the next rounds can price them without scoring the row once more.
          std::erase_if(scratch.pairs, [](const ScoredMentor& pair) { return pair.mentor < 0; });
          KeepUnsorted(scratch.pairs, ReserveLimit(), row.best_left_out);
          for (const ScoredMentor& pair : scratch.pairs) {
            row.reserve.push_back(pair);
            row.reserve_best = std::max(row.reserve_best, pair.score);
          }
        }
      }
      pairs_priced += priced;
      rows_rescored += rescored;
      arcs_added += added;
      pruned_added += pruned;
    });
    log.pairs_priced += pairs_priced;
    log.rows_rescored += rows_rescored;
    log.arcs_added += arcs_added;
    log.pruned_pairs_added += pruned_added;
  }

  // An unused arc leaves the network when its reduced cost exceeds this, i.e. when the mentee is
  // better off than with that mentor by more than 1/40 of the score range: far enough that it
  // rarely comes back, near enough that the network keeps every arc the next rounds are likely
  // to need. (Measured on the benchmark: NetworkSimplex time -25% against never dropping.)
  int64_t DropThreshold() const { return std::max<int64_t>(1, problem_.max_score / 40); }

  // Keeps the `count` most negative reduced costs; ties go to the better pair, so the choice is
  // the same on any thread count.
  static void TakeMostNegative(std::vector<std::pair<int64_t, int>>& violators, size_t count, const MenteeRow& row,
                               const std::vector<ScoredMentor>& rescored) {
    if (violators.size() <= count) return;
    const int reserve_base = static_cast<int>(row.pairs.size());
    auto pair_of = [&](int p) -> const ScoredMentor& {
      return p < 0 ? rescored[At(-1 - p)] : p < reserve_base ? row.pairs[At(p)] : row.reserve[At(p - reserve_base)];
    };
    std::nth_element(violators.begin(), violators.begin() + static_cast<ptrdiff_t>(count), violators.end(),
                     [&](const auto& a, const auto& b) {
                       return a.first != b.first ? a.first < b.first : Better(pair_of(a.second), pair_of(b.second));
                     });
    violators.resize(count);
  }

  void FillSolution(const FlowRound* round) {
    solution_.mentor_of = fixed_mentor_;
    for (int mentee = 0; mentee < mentee_count_; ++mentee)
      if (fixed_mentor_[At(mentee)] >= 0) solution_.total_score += fixed_score_[At(mentee)];
    if (round != nullptr) {
      for (size_t a = 0; a < round->active.size(); ++a) {
        if (round->chosen[a] < 0) continue;
        const ScoredMentor& pair = ChosenPair(*round, a);
        solution_.mentor_of[At(round->active[a])] = pair.mentor;
        solution_.total_score += pair.score;
      }
    }
    std::vector<int64_t> mentees_of(At(mentor_count_), 0);
    for (int mentor : solution_.mentor_of) {
      if (mentor < 0) continue;
      ++solution_.matched;
      ++mentees_of[At(mentor)];
    }
    for (int64_t count : mentees_of) solution_.total_seat_cost += problem_.extra_seat_cost * (count * (count - 1) / 2);
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

}  // namespace

CohortSolution SolveCohort(const CohortProblem& problem) { return CohortSolver(problem).Solve(); }

}  // namespace mentoring::matching
