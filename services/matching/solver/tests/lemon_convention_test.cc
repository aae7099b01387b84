// The solver's proof rests on LEMON's sign convention for node potentials: with
// reduced_cost(u, v) = cost(u, v) + pi(u) - pi(v), NetworkSimplex's optimum has reduced cost
// >= 0 on arcs at flow 0, <= 0 at capacity, 0 in between. Read in network_simplex.h (its pivot
// rules price arcs as cost + pi[source] - pi[target]) and checked here, together with the
// consequence the solver uses: an arc left out whose reduced cost is >= 0 cannot improve the
// optimum, and one whose reduced cost is < 0 does.
#include <gtest/gtest.h>
#include <lemon/network_simplex.h>
#include <lemon/smart_graph.h>

#include <random>
#include <vector>

namespace {

using Graph = lemon::SmartDigraph;
using Solver = lemon::NetworkSimplex<Graph, int64_t, int64_t>;

struct ArcSpec {
  int from, to;
  int64_t cost, capacity;
};

// A random assignment-like network: sources with supply 1 (mentees), middle nodes (mentors) with
// capacity to the sink, a zero-cost escape arc per source so every instance is feasible.
struct RandomNetwork {
  int sources = 0, middles = 0;
  std::vector<ArcSpec> arcs;
  int sink() const { return sources + middles; }
  int nodes() const { return sources + middles + 1; }
};

RandomNetwork MakeNetwork(std::mt19937_64& random) {
  RandomNetwork network;
  std::uniform_int_distribution<int> count(1, 8), score(0, 100), coin(0, 2), seats(0, 3);
  network.sources = count(random);
  network.middles = count(random);
  for (int s = 0; s < network.sources; ++s) {
    network.arcs.push_back({s, network.sink(), 0, 1});
    for (int m = 0; m < network.middles; ++m)
      if (coin(random) != 0) network.arcs.push_back({s, network.sources + m, -(1000 + score(random)), 1});
  }
  for (int m = 0; m < network.middles; ++m)
    for (int seat = 0, n = seats(random); seat < n; ++seat)
      network.arcs.push_back({network.sources + m, network.sink(), seat * 7, 1});
  return network;
}

struct Solved {
  int64_t total_cost = 0;
  std::vector<int64_t> potential, flow;
};

Solved Solve(const RandomNetwork& network, const std::vector<bool>& included) {
  Graph graph;
  std::vector<Graph::Node> node;
  for (int v = 0; v < network.nodes(); ++v) node.push_back(graph.addNode());
  std::vector<Graph::Arc> arc(network.arcs.size(), lemon::INVALID);
  for (size_t a = 0; a < network.arcs.size(); ++a)
    if (included[a])
      arc[a] =
          graph.addArc(node[static_cast<size_t>(network.arcs[a].from)], node[static_cast<size_t>(network.arcs[a].to)]);
  Graph::ArcMap<int64_t> cost(graph), capacity(graph);
  for (size_t a = 0; a < network.arcs.size(); ++a)
    if (included[a]) {
      cost[arc[a]] = network.arcs[a].cost;
      capacity[arc[a]] = network.arcs[a].capacity;
    }
  Graph::NodeMap<int64_t> supply(graph, 0);
  for (int s = 0; s < network.sources; ++s) supply[node[static_cast<size_t>(s)]] = 1;
  supply[node[static_cast<size_t>(network.sink())]] = -network.sources;
  Solver solver(graph);
  solver.costMap(cost).upperMap(capacity).supplyMap(supply);
  EXPECT_EQ(solver.run(), Solver::OPTIMAL);
  Solved solved;
  solved.total_cost = solver.totalCost();
  for (int v = 0; v < network.nodes(); ++v) solved.potential.push_back(solver.potential(node[static_cast<size_t>(v)]));
  for (size_t a = 0; a < network.arcs.size(); ++a) solved.flow.push_back(included[a] ? solver.flow(arc[a]) : 0);
  return solved;
}

int64_t ReducedCost(const ArcSpec& arc, const Solved& solved) {
  return arc.cost + solved.potential[static_cast<size_t>(arc.from)] - solved.potential[static_cast<size_t>(arc.to)];
}

TEST(LemonNetworkSimplex, PotentialsFollowCostPlusSourceMinusTarget) {
  std::mt19937_64 random(11);
  int opposite_convention_violated = 0;
  for (int trial = 0; trial < 300; ++trial) {
    const RandomNetwork network = MakeNetwork(random);
    const Solved solved = Solve(network, std::vector<bool>(network.arcs.size(), true));
    for (size_t a = 0; a < network.arcs.size(); ++a) {
      const int64_t reduced = ReducedCost(network.arcs[a], solved);
      const int64_t flow = solved.flow[a];
      if (flow == 0) {
        EXPECT_GE(reduced, 0) << "trial " << trial << " arc " << a;
      }
      if (flow == network.arcs[a].capacity) {
        EXPECT_LE(reduced, 0) << "trial " << trial << " arc " << a;
      }
      if (flow > 0 && flow < network.arcs[a].capacity) {
        EXPECT_EQ(reduced, 0) << "trial " << trial << " arc " << a;
      }
      // The other sign (cost - pi(u) + pi(v)) must fail somewhere, or this test proves nothing.
      const int64_t opposite = network.arcs[a].cost - solved.potential[static_cast<size_t>(network.arcs[a].from)] +
                               solved.potential[static_cast<size_t>(network.arcs[a].to)];
      if (flow == 0 && opposite < 0) ++opposite_convention_violated;
    }
  }
  EXPECT_GT(opposite_convention_violated, 0);
}

// Pricing in miniature: solve without one pair arc, price it with the potentials, then solve
// with it. A reduced cost >= 0 must leave the optimum unchanged (the certificate the solver
// relies on). The converse does not hold: optimal potentials are not unique, so an arc priced
// negative may still not improve; but every arc that does improve must be priced negative.
TEST(LemonNetworkSimplex, ANonNegativeReducedCostProvesALeftOutArcUseless) {
  std::mt19937_64 random(12);
  int improving = 0, proven_useless = 0;
  for (int trial = 0; trial < 400; ++trial) {
    const RandomNetwork network = MakeNetwork(random);
    std::vector<size_t> pair_arcs;
    for (size_t a = 0; a < network.arcs.size(); ++a)
      if (network.arcs[a].to != network.sink()) pair_arcs.push_back(a);
    if (pair_arcs.empty()) continue;
    const size_t left_out = pair_arcs[std::uniform_int_distribution<size_t>(0, pair_arcs.size() - 1)(random)];
    std::vector<bool> included(network.arcs.size(), true);
    included[left_out] = false;
    const Solved without = Solve(network, included);
    const Solved with = Solve(network, std::vector<bool>(network.arcs.size(), true));
    const int64_t reduced = ReducedCost(network.arcs[left_out], without);
    EXPECT_LE(with.total_cost, without.total_cost) << "trial " << trial;
    if (reduced >= 0) {
      EXPECT_EQ(with.total_cost, without.total_cost) << "trial " << trial;
      ++proven_useless;
    }
    if (with.total_cost < without.total_cost) {
      EXPECT_LT(reduced, 0) << "trial " << trial;
      ++improving;
    }
  }
  EXPECT_GT(improving, 0);
  EXPECT_GT(proven_useless, 0);
}

}  // namespace
