#pragma once
// Small builders for people as matching sees them, shared by the unit tests.
#include <random>
#include <string>

#include "mentoring/profiles/v1/profiles.pb.h"

namespace mentoring::matching::testing {

using profiles::v1::Person;

inline Person MakePerson(const std::string& id, int level) {
  Person p;
  p.set_person_id(id);
  p.set_career_level(level);
  p.set_department("engineering");
  p.set_time_zone("Europe/London");
  p.add_languages("en");
  p.set_employment_status(common::v1::EMPLOYMENT_STATUS_ACTIVE);
  p.set_matching_consent(true);
  auto* profile = p.mutable_mentoring_profile();
  profile->set_role(common::v1::MENTORING_ROLE_BOTH);
  profile->add_meeting_modes(common::v1::MEETING_MODE_VIDEO);
  profile->mutable_capacity()->set_max_active_mentees(3);
  profile->mutable_capacity()->set_hours_per_month(4);
  auto* window = profile->add_availability();
  window->set_weekday(2);
  window->set_start_minute(9 * 60);
  window->set_end_minute(12 * 60);
  return p;
}

inline void AddGoal(Person& p, common::v1::FocusArea area) {
  auto* goal = p.add_goals();
  goal->set_goal_id(p.person_id() + "-goal-" + std::to_string(p.goals_size()));
  goal->set_focus_area(area);
  goal->set_status(common::v1::GOAL_STATUS_ACTIVE);
}

inline void Offer(Person& p, common::v1::FocusArea area) {
  p.mutable_mentoring_profile()->add_expertise()->set_focus_area(area);
}

// A random person for property tests: every attribute the scorer reads varies.
inline Person RandomPerson(const std::string& id, int population, std::mt19937& rng) {
  static const char* kZones[] = {"Europe/London",       "America/New_York", "Asia/Kolkata",  "Asia/Tokyo",
                                 "America/Los_Angeles", "Australia/Sydney", "Asia/Kathmandu"};
  static const char* kDepartments[] = {"engineering", "sales", "finance", "people"};
  static const char* kLanguages[] = {"en", "fr", "de", "ja"};
  static const char* kSkills[] = {"sql", "go", "negotiation", "hiring", "cpp"};
  auto pick = [&](int n) { return static_cast<int>(rng() % n); };
  Person p = MakePerson(id, 1 + pick(15));
  p.set_time_zone(kZones[pick(7)]);
  p.set_department(kDepartments[pick(4)]);
  p.clear_languages();
  p.add_languages(kLanguages[pick(4)]);
  if (pick(2)) p.add_languages(kLanguages[pick(4)]);
  p.add_industries(pick(2) ? "technology" : "retail");
  if (pick(10) == 0) p.set_employment_status(common::v1::EMPLOYMENT_STATUS_ON_LEAVE);
  for (int g = pick(4); g > 0; --g) AddGoal(p, static_cast<common::v1::FocusArea>(1 + pick(6)));
  for (int e = pick(3); e > 0; --e) Offer(p, static_cast<common::v1::FocusArea>(1 + pick(6)));
  auto* profile = p.mutable_mentoring_profile();
  for (int s = pick(4); s > 0; --s) {
    auto* skill = profile->add_skills();
    skill->set_name(kSkills[pick(5)]);
    skill->set_level(1 + pick(5));
  }
  profile->clear_meeting_modes();
  for (int m = 1 + pick(3); m > 0; --m) profile->add_meeting_modes(static_cast<common::v1::MeetingMode>(1 + pick(4)));
  profile->clear_availability();
  for (int w = 1 + pick(3); w > 0; --w) {
    auto* window = profile->add_availability();
    window->set_weekday(1 + pick(5));
    window->set_start_minute(8 * 60 + 15 * pick(24));
    window->set_end_minute(window->start_minute() + 30 + 15 * pick(12));
  }
  if (pick(5) == 0) p.add_excluded_person_ids("p" + std::to_string(pick(population)));
  if (pick(3) != 0) p.set_manager_id("p" + std::to_string(pick(population)));
  return p;
}

}  // namespace mentoring::matching::testing
