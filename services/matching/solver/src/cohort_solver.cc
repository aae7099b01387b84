// SolveCohort and the solver's frame: the loop over rounds (solve, then price), validating the
// problem, the seats the network offers and the reward M per match, and the result. The steps
// themselves are in cohort_rows.cc, cohort_network.cc and cohort_pricing.cc; the overview is in
// cohort_solver_internal.h.
#include "mentoring/matching/cohort_solver.h"

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "cohort_solver_internal.h"

namespace mentoring::matching {
namespace cohort_internal {
namespace {

using SteadyClock = std::chrono::steady_clock;

// LEMON's artificial arcs cost about 2^62; our own costs times the node count stay below 2^60 so
// no potential or reduced cost can overflow int64.
constexpr int64_t kMaxCostTimesNodes = int64_t{1} << 60;

double SecondsSince(SteadyClock::time_point start) {
  return std::chrono::duration<double>(SteadyClock::now() - start).count();
}

}  // namespace

CohortSolution CohortSolver::Solve() {
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

void CohortSolver::ValidateShape() {
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

// Seats the network offers per mentor, its seat arcs, and the reward M per matched mentee.
void CohortSolver::PlanSeatsAndReward() {
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

void CohortSolver::FillSolution(const FlowRound* round) {
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

}  // namespace cohort_internal

CohortSolution SolveCohort(const CohortProblem& problem) { return cohort_internal::CohortSolver(problem).Solve(); }

}  // namespace mentoring::matching
