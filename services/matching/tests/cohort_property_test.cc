// The cohort path the service runs (real people, real policy, real scorer, the solver with
// aggressive pruning) over random cohorts: no chosen pair breaks a hard rule, no mentor gets
// more than their seats, and the objective equals an independent dense Hungarian solver's.
#include <absl/strings/str_cat.h>
#include <gtest/gtest.h>

#include "cohort_scores.h"
#include "dense_oracle.h"
#include "test_people.h"

namespace mentoring::matching {
namespace {

const absl::Time kReference = absl::FromCivil(absl::CivilSecond(2026, 6, 15, 12, 0, 0), absl::UTCTimeZone());

TEST(CohortProperties, RandomCohortsAreOptimalAndNeverBreakARule) {
  std::mt19937 rng(4242);
  for (int round = 0; round < 30; ++round) {
    const int mentees = 10 + static_cast<int>(rng() % 20);
    const int mentors = 4 + static_cast<int>(rng() % 10);
    std::vector<profiles::v1::Person> people;
    for (int i = 0; i < mentees + mentors; ++i) {
      people.push_back(testing::RandomPerson(absl::StrCat("p", 100 + i), mentees + mentors, rng));
    }
    const PeopleIndex index(people, kReference);
    std::vector<int32_t> mentee_ids, mentor_ids;
    for (int i = 0; i < mentees; ++i) mentee_ids.push_back(index.IndexOf(absl::StrCat("p", 100 + i)));
    for (int j = 0; j < mentors; ++j) mentor_ids.push_back(index.IndexOf(absl::StrCat("p", 100 + mentees + j)));
    std::vector<MenteeContext> contexts(mentees);
    for (auto& context : contexts) {
      if (rng() % 4 == 0) context.covered_areas = FocusBit(static_cast<common::v1::FocusArea>(1 + rng() % 6));
    }
    MatchPolicy policy;
    policy.min_level_gap = static_cast<int>(rng() % 2);
    policy.max_time_zone_difference_hours = 4 + static_cast<int>(rng() % 9);
    policy.require_shared_language = rng() % 2;
    const PairScorer scorer(policy, index);
    const CohortScores scores(scorer, mentee_ids, mentor_ids, contexts);

    CohortProblem problem;
    problem.scores = &scores;
    for (int j = 0; j < mentors; ++j) problem.seats.push_back(static_cast<int>(rng() % 3));
    problem.max_score = policy.max_score();
    problem.extra_seat_cost = static_cast<int32_t>(rng() % 20);
    problem.candidates_per_mentee = 1 + static_cast<int>(rng() % 2);  // prune hard: the proof must repair it
    problem.threads = 2;
    const CohortSolution solution = SolveCohort(problem);
    ASSERT_TRUE(solution.proven_optimal);

    testing::DenseCohort dense;
    dense.seats = problem.seats;
    dense.extra_seat_cost = problem.extra_seat_cost;
    dense.scores.assign(mentees, std::vector<int32_t>(mentors));
    for (int i = 0; i < mentees; ++i) scores.ScoreRow(i, dense.scores[i]);
    const auto expected = testing::Evaluate(dense, testing::DenseOptimum(dense));
    const auto got = testing::Evaluate(dense, solution.mentor_of);
    EXPECT_EQ(got, expected) << "round " << round;

    std::vector<int> load(mentors, 0);
    for (int i = 0; i < mentees; ++i) {
      const int j = solution.mentor_of[i];
      if (j < 0) continue;
      EXPECT_EQ(scorer.Check(mentee_ids[i], mentor_ids[j], contexts[i]), Rejection::kNone);
      ++load[j];
    }
    for (int j = 0; j < mentors; ++j) EXPECT_LE(load[j], problem.seats[j]);
  }
}

}  // namespace
}  // namespace mentoring::matching
