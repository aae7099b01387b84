// Step 2 of the cohort optimiser: the flow network over the arcs in it, solved with LEMON's
// NetworkSimplex (cold the first time, then warm from the previous optimum).
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
// lexicographic objective when M is big enough (PlanSeatsAndReward, in cohort_solver.cc, proves
// the bound).
//
// The only file of the solver that includes LEMON: its types stay out of the internal header.
#include <lemon/network_simplex.h>
#include <lemon/smart_graph.h>

#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <vector>

#include "cohort_solver_internal.h"

namespace mentoring::matching::cohort_internal {
namespace {

using Graph = lemon::SmartDigraph;
using FlowSolver = lemon::NetworkSimplex<Graph, int64_t, int64_t>;

// Presents a vector indexed by arc id as the read map LEMON expects, without a copy.
struct ArcValues {
  using Key = Graph::Arc;
  using Value = int64_t;
  const Graph& graph;
  const std::vector<int64_t>& values;
  Value operator[](const Key& arc) const { return values[static_cast<size_t>(graph.id(arc))]; }
};

}  // namespace

// The first network holds each mentee's best few candidates (initial_arcs_per_mentee), since
// a cold solve costs far more per arc than pricing the rest outside (see SolveNetwork).
FlowRound CohortSolver::SolveFirstNetwork() {
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
FlowRound CohortSolver::SolveNetwork(const FlowRound* previous) const {
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

}  // namespace mentoring::matching::cohort_internal
