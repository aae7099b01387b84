// The cohort optimiser on a synthetic cohort (default 10,000 mentees x 5,000 mentors, 2 seats
// each), with a deterministic, seeded scorer built to cost about what the real one will
// (tens of ns per pair) and to look like it: seniority, shared language, time zones, weekly
// availability and goal-to-expertise fit, with about half the pairs ruled out by hard
// constraints. Prints one JSON object: the solver's phases, the objective, peak RSS.
//
//   cohort_solver_bench [--mentees N] [--mentors M] [--seats S] [--threads T] [--k K]
//                       [--extra-seat-cost C] [--seed X] [--dump-costs FILE]
//                       [--reserve R] [--initial-arcs A] [--max-added P]   (proof tuning)
//
// --dump-costs FILE also writes the dense cost matrix the optimiser is exact for: one row per
// mentee, one column per (mentor, seat), little-endian int64, the same lexicographic costs as
// the flow network (LexicographicPairCost), an infeasible pair as `infeasible_cost` (positive,
// so worse than leaving the mentee unmatched), plus FILE.json describing it and the solver's
// answer. dense_baseline.py solves it with scipy's linear_sum_assignment for comparison.
#include <sys/resource.h>

#include <algorithm>
#include <array>
#include <bit>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "mentoring/matching/cohort_dump.h"
#include "mentoring/matching/cohort_solver.h"

namespace {

using namespace mentoring::matching;

constexpr int kTopics = 16;
constexpr int kEmbedding = 48;  // a profile-text embedding, as a real scorer would compare
constexpr int kLanguages = 6;
constexpr int kSkills = 64;
constexpr int kGoals = 5;
constexpr int kJobFamilies = 12;

uint64_t SplitMix(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// One person as the scorer sees them (mentee or mentor).
struct Person {
  int level = 0;
  int department = 0;
  int utc_offset = 0;      // hours
  uint32_t languages = 0;  // bit per language
  int primary_language = 0;
  std::array<uint64_t, 3> week{};             // 168 hourly availability bits
  std::array<float, kTopics> topics{};        // mentee: interests; mentor: expertise (unit length)
  std::array<float, kEmbedding> embedding{};  // unit length
  int job_family = 0;
  // Mentee: development goals as (skill, weight); mentor: proficiency per skill (0..5).
  std::array<std::pair<uint8_t, uint8_t>, kGoals> goals{};
  int goal_count = 0;
  std::array<uint8_t, kSkills> proficiency{};
};

Person RandomPerson(uint64_t& state, bool mentor) {
  Person person;
  auto pick = [&](int n) { return static_cast<int>(SplitMix(state) % static_cast<uint64_t>(n)); };
  person.level = mentor ? 4 + pick(9) : 1 + pick(8);
  person.department = pick(30);
  // Three regions: Americas, Europe/Africa, Asia-Pacific.
  const int region = pick(10) < 3 ? 0 : pick(10) < 7 ? 1 : 2;
  person.utc_offset = std::array{-8, 0, 8}[static_cast<size_t>(region)] + pick(5) - 2;
  person.primary_language = region * 2 + pick(2);
  person.languages = 1u << person.primary_language;
  if (pick(10) < 7) person.languages |= 1u;  // English
  if (pick(10) < 2) person.languages |= 1u << pick(kLanguages);
  // Availability: a few weekday blocks of working hours in local time, stored in UTC.
  for (int day = 0; day < 5; ++day) {
    if (pick(10) < 4) continue;
    const int start = 8 + pick(9);
    for (int hour = start; hour < start + 2 + pick(3); ++hour) {
      const int utc = ((day * 24 + hour - person.utc_offset) % 168 + 168) % 168;
      person.week[static_cast<size_t>(utc / 64)] |= uint64_t{1} << (utc % 64);
    }
  }
  // A few topics, weighted; normalised so the fit is a cosine.
  float norm = 0;
  for (int k = 0; k < 2 + pick(3); ++k) {
    float& weight = person.topics[static_cast<size_t>(pick(kTopics))];
    weight += 1.0f + static_cast<float>(pick(4));
  }
  for (float weight : person.topics) norm += weight * weight;
  for (float& weight : person.topics) weight /= std::sqrt(norm);
  person.job_family = pick(kJobFamilies);
  // Embeddings cluster by job family: a family direction plus personal noise.
  float embedding_norm = 0;
  for (int d = 0; d < kEmbedding; ++d) {
    float& value = person.embedding[static_cast<size_t>(d)];
    value = (d % kJobFamilies == person.job_family ? 2.0f : 0.0f) + static_cast<float>(pick(1000)) / 1000.0f - 0.5f;
    embedding_norm += value * value;
  }
  for (float& value : person.embedding) value /= std::sqrt(embedding_norm);
  if (mentor) {
    for (int k = 0; k < 6 + pick(6); ++k)
      person.proficiency[static_cast<size_t>(pick(kSkills))] = static_cast<uint8_t>(1 + pick(5));
  } else {
    person.goal_count = 1 + pick(kGoals);
    for (int g = 0; g < person.goal_count; ++g)
      person.goals[static_cast<size_t>(g)] = {static_cast<uint8_t>(pick(kSkills)), static_cast<uint8_t>(1 + pick(3))};
  }
  return person;
}

class SyntheticScores final : public ScoreSource {
 public:
  SyntheticScores(int mentees, int mentors, uint64_t seed) : seed_(seed) {
    uint64_t state = seed;
    for (int i = 0; i < mentees; ++i) mentees_.push_back(RandomPerson(state, false));
    for (int j = 0; j < mentors; ++j) mentors_.push_back(RandomPerson(state, true));
    // How well careers in one job family inform another (symmetric, strongest on the diagonal).
    for (int a = 0; a < kJobFamilies; ++a)
      for (int b = a; b < kJobFamilies; ++b)
        family_fit_[static_cast<size_t>(a)][static_cast<size_t>(b)] =
            family_fit_[static_cast<size_t>(b)][static_cast<size_t>(a)] =
                static_cast<int16_t>(a == b ? 100 : SplitMix(state) % 60);
  }
  int mentee_count() const override { return static_cast<int>(mentees_.size()); }
  int mentor_count() const override { return static_cast<int>(mentors_.size()); }

  void ScoreRow(int mentee, std::span<int32_t> row) const override {
    const Person& me = mentees_[static_cast<size_t>(mentee)];
    for (size_t j = 0; j < mentors_.size(); ++j) row[j] = Score(me, mentors_[j], static_cast<uint64_t>(mentee), j);
  }

 private:
  int32_t Score(const Person& mentee, const Person& mentor, uint64_t i, uint64_t j) const {
    // Hard constraints.
    const int seniority = mentor.level - mentee.level;
    if (seniority < 1) return kInfeasible;
    if ((mentee.languages & mentor.languages) == 0) return kInfeasible;
    const int hours_apart = std::abs(mentee.utc_offset - mentor.utc_offset);
    if (hours_apart > 10) return kInfeasible;
    const int shared_hours = std::popcount(mentee.week[0] & mentor.week[0]) +
                             std::popcount(mentee.week[1] & mentor.week[1]) +
                             std::popcount(mentee.week[2] & mentor.week[2]);
    uint64_t pair_hash = seed_ ^ (i * 0x9E3779B97F4A7C15ull) ^ (j * 0xC2B2AE3D27D4EB4Full);
    pair_hash = SplitMix(pair_hash);
    // Same department: often in the same reporting line (an exclusion in real data).
    if (mentee.department == mentor.department && (pair_hash & 3) == 0) return kInfeasible;

    // Soft fit: development goals met by the mentor's skills, shared interests, career path.
    int goal_fit = 0, goal_weight = 0;
    for (int g = 0; g < mentee.goal_count; ++g) {
      const auto [skill, weight] = mentee.goals[static_cast<size_t>(g)];
      goal_fit += weight * mentor.proficiency[skill];
      goal_weight += weight;
    }
    float fit = 0;
    for (int k = 0; k < kTopics; ++k)
      fit += mentee.topics[static_cast<size_t>(k)] * mentor.topics[static_cast<size_t>(k)];
    float similarity = 0;
    for (int d = 0; d < kEmbedding; ++d)
      similarity += mentee.embedding[static_cast<size_t>(d)] * mentor.embedding[static_cast<size_t>(d)];
    int score = static_cast<int>(180.0f * fit) + 240 * goal_fit / (5 * goal_weight) +
                static_cast<int>(120.0f * std::max(0.0f, similarity));
    score += family_fit_[static_cast<size_t>(mentee.job_family)][static_cast<size_t>(mentor.job_family)];
    score += seniority <= 3 ? 150 : seniority <= 5 ? 100 : 40;
    score += std::max(0, 100 - 12 * hours_apart);
    score += std::min(shared_hours, 10) * 6;
    score += (mentee.primary_language == mentor.primary_language) ? 50 : 0;
    score += (mentee.department != mentor.department) ? 30 : 0;
    score += static_cast<int>((pair_hash >> 8) % 61);
    return std::min(score, 1000);
  }

  uint64_t seed_;
  std::array<std::array<int16_t, kJobFamilies>, kJobFamilies> family_fit_{};
  std::vector<Person> mentees_;
  std::vector<Person> mentors_;
};

int64_t PeakRssKiB() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

// User + system CPU of the whole process so far: with other work on the machine, wall time
// varies but this does not much.
double CpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

struct Options {
  int mentees = 10'000;
  int mentors = 5'000;
  int seats = 2;
  int threads = 2;
  int k = 40;
  int reserve = CohortProblem{}.reserve_per_mentee;
  int initial_arcs = CohortProblem{}.initial_arcs_per_mentee;
  int max_added = CohortProblem{}.max_arcs_added_per_mentee;
  int extra_seat_cost = 50;
  uint64_t seed = 1;
  std::string dump_costs;
};

Options ParseOptions(int argc, char** argv) {
  Options options;
  for (int a = 1; a < argc; ++a) {
    const std::string flag = argv[a];
    auto value = [&]() -> std::string {
      if (a + 1 >= argc) {
        std::cerr << "missing value for " << flag << "\n";
        std::exit(2);
      }
      return argv[++a];
    };
    if (flag == "--mentees")
      options.mentees = std::stoi(value());
    else if (flag == "--mentors")
      options.mentors = std::stoi(value());
    else if (flag == "--seats")
      options.seats = std::stoi(value());
    else if (flag == "--threads")
      options.threads = std::stoi(value());
    else if (flag == "--k")
      options.k = std::stoi(value());
    else if (flag == "--reserve")
      options.reserve = std::stoi(value());
    else if (flag == "--initial-arcs")
      options.initial_arcs = std::stoi(value());
    else if (flag == "--max-added")
      options.max_added = std::stoi(value());
    else if (flag == "--extra-seat-cost")
      options.extra_seat_cost = std::stoi(value());
    else if (flag == "--seed")
      options.seed = std::stoull(value());
    else if (flag == "--dump-costs")
      options.dump_costs = value();
    else {
      std::cerr << "unknown flag " << flag << "\n";
      std::exit(2);
    }
  }
  return options;
}

// Scorer cost per pair and share of infeasible pairs, on a sample of rows, single-threaded.
std::pair<double, double> ScorerProfile(const ScoreSource& scores) {
  const int rows = std::min(scores.mentee_count(), 200);
  std::vector<int32_t> row(static_cast<size_t>(scores.mentor_count()));
  int64_t infeasible = 0;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < rows; ++i) {
    scores.ScoreRow(i, row);
    infeasible += std::count(row.begin(), row.end(), kInfeasible);
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double pairs = static_cast<double>(rows) * static_cast<double>(row.size());
  return {pairs > 0 ? seconds * 1e9 / pairs : 0.0, pairs > 0 ? static_cast<double>(infeasible) / pairs : 0.0};
}

}  // namespace

int main(int argc, char** argv) {
  const Options options = ParseOptions(argc, argv);
  const SyntheticScores scores(options.mentees, options.mentors, options.seed);
  const auto [ns_per_pair, infeasible_share] = ScorerProfile(scores);

  CohortProblem problem;
  problem.scores = &scores;
  problem.seats.assign(static_cast<size_t>(options.mentors), options.seats);
  problem.max_score = 1000;
  problem.extra_seat_cost = options.extra_seat_cost;
  problem.candidates_per_mentee = options.k;
  problem.reserve_per_mentee = options.reserve;
  problem.initial_arcs_per_mentee = options.initial_arcs;
  problem.max_arcs_added_per_mentee = options.max_added;
  problem.threads = options.threads;
  const double cpu_before = CpuSeconds();
  const CohortSolution solution = SolveCohort(problem);
  const double solve_cpu_seconds = CpuSeconds() - cpu_before;
  const int64_t peak_rss_kib = PeakRssKiB();

  int no_feasible_mentor = 0;
  for (int feasible : solution.feasible_mentors) no_feasible_mentor += feasible == 0;
  std::ostringstream json;
  json.precision(4);
  json << std::fixed << "{\n  \"mentees\": " << options.mentees << ", \"mentors\": " << options.mentors
       << ", \"seats_per_mentor\": " << options.seats << ", \"threads\": " << options.threads
       << ", \"k\": " << options.k << ", \"extra_seat_cost\": " << options.extra_seat_cost
       << ", \"seed\": " << options.seed << ",\n  \"scorer_ns_per_pair\": " << ns_per_pair
       << ", \"infeasible_share\": " << infeasible_share << ",\n  \"seconds\": {\"total\": " << solution.total_seconds
       << ", \"score_and_prune\": " << solution.score_seconds << ", \"cpu\": " << solve_cpu_seconds
       << "},\n  \"rounds\": [";
  for (size_t r = 0; r < solution.round_log.size(); ++r) {
    const PricingRound& round = solution.round_log[r];
    json << (r ? "," : "") << "\n    {\"pair_arcs\": " << round.pair_arcs << ", \"solve_s\": " << round.solve_seconds
         << ", \"pricing_s\": " << round.pricing_seconds << ", \"pairs_priced\": " << round.pairs_priced
         << ", \"rows_rescored\": " << round.rows_rescored << ", \"arcs_added\": " << round.arcs_added << "}";
  }
  json << "],\n  \"matched\": " << solution.matched << ", \"no_feasible_mentor\": " << no_feasible_mentor
       << ", \"total_score\": " << solution.total_score << ", \"total_seat_cost\": " << solution.total_seat_cost
       << ", \"objective\": " << solution.total_score - solution.total_seat_cost
       << ",\n  \"proven_optimal\": " << (solution.proven_optimal ? "true" : "false")
       << ", \"candidate_arcs\": " << solution.candidate_arcs
       << ", \"arcs_added_by_pricing\": " << solution.arcs_added_by_pricing
       << ", \"pairs_priced\": " << solution.pairs_priced << ", \"rows_rescored\": " << solution.rows_rescored
       << ", \"match_reward\": " << solution.match_reward
       << ",\n  \"peak_rss_mib\": " << static_cast<double>(peak_rss_kib) / 1024.0 << "\n}\n";
  std::cout << json.str();

  if (!options.dump_costs.empty()) WriteDenseCosts(options.dump_costs, scores, problem, solution);
  return solution.proven_optimal ? 0 : 1;
}
