#include "people_index.h"

#include <absl/container/flat_hash_map.h>

#include <algorithm>
#include <bit>

namespace mentoring::matching {
namespace {

constexpr int kMinutesPerWeek = 7 * 24 * 60;

class Interner {
 public:
  int32_t Intern(const std::string& value) {
    auto [it, inserted] = ids_.try_emplace(value, static_cast<int32_t>(names_.size()));
    if (inserted) names_.push_back(value);
    return it->second;
  }
  std::vector<std::string> TakeNames() { return std::move(names_); }

 private:
  absl::flat_hash_map<std::string, int32_t> ids_;
  std::vector<std::string> names_;
};

void SortUnique(std::vector<int32_t>& values) {
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
}

int32_t UtcOffsetMinutes(const std::string& zone_name, absl::Time at) {
  static thread_local absl::flat_hash_map<std::string, absl::TimeZone> zones;
  auto it = zones.find(zone_name);
  if (it == zones.end()) {
    absl::TimeZone zone = absl::UTCTimeZone();
    if (!zone_name.empty()) absl::LoadTimeZone(zone_name, &zone);  // unknown: UTC (profiles validates)
    it = zones.emplace(zone_name, zone).first;
  }
  return it->second.At(at).offset / 60;
}

}  // namespace

FocusMask FocusBit(common::v1::FocusArea area) { return area > 0 && area < 8 ? static_cast<FocusMask>(1u << area) : 0; }

std::vector<common::v1::FocusArea> FocusAreasOf(FocusMask mask) {
  std::vector<common::v1::FocusArea> areas;
  for (int area = 1; area < 8; ++area) {
    if (mask & (1u << area)) areas.push_back(static_cast<common::v1::FocusArea>(area));
  }
  return areas;
}

void WeekSlots::Add(int start, int end) {
  if (end <= start) return;
  if (end - start >= kMinutesPerWeek) {
    start = 0;
    end = kMinutesPerWeek;
  }
  // Whole slots inside the window only: a window 09:10-10:00 offers 09:15-10:00.
  int first = (start + kSlotMinutes - 1) / kSlotMinutes;
  int last = end / kSlotMinutes;  // exclusive
  for (int slot = first; slot < last; ++slot) {
    const int s = ((slot % kSlots) + kSlots) % kSlots;
    bits_[s / 64] |= uint64_t{1} << (s % 64);
  }
}

int WeekSlots::Minutes() const {
  int slots = 0;
  for (uint64_t word : bits_) slots += std::popcount(word);
  return slots * kSlotMinutes;
}

PeopleIndex::PeopleIndex(std::vector<profiles::v1::Person> people, absl::Time reference)
    : people_(std::move(people)), reference_(reference) {
  std::sort(people_.begin(), people_.end(), [](const auto& a, const auto& b) { return a.person_id() < b.person_id(); });
  absl::flat_hash_map<std::string, int32_t> index_of;
  index_of.reserve(people_.size());
  for (size_t i = 0; i < people_.size(); ++i) index_of.emplace(people_[i].person_id(), static_cast<int32_t>(i));
  auto lookup = [&](const std::string& id) {
    auto it = index_of.find(id);
    return it == index_of.end() ? -1 : it->second;
  };

  Interner departments, industries, languages, skills;
  candidates_.resize(people_.size());
  for (size_t i = 0; i < people_.size(); ++i) {
    const auto& p = people_[i];
    const auto& profile = p.mentoring_profile();
    Candidate& c = candidates_[i];
    c.active = p.employment_status() == common::v1::EMPLOYMENT_STATUS_ACTIVE && p.matching_consent();
    c.career_level = p.career_level();
    c.utc_offset_minutes = UtcOffsetMinutes(p.time_zone(), reference);
    c.department = p.department().empty() ? -1 : departments.Intern(p.department());
    for (const auto& goal : p.goals()) {
      if (goal.status() == common::v1::GOAL_STATUS_ACTIVE) c.goal_areas |= FocusBit(goal.focus_area());
    }
    for (const auto& offered : profile.expertise()) c.expertise |= FocusBit(offered.focus_area());
    for (int mode : profile.meeting_modes()) {
      if (mode > 0 && mode < 8) c.modes |= static_cast<ModeMask>(1u << mode);
    }
    for (const auto& industry : p.industries()) c.industries.push_back(industries.Intern(industry));
    SortUnique(c.industries);
    for (const auto& language : p.languages()) c.languages.push_back(languages.Intern(language));
    SortUnique(c.languages);
    for (int32_t id : c.industries) {
      if (id < 64)
        c.industry_bits |= uint64_t{1} << id;
      else
        c.industries_as_bits = false;
    }
    for (int32_t id : c.languages) {
      if (id < 64)
        c.language_bits |= uint64_t{1} << id;
      else
        c.languages_as_bits = false;
    }
    c.skills_begin = static_cast<uint32_t>(skill_pool_.size());
    for (const auto& skill : profile.skills()) {
      const uint32_t level = static_cast<uint32_t>(std::clamp(skill.level(), 0, 7));  // profiles keeps 1..5
      skill_pool_.push_back(static_cast<uint32_t>(skills.Intern(skill.name())) << 3 | level);
    }
    c.skills_end = static_cast<uint32_t>(skill_pool_.size());
    std::sort(skill_pool_.begin() + c.skills_begin, skill_pool_.end());
    for (const auto& excluded : p.excluded_person_ids()) {
      if (int32_t j = lookup(excluded); j >= 0) c.exclusions.push_back(j);
    }
    SortUnique(c.exclusions);
    for (const auto& window : profile.availability()) {
      // Local minute of the week → UTC by subtracting the offset.
      const int local = (window.weekday() - 1) * 24 * 60;
      c.availability.Add(local + window.start_minute() - c.utc_offset_minutes,
                         local + window.end_minute() - c.utc_offset_minutes);
    }
    c.max_active_mentees = profile.capacity().max_active_mentees();
    c.hours_per_month = profile.capacity().hours_per_month();
  }
  // The reporting line as intervals of a depth-first walk of the management forest. A
  // manager cycle (which profiles refuses, but a read model must survive) is walked as one
  // node, below.
  std::vector<std::vector<int32_t>> reports(people_.size());
  std::vector<int32_t> tops;
  for (size_t i = 0; i < people_.size(); ++i) {
    const int32_t manager = lookup(people_[i].manager_id());
    if (manager >= 0 && manager != static_cast<int32_t>(i)) {
      reports[manager].push_back(static_cast<int32_t>(i));
    } else {
      tops.push_back(static_cast<int32_t>(i));
    }
  }
  std::vector<bool> visited(people_.size(), false);
  int32_t clock = 0;
  std::vector<std::pair<int32_t, size_t>> stack;  // (person, next report to visit)
  // Whoever the walks from the tops miss belongs to, or hangs below, a manager cycle. Every
  // member of a cycle is in every other member's chain, so a cycle becomes one node: its
  // members share one interval (and InSameChain treats a shared interval as the same chain).
  std::vector<std::vector<int32_t>> cycles;
  const auto collapse_cycle_of = [&](int32_t person) {
    // Climbing as many steps as there are people surely lands inside the cycle.
    for (size_t step = 0; step < people_.size(); ++step) person = lookup(people_[person].manager_id());
    std::vector<int32_t> members;
    int32_t member = person;
    do {
      members.push_back(member);
      member = lookup(people_[member].manager_id());
    } while (member != person);
    std::vector<int32_t> merged;
    for (int32_t m : members) {
      for (int32_t report : reports[m]) {
        if (std::find(members.begin(), members.end(), report) == members.end()) merged.push_back(report);
      }
      reports[m].clear();
      visited[m] = true;
    }
    reports[person] = std::move(merged);
    visited[person] = false;
    cycles.push_back(std::move(members));
    return person;
  };
  for (size_t next_top = 0;; ++next_top) {
    if (next_top == tops.size()) {
      auto missed = std::find(visited.begin(), visited.end(), false);
      if (missed == visited.end()) break;
      tops.push_back(collapse_cycle_of(static_cast<int32_t>(missed - visited.begin())));
    }
    const int32_t top = tops[next_top];
    if (visited[top]) continue;
    visited[top] = true;
    candidates_[top].chain_in = ++clock;
    stack.emplace_back(top, 0);
    while (!stack.empty()) {
      auto& [person, next] = stack.back();
      if (next < reports[person].size()) {
        const int32_t report = reports[person][next++];
        if (visited[report]) continue;
        visited[report] = true;
        candidates_[report].chain_in = ++clock;
        stack.emplace_back(report, 0);
      } else {
        candidates_[person].chain_out = clock;
        stack.pop_back();
      }
    }
  }
  for (const auto& members : cycles) {
    const Candidate& representative = candidates_[members.front()];
    for (int32_t m : members) {
      candidates_[m].chain_in = representative.chain_in;
      candidates_[m].chain_out = representative.chain_out;
    }
  }
  skill_names_ = skills.TakeNames();
  language_names_ = languages.TakeNames();
}

int PeopleIndex::IndexOf(const std::string& person_id) const {
  auto it = std::lower_bound(people_.begin(), people_.end(), person_id,
                             [](const auto& p, const std::string& id) { return p.person_id() < id; });
  return it != people_.end() && it->person_id() == person_id ? static_cast<int>(it - people_.begin()) : -1;
}

int PeopleIndex::FirstIndexAfter(const std::string& person_id) const {
  auto it = std::upper_bound(people_.begin(), people_.end(), person_id,
                             [](const std::string& id, const auto& p) { return id < p.person_id(); });
  return static_cast<int>(it - people_.begin());
}

profiles::v1::Person MatchingFactsOf(const profiles::v1::Person& person) {
  profiles::v1::Person facts = person;
  facts.clear_display_name();
  facts.clear_email();
  facts.clear_title();
  facts.clear_location();
  facts.clear_hr_employee_id();
  // The version and times change with every edit; kept, they would make facts that are the
  // same differ (the people table keeps the version in a column of its own).
  facts.clear_version();
  facts.clear_created_at();
  facts.clear_updated_at();
  for (auto& goal : *facts.mutable_goals()) goal.clear_description();
  for (auto& expertise : *facts.mutable_mentoring_profile()->mutable_expertise()) expertise.clear_topics();
  return facts;
}

}  // namespace mentoring::matching
