// SolveCohort against an independent dense oracle (Hungarian over seat copies), on random and on
// constructed cohorts, plus the edge cases an admin can produce.
#include "mentoring/matching/cohort_solver.h"

#include <gtest/gtest.h>

#include <atomic>
#include <random>
#include <stdexcept>
#include <string>

#include "dense_oracle.h"

namespace mentoring::matching {
namespace {

using testing::BruteForceOptimum;
using testing::DenseCohort;
using testing::DenseOptimum;
using testing::Evaluate;
using testing::Evaluation;

// Scores from a DenseCohort, counting how many rows the solver asks for.
class MatrixScores final : public ScoreSource {
 public:
  explicit MatrixScores(const DenseCohort& cohort) : cohort_(cohort) {}
  int mentee_count() const override { return cohort_.mentees(); }
  int mentor_count() const override { return cohort_.mentors(); }
  void ScoreRow(int mentee, std::span<int32_t> row) const override {
    rows_scored_.fetch_add(1, std::memory_order_relaxed);
    const auto& scores = cohort_.scores[static_cast<size_t>(mentee)];
    std::copy(scores.begin(), scores.end(), row.begin());
  }
  int64_t rows_scored() const { return rows_scored_.load(); }

 private:
  const DenseCohort& cohort_;
  mutable std::atomic<int64_t> rows_scored_{0};
};

CohortProblem ProblemFor(const MatrixScores& scores, const DenseCohort& cohort) {
  CohortProblem problem;
  problem.scores = &scores;
  problem.seats = cohort.seats;
  problem.extra_seat_cost = cohort.extra_seat_cost;
  problem.fixed_pairs = cohort.fixed_pairs;
  problem.forbidden_pairs = cohort.forbidden_pairs;
  return problem;
}

Evaluation OracleValue(const DenseCohort& cohort) {
  const std::vector<int> mentor_of = DenseOptimum(cohort);
  EXPECT_EQ(mentor_of.size(), static_cast<size_t>(cohort.mentees())) << "oracle found no valid assignment";
  return Evaluate(cohort, mentor_of);
}

// Everything a solution must satisfy whatever the scores: constraints, its own totals, and the
// bookkeeping of the proof.
void ExpectWellFormed(const DenseCohort& cohort, const CohortSolution& solution, const MatrixScores& scores) {
  ASSERT_EQ(solution.mentor_of.size(), static_cast<size_t>(cohort.mentees()));
  std::vector<int> load(static_cast<size_t>(cohort.mentors()), 0);
  for (int mentee = 0; mentee < cohort.mentees(); ++mentee) {
    const int mentor = solution.mentor_of[static_cast<size_t>(mentee)];
    if (mentor < 0) continue;
    ASSERT_LT(mentor, cohort.mentors());
    EXPECT_TRUE(cohort.allowed(mentee, mentor)) << "mentee " << mentee << " got forbidden mentor " << mentor;
    ++load[static_cast<size_t>(mentor)];
  }
  for (int mentor = 0; mentor < cohort.mentors(); ++mentor)
    EXPECT_LE(load[static_cast<size_t>(mentor)], cohort.seats[static_cast<size_t>(mentor)]) << "mentor " << mentor;
  for (const auto& [mentee, mentor] : cohort.fixed_pairs)
    EXPECT_EQ(solution.mentor_of[static_cast<size_t>(mentee)], mentor);

  const Evaluation own = Evaluate(cohort, solution.mentor_of);
  EXPECT_EQ(solution.matched, own.matched);
  EXPECT_EQ(solution.total_score, own.total_score);
  EXPECT_EQ(solution.total_seat_cost, own.total_seat_cost);

  for (int mentee = 0; mentee < cohort.mentees(); ++mentee) {
    int feasible = 0;
    for (int mentor = 0; mentor < cohort.mentors(); ++mentor) {
      bool forbidden = cohort.scores[static_cast<size_t>(mentee)][static_cast<size_t>(mentor)] == kInfeasible;
      for (const auto& pair : cohort.forbidden_pairs) forbidden = forbidden || pair == std::pair{mentee, mentor};
      feasible += !forbidden && cohort.seats[static_cast<size_t>(mentor)] > 0;
    }
    EXPECT_EQ(solution.feasible_mentors[static_cast<size_t>(mentee)], feasible) << "mentee " << mentee;
  }
  // Each row is scored once up front and once more per rescoring, never otherwise.
  EXPECT_EQ(scores.rows_scored(), cohort.mentees() + solution.rows_rescored);
  EXPECT_EQ(static_cast<int>(solution.round_log.size()), solution.rounds);
}

void ExpectOptimal(const DenseCohort& cohort, const CohortSolution& solution) {
  const Evaluation oracle = OracleValue(cohort);
  EXPECT_TRUE(solution.proven_optimal);
  EXPECT_EQ(solution.matched, oracle.matched);
  EXPECT_EQ(solution.total_score - solution.total_seat_cost, oracle.net());
}

// A random cohort: some mentors without seats, some pairs infeasible, some forbidden, and
// sometimes fixed pairs that an admin could have set (feasible, within seats).
DenseCohort RandomCohort(std::mt19937_64& random, int max_mentees, int max_mentors) {
  auto uniform = [&](int low, int high) { return std::uniform_int_distribution<int>(low, high)(random); };
  DenseCohort cohort;
  const int mentees = uniform(0, max_mentees);
  const int mentors = uniform(0, max_mentors);
  const int max_score = std::vector<int>{0, 1, 10, 1000}[static_cast<size_t>(uniform(0, 3))];
  const int infeasible_percent = std::vector<int>{0, 30, 60, 90, 100}[static_cast<size_t>(uniform(0, 4))];
  const int few_scores = uniform(0, 1);  // many ties stress tie handling
  cohort.extra_seat_cost = std::vector<int>{0, 1, 7, 300, 5000}[static_cast<size_t>(uniform(0, 4))];
  for (int mentor = 0; mentor < mentors; ++mentor) cohort.seats.push_back(uniform(0, 3));
  cohort.scores.assign(static_cast<size_t>(mentees), std::vector<int32_t>(static_cast<size_t>(mentors)));
  for (auto& row : cohort.scores)
    for (int32_t& score : row)
      score = uniform(0, 99) < infeasible_percent ? kInfeasible
              : few_scores                        ? uniform(0, std::min(max_score, 2))
                                                  : uniform(0, max_score);
  if (mentees > 0 && mentors > 0 && uniform(0, 3) == 0) {
    for (int k = uniform(1, 3); k > 0; --k)
      cohort.forbidden_pairs.push_back({uniform(0, mentees - 1), uniform(0, mentors - 1)});
  }
  if (mentees > 0 && mentors > 0 && uniform(0, 3) == 0) {
    std::vector<int> load(static_cast<size_t>(mentors), 0);
    for (int k = uniform(1, 2); k > 0; --k) {
      const int mentee = uniform(0, mentees - 1);
      const int mentor = uniform(0, mentors - 1);
      if (cohort.fixed(mentee) || !cohort.allowed(mentee, mentor) ||
          load[static_cast<size_t>(mentor)] >= cohort.seats[static_cast<size_t>(mentor)])
        continue;
      ++load[static_cast<size_t>(mentor)];
      cohort.fixed_pairs.push_back({mentee, mentor});
    }
  }
  return cohort;
}

// The cohort with every pair outside each mentee's k best made infeasible: what solving on the
// pruned candidates alone can reach. Ranked as the solver ranks them: by score, then mentor
// index, among allowed pairs whose mentor has seats not all taken by fixed pairs.
DenseCohort TopKOnly(DenseCohort cohort, int k) {
  std::vector<int> fixed_on(static_cast<size_t>(cohort.mentors()), 0);
  for (const auto& pair : cohort.fixed_pairs) ++fixed_on[static_cast<size_t>(pair.second)];
  for (int mentee = 0; mentee < cohort.mentees(); ++mentee) {
    if (cohort.fixed(mentee)) continue;
    auto& row = cohort.scores[static_cast<size_t>(mentee)];
    std::vector<int> ranked;
    for (int mentor = 0; mentor < cohort.mentors(); ++mentor)
      if (cohort.allowed(mentee, mentor) &&
          cohort.seats[static_cast<size_t>(mentor)] > fixed_on[static_cast<size_t>(mentor)])
        ranked.push_back(mentor);
    std::stable_sort(ranked.begin(), ranked.end(),
                     [&](int a, int b) { return row[static_cast<size_t>(a)] > row[static_cast<size_t>(b)]; });
    for (size_t r = static_cast<size_t>(k); r < ranked.size(); ++r) row[static_cast<size_t>(ranked[r])] = kInfeasible;
  }
  return cohort;
}

TEST(DenseOracle, AgreesWithBruteForceOnTinyCohorts) {
  std::mt19937_64 random(7);
  for (int trial = 0; trial < 400; ++trial) {
    const DenseCohort cohort = RandomCohort(random, 5, 4);
    const Evaluation brute = BruteForceOptimum(cohort);
    const Evaluation oracle = OracleValue(cohort);
    ASSERT_EQ(oracle.matched, brute.matched) << "trial " << trial;
    ASSERT_EQ(oracle.net(), brute.net()) << "trial " << trial;
  }
}

// The main property: on many random small cohorts, with every tuning of the pruning and proof,
// SolveCohort's objective equals the dense oracle's and every result is proven optimal.
TEST(SolveCohort, EqualsDenseOracleOnRandomCohorts) {
  std::mt19937_64 random(2024);
  auto uniform = [&](int low, int high) { return std::uniform_int_distribution<int>(low, high)(random); };
  int64_t added_by_pricing = 0, rows_rescored = 0;
  int most_rounds = 0;
  for (int trial = 0; trial < 1500; ++trial) {
    const DenseCohort cohort = RandomCohort(random, 10, 7);
    MatrixScores scores(cohort);
    CohortProblem problem = ProblemFor(scores, cohort);
    // Odd trials: a max_score too large for the per-score count, so candidates and reserve are
    // selected by sorting instead (the two selections must agree).
    problem.max_score = trial % 2 == 0 ? 1000 : (1 << 20);
    problem.candidates_per_mentee = std::vector<int>{0, 1, 2, 3, 40}[static_cast<size_t>(uniform(0, 4))];
    problem.reserve_per_mentee = std::vector<int>{0, 1, 2, 24}[static_cast<size_t>(uniform(0, 3))];
    problem.initial_arcs_per_mentee = std::vector<int>{0, 1, 3, 40}[static_cast<size_t>(uniform(0, 3))];
    problem.max_arcs_added_per_mentee = std::vector<int>{1, 2, 8}[static_cast<size_t>(uniform(0, 2))];
    problem.threads = uniform(1, 3);
    const CohortSolution solution = SolveCohort(problem);
    SCOPED_TRACE("trial " + std::to_string(trial));
    ExpectWellFormed(cohort, solution, scores);
    ExpectOptimal(cohort, solution);
    added_by_pricing += solution.arcs_added_by_pricing;
    // Without the proof: the optimum over the top-k candidates, exactly.
    MatrixScores draft_scores(cohort);
    problem.scores = &draft_scores;
    problem.prove_optimality = false;
    const CohortSolution draft = SolveCohort(problem);
    ExpectWellFormed(cohort, draft, draft_scores);
    EXPECT_EQ(draft.proven_optimal, draft.rounds == 0) << "only claimed when nobody could be placed";
    EXPECT_EQ(draft.rows_rescored, 0);
    const Evaluation top_k = OracleValue(TopKOnly(cohort, problem.candidates_per_mentee));
    EXPECT_EQ(draft.matched, top_k.matched);
    EXPECT_EQ(draft.total_score - draft.total_seat_cost, top_k.net());
    rows_rescored += solution.rows_rescored;
    most_rounds = std::max(most_rounds, solution.rounds);
    if (HasFailure()) return;
  }
  // The cohorts must exercise every part of the proof, or the equality above proves little.
  EXPECT_GT(added_by_pricing, 0) << "no pruned pair was ever needed";
  EXPECT_GT(rows_rescored, 0) << "the bound never failed";
  EXPECT_GE(most_rounds, 4) << "pricing never took several rounds";
}

// Larger cohorts with tight pruning need several rounds of pricing.
TEST(SolveCohort, EqualsDenseOracleOnMediumCohortsWithTightPruning) {
  std::mt19937_64 random(99);
  for (int trial = 0; trial < 6; ++trial) {
    DenseCohort cohort;
    const int mentees = 160, mentors = 90;
    cohort.extra_seat_cost = trial % 2 == 0 ? 0 : 40;
    std::uniform_int_distribution<int> seats(0, 3), percent(0, 99), score(0, 1000);
    for (int mentor = 0; mentor < mentors; ++mentor) cohort.seats.push_back(seats(random));
    // Popular mentors (low index) score higher with everyone, so top-k lists collide.
    cohort.scores.assign(mentees, std::vector<int32_t>(mentors));
    for (auto& row : cohort.scores)
      for (int mentor = 0; mentor < mentors; ++mentor)
        row[static_cast<size_t>(mentor)] =
            percent(random) < 50 ? kInfeasible : std::min(1000, score(random) / 4 + 750 * (mentors - mentor) / mentors);
    MatrixScores scores(cohort);
    CohortProblem problem = ProblemFor(scores, cohort);
    problem.candidates_per_mentee = 1 + trial % 3;
    problem.reserve_per_mentee = trial < 3 ? 0 : 4;
    const CohortSolution solution = SolveCohort(problem);
    SCOPED_TRACE("trial " + std::to_string(trial));
    ExpectWellFormed(cohort, solution, scores);
    ExpectOptimal(cohort, solution);
    EXPECT_GT(solution.rounds, 1);
    EXPECT_GT(solution.arcs_added_by_pricing, 0);
  }
}

// Two mentees, two one-seat mentors; both rank mentor X first. Pruned to k = 1 only X is an
// arc, so the pruned network matches one mentee; the optimum matches both.
DenseCohort CollidingFirstChoices() {
  DenseCohort cohort;
  cohort.seats = {1, 1};       // X, Y
  cohort.scores = {{100, 90},  // A
                   {100, 0}};  // B
  return cohort;
}

// Same cardinality, lower score: with k = 2, A keeps {X, Y}, B {X, W}, C {Y, W}; the pruned
// optimum is A-X, B-W, C-Y = 250, but A-Z, B-X, C-Y = 290 needs A's third choice.
DenseCohort ThirdChoiceNeeded() {
  DenseCohort cohort;
  cohort.seats = {1, 1, 1, 1};                            // X, Y, Z, W
  cohort.scores = {{100, 100, 90, 10},                    // A
                   {100, kInfeasible, kInfeasible, 50},   // B
                   {kInfeasible, 100, kInfeasible, 40}};  // C
  return cohort;
}

TEST(SolveCohort, PricingRepairsWhatPruningAloneGetsWrong) {
  struct Case {
    const char* name;
    DenseCohort cohort;
    int k;
  };
  for (const Case& c : {Case{"colliding first choices, k=1", CollidingFirstChoices(), 1},
                        Case{"third choice needed, k=2", ThirdChoiceNeeded(), 2}}) {
    for (int reserve : {0, 24}) {
      SCOPED_TRACE(std::string(c.name) + ", reserve " + std::to_string(reserve));
      MatrixScores pruned_scores(c.cohort);
      CohortProblem problem = ProblemFor(pruned_scores, c.cohort);
      problem.candidates_per_mentee = c.k;
      problem.reserve_per_mentee = reserve;
      problem.prove_optimality = false;
      const CohortSolution pruned = SolveCohort(problem);
      EXPECT_FALSE(pruned.proven_optimal);
      // Without the proof the answer is the optimum over the top-k candidates only.
      const Evaluation top_k_optimum = OracleValue(TopKOnly(c.cohort, c.k));
      EXPECT_EQ(pruned.matched, top_k_optimum.matched);
      EXPECT_EQ(pruned.total_score - pruned.total_seat_cost, top_k_optimum.net());

      MatrixScores scores(c.cohort);
      problem.scores = &scores;
      problem.prove_optimality = true;
      const CohortSolution proven = SolveCohort(problem);
      ExpectWellFormed(c.cohort, proven, scores);
      ExpectOptimal(c.cohort, proven);
      EXPECT_GT(proven.arcs_added_by_pricing, 0);
      EXPECT_GE(proven.rounds, 2);
      EXPECT_TRUE(testing::LexBetter(Evaluate(c.cohort, proven.mentor_of), Evaluate(c.cohort, pruned.mentor_of)))
          << "pruned: " << pruned.matched << " matched, net " << pruned.total_score - pruned.total_seat_cost
          << "; proven: " << proven.matched << " matched, net " << proven.total_score - proven.total_seat_cost;
    }
  }
}

// Matching everyone can require giving up max_score on each link of a long augmenting chain:
// mentee 0 can only take mentor 0 (score 0); mentee t can take mentor t-1 (score 1000) or
// mentor t (score 0). A per-mentee reward of max_score + 1 would leave mentee 0 unmatched.
TEST(SolveCohort, CardinalityWinsOverScoreAlongALongChain) {
  const int length = 12;
  DenseCohort cohort;
  cohort.seats.assign(length, 1);
  cohort.scores.assign(length, std::vector<int32_t>(length, kInfeasible));
  cohort.scores[0][0] = 0;
  for (int t = 1; t < length; ++t) {
    cohort.scores[static_cast<size_t>(t)][static_cast<size_t>(t - 1)] = 1000;
    cohort.scores[static_cast<size_t>(t)][static_cast<size_t>(t)] = 0;
  }
  MatrixScores scores(cohort);
  const CohortSolution solution = SolveCohort(ProblemFor(scores, cohort));
  ExpectWellFormed(cohort, solution, scores);
  ExpectOptimal(cohort, solution);
  EXPECT_EQ(solution.matched, length);
  EXPECT_EQ(solution.total_score, 0);
  EXPECT_GE(solution.match_reward, int64_t{length} * 1000);
}

TEST(SolveCohort, SeatCostSpreadsLoadOnlyWhenItOutweighsTheScoreGap) {
  DenseCohort cohort;
  cohort.seats = {2, 2};
  cohort.scores = {{100, 95}, {100, 95}};
  for (const auto& [extra, expected_on_first] : {std::pair{10, 1}, std::pair{3, 2}}) {
    cohort.extra_seat_cost = extra;
    MatrixScores scores(cohort);
    const CohortSolution solution = SolveCohort(ProblemFor(scores, cohort));
    ExpectWellFormed(cohort, solution, scores);
    ExpectOptimal(cohort, solution);
    EXPECT_EQ(std::count(solution.mentor_of.begin(), solution.mentor_of.end(), 0), expected_on_first)
        << "extra " << extra;
  }
}

TEST(SolveCohort, NoMenteesAndNoMentors) {
  DenseCohort nobody;
  MatrixScores no_scores(nobody);
  const CohortSolution empty = SolveCohort(ProblemFor(no_scores, nobody));
  EXPECT_TRUE(empty.mentor_of.empty());
  EXPECT_TRUE(empty.proven_optimal);

  DenseCohort no_mentors;
  no_mentors.scores.assign(3, {});
  MatrixScores scores(no_mentors);
  const CohortSolution solution = SolveCohort(ProblemFor(scores, no_mentors));
  ExpectWellFormed(no_mentors, solution, scores);
  EXPECT_EQ(solution.mentor_of, (std::vector<int>{-1, -1, -1}));
  EXPECT_EQ(solution.feasible_mentors, (std::vector<int>{0, 0, 0}));
  EXPECT_TRUE(solution.proven_optimal);
  EXPECT_EQ(solution.rounds, 0);
}

TEST(SolveCohort, AllPairsInfeasibleOrNoSeats) {
  DenseCohort infeasible;
  infeasible.seats = {2, 1};
  infeasible.scores.assign(4, {kInfeasible, kInfeasible});
  DenseCohort no_seats;
  no_seats.seats = {0, 0};
  no_seats.scores.assign(4, {500, 800});
  for (const DenseCohort* cohort : {&infeasible, &no_seats}) {
    MatrixScores scores(*cohort);
    const CohortSolution solution = SolveCohort(ProblemFor(scores, *cohort));
    ExpectWellFormed(*cohort, solution, scores);
    EXPECT_EQ(solution.matched, 0);
    EXPECT_EQ(solution.feasible_mentors, (std::vector<int>(4, 0)));
    EXPECT_TRUE(solution.proven_optimal);
  }
}

TEST(SolveCohort, ZeroSeatMentorIsNeverChosen) {
  DenseCohort cohort;
  cohort.seats = {0, 1};
  cohort.scores = {{1000, 10}, {1000, 20}};
  MatrixScores scores(cohort);
  const CohortSolution solution = SolveCohort(ProblemFor(scores, cohort));
  ExpectWellFormed(cohort, solution, scores);
  ExpectOptimal(cohort, solution);
  EXPECT_EQ(solution.mentor_of, (std::vector<int>{-1, 1}));
  EXPECT_EQ(solution.feasible_mentors, (std::vector<int>{1, 1}));
}

// An admin pins a pair the optimiser would not choose; the rest is optimal around it.
TEST(SolveCohort, FixedPairsAreKeptAndTheRestIsOptimal) {
  DenseCohort cohort;
  cohort.seats = {1, 2, 1};
  cohort.extra_seat_cost = 5;
  cohort.scores = {{900, 100, 50}, {800, 700, kInfeasible}, {kInfeasible, 600, 650}, {400, 300, 200}};
  cohort.fixed_pairs = {{0, 1}, {3, 0}};  // mentee 3 takes mentor 0's only seat
  MatrixScores scores(cohort);
  const CohortSolution solution = SolveCohort(ProblemFor(scores, cohort));
  ExpectWellFormed(cohort, solution, scores);
  ExpectOptimal(cohort, solution);
  EXPECT_EQ(solution.mentor_of[0], 1);
  EXPECT_EQ(solution.mentor_of[3], 0);
  EXPECT_EQ(solution.mentor_of[1], 1);  // mentor 0 is taken: mentor 1's second seat (700 - 5)
  EXPECT_EQ(solution.mentor_of[2], 2);
}

TEST(SolveCohort, ForbiddenPairsStayOut) {
  DenseCohort cohort;
  cohort.seats = {1, 1};
  cohort.scores = {{900, 100}, {800, 700}};
  cohort.forbidden_pairs = {{0, 0}};
  MatrixScores scores(cohort);
  const CohortSolution solution = SolveCohort(ProblemFor(scores, cohort));
  ExpectWellFormed(cohort, solution, scores);
  ExpectOptimal(cohort, solution);
  EXPECT_EQ(solution.mentor_of, (std::vector<int>{1, 0}));
  EXPECT_EQ(solution.feasible_mentors, (std::vector<int>{1, 2}));
}

TEST(SolveCohort, RejectsMalformedProblems) {
  DenseCohort cohort;
  cohort.seats = {1, 1};
  cohort.scores = {{10, kInfeasible}, {20, 30}};
  MatrixScores scores(cohort);
  auto expect_rejected = [&](auto edit, const char* what) {
    CohortProblem problem = ProblemFor(scores, cohort);
    edit(problem);
    EXPECT_THROW(SolveCohort(problem), std::invalid_argument) << what;
  };
  expect_rejected([](CohortProblem& p) { p.scores = nullptr; }, "null scores");
  expect_rejected([](CohortProblem& p) { p.seats = {1}; }, "seats of the wrong size");
  expect_rejected([](CohortProblem& p) { p.seats = {1, -1}; }, "negative seats");
  expect_rejected([](CohortProblem& p) { p.max_score = 25; }, "score above max_score");
  expect_rejected([](CohortProblem& p) { p.fixed_pairs = {{0, 1}}; }, "infeasible fixed pair");
  expect_rejected([](CohortProblem& p) { p.fixed_pairs = {{1, 0}, {1, 1}}; }, "mentee fixed twice");
  expect_rejected([](CohortProblem& p) { p.fixed_pairs = {{0, 0}, {1, 0}}; }, "fixed pairs over seats");
  expect_rejected(
      [](CohortProblem& p) {
        p.fixed_pairs = {{1, 1}}, p.forbidden_pairs = {{1, 1}};
      },
      "fixed and forbidden");
  expect_rejected([](CohortProblem& p) { p.fixed_pairs = {{2, 0}}; }, "fixed mentee out of range");
  expect_rejected([](CohortProblem& p) { p.forbidden_pairs = {{0, 2}}; }, "forbidden mentor out of range");

  DenseCohort negative = cohort;
  negative.scores[1][1] = -2;
  MatrixScores negative_scores(negative);
  EXPECT_THROW(SolveCohort(ProblemFor(negative_scores, negative)), std::invalid_argument);
}

TEST(SolveCohort, ScoreSourceErrorsPropagate) {
  class FailingScores final : public ScoreSource {
   public:
    int mentee_count() const override { return 100; }
    int mentor_count() const override { return 3; }
    void ScoreRow(int mentee, std::span<int32_t> row) const override {
      if (mentee == 57) throw std::runtime_error("profile store unavailable");
      std::fill(row.begin(), row.end(), 1);
    }
  } failing;
  CohortProblem problem;
  problem.scores = &failing;
  problem.seats = {1, 1, 1};
  problem.threads = 2;
  EXPECT_THROW(SolveCohort(problem), std::runtime_error);
}

TEST(SolveCohort, SameAnswerOnAnyThreadCount) {
  std::mt19937_64 random(5);
  DenseCohort cohort;
  std::uniform_int_distribution<int> score(0, 1000), percent(0, 99);
  cohort.seats.assign(60, 2);
  cohort.extra_seat_cost = 20;
  cohort.scores.assign(150, std::vector<int32_t>(60));
  for (auto& row : cohort.scores)
    for (int32_t& s : row) s = percent(random) < 40 ? kInfeasible : score(random);
  std::vector<int> first;
  for (int threads : {1, 2, 4}) {
    MatrixScores scores(cohort);
    CohortProblem problem = ProblemFor(scores, cohort);
    problem.threads = threads;
    problem.candidates_per_mentee = 2;
    const CohortSolution solution = SolveCohort(problem);
    ExpectWellFormed(cohort, solution, scores);
    ExpectOptimal(cohort, solution);
    if (first.empty()) first = solution.mentor_of;
    EXPECT_EQ(solution.mentor_of, first) << threads << " threads";
  }
}

// When everyone's first choice is free the bound proves optimality without scoring a row twice.
TEST(SolveCohort, BoundAvoidsRescoringWhenFirstChoicesDoNotCollide) {
  DenseCohort cohort;
  const int size = 50;
  cohort.seats.assign(size, 1);
  cohort.scores.assign(size, std::vector<int32_t>(size, 100));
  for (int t = 0; t < size; ++t) cohort.scores[static_cast<size_t>(t)][static_cast<size_t>(t)] = 900;
  MatrixScores scores(cohort);
  CohortProblem problem = ProblemFor(scores, cohort);
  problem.candidates_per_mentee = 1;
  problem.reserve_per_mentee = 0;
  const CohortSolution solution = SolveCohort(problem);
  ExpectWellFormed(cohort, solution, scores);
  ExpectOptimal(cohort, solution);
  EXPECT_EQ(solution.rounds, 1);
  EXPECT_EQ(solution.rows_rescored, 0);
  EXPECT_EQ(scores.rows_scored(), size);
}

}  // namespace
}  // namespace mentoring::matching
