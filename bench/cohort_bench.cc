// Matching benchmarks on a synthetic organisation, with the service's real scorer, policy
// and solver (not a model of them):
//
//   cohort_bench cohort    [--mentees 10000] [--mentors 5000] [--seats 2] [--threads 2] [--k 40]
//                          [--dump-costs FILE]
//       builds the read model, scores every pair under a policy with every criterion and
//       hard rule on, prunes, solves and proves the result optimal (SolveCohort); prints
//       JSON with the phases, the objective and peak RSS. --dump-costs writes the dense cost
//       matrix (mentors repeated per seat) for dense_baseline.py (scipy).
//   cohort_bench recommend [--mentors 50000] [--queries 2000] [--k 10]
//       top-k recommendations (hard rules, scores, explanations of the k) for random
//       mentees among all mentors, in process; prints the latency distribution.
//   cohort_bench seed --database-url URL [--mentors 50000] [--mentees 1000]
//       fills a migrated matching database with that organisation as its read model and one
//       programme enrolling everyone, for the service-level benchmark (bench/cohort.sh);
//       prints the programme id and a mentee id.
//       --profiles-database-url URL: also fills a migrated profiles database with the same
//       people (ids, HR fields), so profiles and matching agree, for bench/churn.sh.
//       --moved-csv FILE [--moved 10000]: also writes an HR export (docs/hr-import.md) of
//       the first N mentors, everything as seeded but their department: a reorganisation.
//
// The organisation: a reporting tree, 30 departments, 12 time zones over three regions,
// five languages, twenty skills, declared conflicts, people on leave, goals and expertise
// across the six focus areas, weekly availability windows.
#include <absl/strings/str_cat.h>
#include <absl/strings/str_join.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "cohort_scores.h"
#include "enrollment_store.h"
#include "matching_rules.h"
#include "mentoring/matching/cohort_dump.h"
#include "mentoring/runtime/ids.h"
#include "mentoring/runtime/postgres.h"
#include "mentoring/runtime/proto_time.h"
#include "people_index.h"
#include "people_store.h"
#include "person_store.h"
#include "programme_store.h"
#include "recommender.h"

namespace {

using namespace mentoring;
using namespace mentoring::matching;
using profiles::v1::Person;
using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point since) { return std::chrono::duration<double>(Clock::now() - since).count(); }

long PeakRssKib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

// People ids are UUIDs (profiles keeps them as such) whose last group is the index,
// zero-padded so that index order is id order.
std::string IdOf(int i) {
  char id[40];
  std::snprintf(id, sizeof(id), "00000000-0000-7000-8000-%012d", i);
  return id;
}
int IndexOf(const std::string& person_id) { return std::atoi(person_id.c_str() + 24); }

std::vector<Person> SyntheticOrganisation(int mentees, int mentors, uint32_t seed) {
  static const char* kZones[] = {"America/Los_Angeles", "America/Denver", "America/Chicago", "America/New_York",
                                 "America/Sao_Paulo",   "Europe/London",  "Europe/Berlin",   "Europe/Helsinki",
                                 "Asia/Kolkata",        "Asia/Singapore", "Asia/Tokyo",      "Australia/Sydney"};
  static const char* kLanguages[] = {"en", "es", "de", "fr", "ja"};
  static const char* kIndustries[] = {"technology", "finance", "retail", "healthcare", "consulting", "public-sector"};
  std::mt19937 rng(seed);
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<uint32_t>(n)); };
  const int total = mentees + mentors;
  std::vector<Person> people(total);
  for (int i = 0; i < total; ++i) {
    const bool mentor = i >= mentees;
    Person& p = people[i];
    p.set_person_id(IdOf(i));
    p.set_version(1);
    p.set_career_level(mentor ? 5 + pick(10) : 1 + pick(9));
    p.set_department(absl::StrCat("dept-", pick(30)));
    const int zone = pick(12);
    p.set_time_zone(kZones[zone]);
    p.add_languages("en");
    if (pick(3) == 0) p.add_languages(kLanguages[1 + pick(4)]);
    p.add_industries(kIndustries[pick(6)]);
    if (pick(4) == 0) p.add_industries(kIndustries[pick(6)]);
    p.set_employment_status(pick(40) == 0 ? common::v1::EMPLOYMENT_STATUS_ON_LEAVE
                                          : common::v1::EMPLOYMENT_STATUS_ACTIVE);
    p.set_matching_consent(true);
    // A reporting tree: managers are more senior people with a lower index among mentors.
    if (i > 0) p.set_manager_id(IdOf(mentees + pick(std::max(1, std::min(i, mentors)))));
    auto* profile = p.mutable_mentoring_profile();
    profile->set_role(mentor ? common::v1::MENTORING_ROLE_MENTOR : common::v1::MENTORING_ROLE_MENTEE);
    for (int s = 1 + pick(5); s > 0; --s) {
      auto* skill = profile->add_skills();
      skill->set_name(absl::StrCat("skill-", pick(20)));
      skill->set_level(1 + pick(5));
    }
    for (int m = 1 + pick(3); m > 0; --m) profile->add_meeting_modes(static_cast<common::v1::MeetingMode>(1 + pick(4)));
    for (int w = 2 + pick(4); w > 0; --w) {
      auto* window = profile->add_availability();
      window->set_weekday(1 + pick(5));
      window->set_start_minute(8 * 60 + 30 * pick(16));
      window->set_end_minute(window->start_minute() + 60 + 30 * pick(6));
    }
    if (mentor) {
      for (int e = 1 + pick(3); e > 0; --e)
        profile->add_expertise()->set_focus_area(static_cast<common::v1::FocusArea>(1 + pick(6)));
      profile->mutable_capacity()->set_max_active_mentees(2 + pick(3));
      profile->mutable_capacity()->set_hours_per_month(4);
    } else {
      for (int g = 1 + pick(3); g > 0; --g) {
        auto* goal = p.add_goals();
        goal->set_focus_area(static_cast<common::v1::FocusArea>(1 + pick(6)));
        goal->set_status(common::v1::GOAL_STATUS_ACTIVE);
      }
    }
    if (pick(20) == 0) p.add_excluded_person_ids(IdOf(mentees + pick(mentors)));  // a declared conflict
  }
  return people;
}

// Every criterion weighted, every hard rule on.
MatchPolicy FullPolicy() {
  MatchPolicy policy;
  policy.weights = {300, 150, 150, 100, 50, 150, 100};
  policy.min_level_gap = 1;
  policy.wanted_gap_min = 2;
  policy.wanted_gap_max = 5;
  policy.max_time_zone_difference_hours = 8;
  policy.require_cross_department = true;
  policy.require_shared_language = true;
  policy.wanted_overlap_hours = 3;
  return policy;
}

int Flag(int argc, char** argv, const char* name, int fallback) {
  for (int i = 2; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], name) == 0) return std::atoi(argv[i + 1]);
  }
  return fallback;
}

std::string StringFlag(int argc, char** argv, const char* name) {
  for (int i = 2; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], name) == 0) return argv[i + 1];
  }
  return "";
}

const absl::Time kReference = absl::FromCivil(absl::CivilSecond(2027, 1, 15, 12, 0, 0), absl::UTCTimeZone());

int Cohort(int argc, char** argv) {
  const int mentees = Flag(argc, argv, "--mentees", 10000);
  const int mentors = Flag(argc, argv, "--mentors", 5000);
  const int seats = Flag(argc, argv, "--seats", 2);
  auto started = Clock::now();
  const PeopleIndex index(SyntheticOrganisation(mentees, mentors, 20261122), kReference);
  const double index_seconds = Seconds(started);
  std::vector<int32_t> mentee_ids(mentees), mentor_ids(mentors);
  for (int i = 0; i < mentees; ++i) mentee_ids[i] = i;
  for (int j = 0; j < mentors; ++j) mentor_ids[j] = mentees + j;
  const std::vector<MenteeContext> contexts(mentees);
  const PairScorer scorer(FullPolicy(), index);
  const CohortScores scores(scorer, mentee_ids, mentor_ids, contexts);
  CohortProblem problem;
  problem.scores = &scores;
  problem.seats.assign(mentors, seats);
  problem.max_score = scorer.policy().max_score();
  problem.extra_seat_cost = 50;
  problem.threads = Flag(argc, argv, "--threads", 2);
  problem.candidates_per_mentee = Flag(argc, argv, "--k", problem.candidates_per_mentee);
  problem.reserve_per_mentee = Flag(argc, argv, "--reserve", problem.reserve_per_mentee);
  problem.max_arcs_added_per_mentee = Flag(argc, argv, "--max-added", problem.max_arcs_added_per_mentee);
  started = Clock::now();
  const CohortSolution solution = SolveCohort(problem);
  const double solve_seconds = Seconds(started);
  std::printf(
      "{\"mentees\": %d, \"mentors\": %d, \"seats_per_mentor\": %d, \"read_model_seconds\": %.3f, "
      "\"solve_cohort_seconds\": %.3f, \"score_and_prune_seconds\": %.3f, \"rounds\": %d, \"candidate_arcs\": %lld, "
      "\"arcs_added_by_pricing\": %lld, \"rows_rescored\": %lld, \"proven_optimal\": %s, \"matched\": %d, "
      "\"total_score\": %lld, \"total_seat_cost\": %lld, \"peak_rss_mib\": %.1f}\n",
      mentees, mentors, seats, index_seconds, solve_seconds, solution.score_seconds, solution.rounds,
      static_cast<long long>(solution.candidate_arcs), static_cast<long long>(solution.arcs_added_by_pricing),
      static_cast<long long>(solution.rows_rescored), solution.proven_optimal ? "true" : "false", solution.matched,
      static_cast<long long>(solution.total_score), static_cast<long long>(solution.total_seat_cost),
      PeakRssKib() / 1024.0);
  for (const auto& round : solution.round_log) {
    std::fprintf(stderr, "round: arcs %lld solve %.3f s pricing %.3f s priced %lld rescored %lld added %lld\n",
                 static_cast<long long>(round.pair_arcs), round.solve_seconds, round.pricing_seconds,
                 static_cast<long long>(round.pairs_priced), static_cast<long long>(round.rows_rescored),
                 static_cast<long long>(round.arcs_added));
  }
  if (const std::string dump = StringFlag(argc, argv, "--dump-costs"); !dump.empty()) {
    WriteDenseCosts(dump, scores, problem, solution);
  }
  return solution.proven_optimal ? 0 : 1;
}

int Recommend(int argc, char** argv) {
  const int mentors = Flag(argc, argv, "--mentors", 50000);
  const int queries = Flag(argc, argv, "--queries", 2000);
  const int k = Flag(argc, argv, "--k", 10);
  const int mentees = 1000;
  const PeopleIndex index(SyntheticOrganisation(mentees, mentors, 7), kReference);
  std::vector<int32_t> pool(mentors);
  for (int j = 0; j < mentors; ++j) pool[j] = mentees + j;
  const PairScorer scorer(FullPolicy(), index);
  std::vector<double> millis;
  millis.reserve(queries);
  size_t returned = 0;
  for (int q = 0; q < queries; ++q) {
    const int32_t mentee = q % mentees;
    const MenteeContext context;
    const auto started = Clock::now();
    const auto top = TopMentors(scorer, mentee, pool, context, k);
    for (const auto& ranked : top) returned += scorer.Explain(mentee, ranked.person, context).explanation.size() > 0;
    millis.push_back(Seconds(started) * 1000);
  }
  std::sort(millis.begin(), millis.end());
  auto at = [&](double q) { return millis[std::min(millis.size() - 1, static_cast<size_t>(q * millis.size()))]; };
  std::printf(
      "{\"mentors\": %d, \"queries\": %d, \"k\": %d, \"p50_ms\": %.2f, \"p90_ms\": %.2f, \"p99_ms\": %.2f, "
      "\"max_ms\": %.2f, \"mean_returned\": %.2f}\n",
      mentors, queries, k, at(0.5), at(0.9), at(0.99), millis.back(), static_cast<double>(returned) / queries);
  return 0;
}

// What HR knows about synthetic person `i`: its employee id and the fields of an HR export.
std::string EmployeeIdOf(int i) { return absl::StrCat("E", i); }
Person WithHrFields(Person p) {
  const int i = IndexOf(p.person_id());
  p.set_hr_employee_id(EmployeeIdOf(i));
  p.set_display_name(absl::StrCat("Person ", i));
  p.set_email(absl::StrCat("person.", i, "@example.com"));
  p.set_title("Engineer");
  p.set_location("Hometown");
  return p;
}

// Profiles' own rows for the organisation, in batches (profiles' migrations applied).
absl::Status SeedProfiles(const std::string& url, const std::vector<Person>& people) {
  pg::Pool pool({.conninfo = url, .size = 2});
  constexpr size_t kBatch = 1000;
  for (size_t from = 0; from < people.size(); from += kBatch) {
    std::vector<Person> batch;
    for (size_t i = from; i < std::min(people.size(), from + kBatch); ++i) {
      Person& p = batch.emplace_back(WithHrFields(people[i]));
      SetTimestamp(p.mutable_created_at(), absl::Now());
      *p.mutable_updated_at() = p.created_at();
    }
    auto stored =
        pool.InTransaction([&](pg::Transaction& txn) { return profiles::PersonStore::InsertMany(txn, batch); });
    if (!stored.ok()) return stored;
  }
  return absl::OkStatus();
}

// An HR export of the first `moved` mentors as seeded, each in a new department.
absl::Status WriteReorganisation(const std::string& path, const std::vector<Person>& people, int mentees, int moved) {
  std::ofstream out(path);
  out << "employee_id,manager_id,first_name,last_name,email,level,time_zone,status,title,department,location,"
         "languages\n";
  for (int i = mentees; i < std::min<int>(people.size(), mentees + moved); ++i) {
    const Person p = WithHrFields(people[i]);
    const std::string manager = p.manager_id().empty() ? "" : EmployeeIdOf(IndexOf(p.manager_id()));
    const bool on_leave = p.employment_status() == common::v1::EMPLOYMENT_STATUS_ON_LEAVE;
    out << p.hr_employee_id() << ',' << manager << ",Person," << i << ',' << p.email() << ',' << p.career_level() << ','
        << p.time_zone() << ',' << (on_leave ? "on_leave" : "active") << ',' << p.title() << ",reorganised-" << i % 30
        << ',' << p.location() << ',' << absl::StrJoin(p.languages(), ";") << '\n';
  }
  out.close();
  return out ? absl::OkStatus() : absl::InternalError("cannot write " + path);
}

int Seed(int argc, char** argv) {
  const std::string url = StringFlag(argc, argv, "--database-url");
  const int mentors = Flag(argc, argv, "--mentors", 50000);
  const int mentees = Flag(argc, argv, "--mentees", 1000);
  if (url.empty()) {
    std::fprintf(stderr, "seed needs --database-url\n");
    return 2;
  }
  pg::Pool pool({.conninfo = url, .size = 2});
  const PeopleStore people_store;
  const std::vector<Person> people = SyntheticOrganisation(mentees, mentors, 7);
  constexpr size_t kBatch = 1000;
  for (size_t from = 0; from < people.size(); from += kBatch) {
    auto stored = pool.InTransaction([&](pg::Transaction& txn) -> absl::Status {
      for (size_t i = from; i < std::min(people.size(), from + kBatch); ++i) {
        if (auto upserted = people_store.Upsert(txn, people[i]); !upserted.ok()) return upserted.status();
      }
      return absl::OkStatus();
    });
    if (!stored.ok()) {
      std::fprintf(stderr, "seed: %s\n", stored.ToString().c_str());
      return 1;
    }
  }
  v1::Programme programme;
  programme.set_programme_id(NewUuidV7());
  programme.set_name("Recommendation benchmark");
  programme.set_type(common::v1::PROGRAMME_TYPE_ONE_TO_ONE);
  programme.mutable_start_date()->set_year(2027);
  programme.mutable_start_date()->set_month(1);
  programme.mutable_start_date()->set_day(1);
  programme.mutable_end_date()->set_year(2027);
  programme.mutable_end_date()->set_month(12);
  programme.mutable_end_date()->set_day(31);
  auto* policy = programme.mutable_policy();
  const MatchPolicy full = FullPolicy();
  auto* w = policy->mutable_weights();
  w->set_goal_focus(full.weights[0]);
  w->set_skills(full.weights[1]);
  w->set_level_gap(full.weights[2]);
  w->set_cross_boundary(full.weights[3]);
  w->set_languages(full.weights[4]);
  w->set_availability_overlap(full.weights[5]);
  w->set_meeting_modes(full.weights[6]);
  policy->set_min_level_gap(full.min_level_gap);
  policy->set_wanted_level_gap_min(full.wanted_gap_min);
  policy->set_wanted_level_gap_max(full.wanted_gap_max);
  policy->set_max_time_zone_difference_hours(full.max_time_zone_difference_hours);
  policy->set_require_cross_department(full.require_cross_department);
  policy->set_require_shared_language(full.require_shared_language);
  policy->set_wanted_overlap_hours_per_week(full.wanted_overlap_hours);
  if (auto valid = NormaliseProgramme(programme); !valid.ok()) {
    std::fprintf(stderr, "seed: %s\n", valid.ToString().c_str());
    return 1;
  }
  programme.set_version(1);
  const ProgrammeStore programmes;
  const EnrollmentStore enrollments;
  auto status = pool.InTransaction([&](pg::Transaction& txn) -> absl::Status {
    if (auto inserted = programmes.Insert(txn, programme); !inserted.ok()) return inserted;
    for (size_t i = 0; i < people.size(); ++i) {
      v1::Enrollment e;
      e.set_programme_id(programme.programme_id());
      e.set_person_id(people[i].person_id());
      e.set_role(static_cast<int>(i) < mentees ? v1::PARTICIPANT_ROLE_MENTEE : v1::PARTICIPANT_ROLE_MENTOR);
      e.set_consent(true);
      e.set_hours_per_month(4);
      if (e.role() == v1::PARTICIPANT_ROLE_MENTOR) e.set_seats(SeatsFor(e, programme));
      if (auto enrolled = enrollments.Save(txn, e); !enrolled.ok()) return enrolled;
    }
    return absl::OkStatus();
  });
  if (!status.ok()) {
    std::fprintf(stderr, "seed: %s\n", status.ToString().c_str());
    return 1;
  }
  if (const std::string profiles_url = StringFlag(argc, argv, "--profiles-database-url"); !profiles_url.empty()) {
    if (auto seeded = SeedProfiles(profiles_url, people); !seeded.ok()) {
      std::fprintf(stderr, "seed: profiles: %s\n", seeded.ToString().c_str());
      return 1;
    }
  }
  if (const std::string csv = StringFlag(argc, argv, "--moved-csv"); !csv.empty()) {
    if (auto written = WriteReorganisation(csv, people, mentees, Flag(argc, argv, "--moved", 10000)); !written.ok()) {
      std::fprintf(stderr, "seed: %s\n", written.ToString().c_str());
      return 1;
    }
  }
  std::printf("PROGRAMME_ID=%s\nMENTEE_ID=%s\n", programme.programme_id().c_str(), people.front().person_id().c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "cohort") return Cohort(argc, argv);
  if (mode == "recommend") return Recommend(argc, argv);
  if (mode == "seed") return Seed(argc, argv);
  std::fprintf(stderr, "usage: cohort_bench cohort|recommend|seed [flags] (see the comment at the top)\n");
  return 2;
}
