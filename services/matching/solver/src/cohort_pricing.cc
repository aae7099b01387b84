// Step 3 of the cohort optimiser: canonical potentials for the solved network, the check of
// the optimality certificate, and pricing every pair outside the network with them.
//
// Why pricing proves optimality. At LEMON's optimum, node potentials pi satisfy complementary
// slackness: the reduced cost cost(u,v) + pi(u) - pi(v) is >= 0 on every arc at flow 0, <= 0 on
// every arc at capacity, and 0 in between (LEMON's sign convention: its pivot rules price an
// arc as cost + pi[source] - pi[target]; lemon_convention_test.cc checks it). A pair not in the
// network is an arc at flow 0 of the full network; if its reduced cost is >= 0 as well, the
// same flow and potentials satisfy complementary slackness on the full network, so the flow
// is optimal for it. The solver checks the conditions on the network's arcs itself before
// claiming anything, rather than trusting the solver's status.
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <functional>
#include <limits>
#include <queue>
#include <span>
#include <utility>
#include <vector>

#include "cohort_solver_internal.h"
#include "parallel_rows.h"

namespace mentoring::matching::cohort_internal {

using internal::ParallelForRows;

namespace {

constexpr int64_t kMinusInfinity = std::numeric_limits<int64_t>::min();

}  // namespace

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
bool CohortSolver::CanonicalPotentialsAndCertificate(FlowRound& round) const {
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
void CohortSolver::PriceLeftOutPairs(const FlowRound& round, bool reserve_too, bool pruned_too, PricingRound& log) {
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
int64_t CohortSolver::DropThreshold() const { return std::max<int64_t>(1, problem_.max_score / 40); }

// Keeps the `count` most negative reduced costs; ties go to the better pair, so the choice is
// the same on any thread count.
void CohortSolver::TakeMostNegative(std::vector<std::pair<int64_t, int>>& violators, size_t count, const MenteeRow& row,
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

}  // namespace mentoring::matching::cohort_internal
