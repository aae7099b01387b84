#include "person_rules.h"

#include <absl/algorithm/container.h>
#include <absl/strings/str_cat.h>
#include <absl/time/time.h>
#include <google/protobuf/util/message_differencer.h>

#include <regex>

#include "mentoring/runtime/errors.h"
#include "mentoring/runtime/ids.h"

namespace mentoring::profiles {
namespace {

using common::v1::EmploymentStatus;
using common::v1::GoalStatus;
using events::v1::ProfilePart;
using google::protobuf::util::MessageDifferencer;

bool ValidEmail(const std::string& email) {
  // Deliberately modest: one '@', a non-empty local part, a dotted domain, no spaces.
  static const std::regex kEmail(R"(^[^@\s]+@[^@\s]+\.[^@\s]+$)");
  return email.size() <= 254 && std::regex_match(email, kEmail);
}

bool ValidTimeZone(const std::string& name) {
  absl::TimeZone tz;
  return !name.empty() && absl::LoadTimeZone(name, &tz);
}

bool ValidLanguageTag(const std::string& tag) {
  static const std::regex kTag(R"(^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$)");
  return std::regex_match(tag, kTag);
}

bool ValidHrId(const std::string& id) {
  static const std::regex kId(R"(^[A-Za-z0-9._:-]{1,64}$)");
  return std::regex_match(id, kId);
}

void CheckLength(errors::Violations& v, const std::string& field, const std::string& value, size_t max) {
  if (value.size() > max) v.Add(field, "max_length", absl::StrCat("must be at most ", max, " bytes"));
}

void ValidateMentoringProfile(const v1::MentoringProfile& profile, errors::Violations& v) {
  const std::string base = "person.mentoring_profile";
  for (int i = 0; i < profile.skills_size(); ++i) {
    const auto& skill = profile.skills(i);
    const std::string field = absl::StrCat(base, ".skills[", i, "]");
    if (skill.name().empty()) v.Add(field + ".name", "required", "a skill needs a name");
    CheckLength(v, field + ".name", skill.name(), 80);
    if (skill.level() < 1 || skill.level() > 5) v.Add(field + ".level", "range_1_5", "must be between 1 and 5");
  }
  for (int i = 0; i < profile.expertise_size(); ++i) {
    if (profile.expertise(i).focus_area() == common::v1::FOCUS_AREA_UNSPECIFIED) {
      v.Add(absl::StrCat(base, ".expertise[", i, "].focus_area"), "required", "must name a focus area");
    }
  }
  for (int i = 0; i < profile.meeting_modes_size(); ++i) {
    if (profile.meeting_modes(i) == common::v1::MEETING_MODE_UNSPECIFIED) {
      v.Add(absl::StrCat(base, ".meeting_modes[", i, "]"), "required", "must be a meeting mode");
    }
  }
  for (int i = 0; i < profile.availability_size(); ++i) {
    const auto& w = profile.availability(i);
    const std::string field = absl::StrCat(base, ".availability[", i, "]");
    if (w.weekday() < 1 || w.weekday() > 7)
      v.Add(field + ".weekday", "iso_weekday", "must be 1 (Monday) to 7 (Sunday)");
    if (w.start_minute() < 0 || w.start_minute() >= w.end_minute() || w.end_minute() > 1440) {
      v.Add(field, "window", "needs 0 <= start_minute < end_minute <= 1440");
    }
  }
  if (profile.capacity().max_active_mentees() < 0 || profile.capacity().max_active_mentees() > 20) {
    v.Add(base + ".capacity.max_active_mentees", "range_0_20", "must be between 0 and 20");
  }
  if (profile.capacity().hours_per_month() < 0 || profile.capacity().hours_per_month() > 40) {
    v.Add(base + ".capacity.hours_per_month", "range_0_40", "must be between 0 and 40");
  }
}

}  // namespace

void ApplyDefaults(Person& person) {
  if (person.employment_status() == common::v1::EMPLOYMENT_STATUS_UNSPECIFIED) {
    person.set_employment_status(common::v1::EMPLOYMENT_STATUS_ACTIVE);
  }
  for (auto& goal : *person.mutable_goals()) {
    if (goal.status() == common::v1::GOAL_STATUS_UNSPECIFIED) goal.set_status(common::v1::GOAL_STATUS_ACTIVE);
  }
}

void AssignGoalIds(Person& person, const Clock& clock) {
  for (auto& goal : *person.mutable_goals()) {
    if (goal.goal_id().empty()) goal.set_goal_id(NewUuidV7(clock));
  }
}

absl::Status Validate(const Person& person) {
  errors::Violations v;
  if (person.hr_employee_id().empty()) {
    v.Add("person.hr_employee_id", "required", "the HR employee id is required");
  } else if (!ValidHrId(person.hr_employee_id())) {
    v.Add("person.hr_employee_id", "hr_id_format", "1-64 characters of letters, digits and . _ : -");
  }
  if (person.display_name().empty()) v.Add("person.display_name", "required", "a display name is required");
  CheckLength(v, "person.display_name", person.display_name(), 200);
  if (!ValidEmail(person.email())) v.Add("person.email", "email", "must be an e-mail address like name@example.com");
  CheckLength(v, "person.title", person.title(), 200);
  CheckLength(v, "person.department", person.department(), 200);
  CheckLength(v, "person.location", person.location(), 200);
  if (!person.manager_id().empty()) {
    if (!IsUuid(person.manager_id())) {
      v.Add("person.manager_id", "uuid", "must be a person id (UUID)");
    } else if (person.manager_id() == person.person_id()) {
      v.Add("person.manager_id", "not_self", "a person cannot be their own manager");
    }
  }
  if (person.career_level() < kMinCareerLevel || person.career_level() > kMaxCareerLevel) {
    v.Add("person.career_level", "range_1_15", "must be a career band between 1 and 15");
  }
  if (!ValidTimeZone(person.time_zone())) {
    v.Add("person.time_zone", "iana_time_zone", "must be an IANA time zone such as Europe/London");
  }
  for (int i = 0; i < person.languages_size(); ++i) {
    if (!ValidLanguageTag(person.languages(i))) {
      v.Add(absl::StrCat("person.languages[", i, "]"), "bcp47", "must be a language tag such as en or pt-BR");
    }
  }
  if (!EmploymentStatus_IsValid(person.employment_status())) {
    v.Add("person.employment_status", "enum", "unknown employment status");
  }
  ValidateMentoringProfile(person.mentoring_profile(), v);
  int active_goals = 0;
  for (int i = 0; i < person.goals_size(); ++i) {
    const auto& goal = person.goals(i);
    const std::string field = absl::StrCat("person.goals[", i, "]");
    if (goal.status() == common::v1::GOAL_STATUS_ACTIVE) ++active_goals;
    if (goal.focus_area() == common::v1::FOCUS_AREA_UNSPECIFIED)
      v.Add(field + ".focus_area", "required", "must name a focus area");
    if (goal.description().empty()) v.Add(field + ".description", "required", "describe the goal");
    CheckLength(v, field + ".description", goal.description(), 2000);
  }
  if (active_goals > kMaxActiveGoals) {
    v.Add("person.goals", "max_active_goals",
          absl::StrCat("at most ", kMaxActiveGoals, " active goals (got ", active_goals,
                       "); achieve or abandon one before adding another"));
  }
  for (int i = 0; i < person.excluded_person_ids_size(); ++i) {
    const auto& id = person.excluded_person_ids(i);
    const std::string field = absl::StrCat("person.excluded_person_ids[", i, "]");
    if (!IsUuid(id))
      v.Add(field, "uuid", "must be a person id (UUID)");
    else if (id == person.person_id())
      v.Add(field, "not_self", "a person cannot exclude themself");
  }
  return v.ToStatus();
}

namespace {

// Copies into an empty Person only the fields that belong to `part`.
Person Project(const Person& p, ProfilePart part) {
  Person out;
  switch (part) {
    case events::v1::PROFILE_PART_IDENTITY:
      out.set_hr_employee_id(p.hr_employee_id());
      out.set_display_name(p.display_name());
      out.set_email(p.email());
      out.set_title(p.title());
      break;
    case events::v1::PROFILE_PART_ORG_POSITION:
      out.set_department(p.department());
      out.set_manager_id(p.manager_id());
      out.set_career_level(p.career_level());
      *out.mutable_industries() = p.industries();
      break;
    case events::v1::PROFILE_PART_LOCATION:
      out.set_location(p.location());
      out.set_time_zone(p.time_zone());
      *out.mutable_languages() = p.languages();
      break;
    case events::v1::PROFILE_PART_EMPLOYMENT:
      out.set_employment_status(p.employment_status());
      break;
    case events::v1::PROFILE_PART_MENTORING:
      *out.mutable_mentoring_profile() = p.mentoring_profile();
      out.mutable_mentoring_profile()->clear_availability();
      break;
    case events::v1::PROFILE_PART_AVAILABILITY:
      *out.mutable_mentoring_profile()->mutable_availability() = p.mentoring_profile().availability();
      break;
    case events::v1::PROFILE_PART_GOALS:
      *out.mutable_goals() = p.goals();
      break;
    case events::v1::PROFILE_PART_EXCLUSIONS:
      *out.mutable_excluded_person_ids() = p.excluded_person_ids();
      break;
    case events::v1::PROFILE_PART_CONSENT:
      out.set_matching_consent(p.matching_consent());
      break;
    default:
      break;
  }
  return out;
}

}  // namespace

std::vector<ProfilePart> ChangedParts(const Person& before, const Person& after) {
  std::vector<ProfilePart> parts;
  for (int i = events::v1::ProfilePart_MIN; i <= events::v1::ProfilePart_MAX; ++i) {
    const auto part = static_cast<ProfilePart>(i);
    if (part == events::v1::PROFILE_PART_UNSPECIFIED || !events::v1::ProfilePart_IsValid(i)) continue;
    if (!MessageDifferencer::Equals(Project(before, part), Project(after, part))) parts.push_back(part);
  }
  return parts;
}

Person ViewOf(const Person& person, const Reader& reader) {
  Person view = person;
  if (!reader.administrator) {
    view.clear_excluded_person_ids();
    view.clear_matching_consent();
  }
  view.clear_goals();
  for (const auto& goal : person.goals()) {
    const bool mentored = absl::c_linear_search(reader.mentored_areas, goal.focus_area());
    if (!mentored && !reader.administrator) continue;
    auto& shown = *view.add_goals() = goal;
    if (!mentored) shown.clear_description();
  }
  return view;
}

}  // namespace mentoring::profiles
