#include "person_rules.h"

#include <gtest/gtest.h>

#include "mentoring/runtime/errors.h"

namespace mentoring::profiles {
namespace {

Person ValidPerson() {
  Person p;
  p.set_person_id("0190f5a4-0000-7000-8000-000000000001");
  p.set_hr_employee_id("E-1001");
  p.set_display_name("Ada Lovelace");
  p.set_email("ada@example.com");
  p.set_career_level(7);
  p.set_time_zone("Europe/London");
  p.add_languages("en");
  p.add_languages("pt-BR");
  auto* goal = p.add_goals();
  goal->set_focus_area(common::v1::FOCUS_AREA_LEADERSHIP);
  goal->set_description("Lead a team of five");
  ApplyDefaults(p);
  return p;
}

// The single violation of a status, or a failure naming what came instead.
std::pair<std::string, std::string> OnlyViolation(const absl::Status& status) {
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  const auto details = errors::DetailsOf(status);
  EXPECT_EQ(details.field_violations_size(), 1) << status;
  if (details.field_violations_size() == 0) return {};
  return {details.field_violations(0).field(), details.field_violations(0).rule()};
}

TEST(PersonRules, AValidPersonPasses) { EXPECT_TRUE(Validate(ValidPerson()).ok()); }

TEST(PersonRules, DefaultsMakeNewPeopleAndGoalsActive) {
  Person p = ValidPerson();
  EXPECT_EQ(p.employment_status(), common::v1::EMPLOYMENT_STATUS_ACTIVE);
  EXPECT_EQ(p.goals(0).status(), common::v1::GOAL_STATUS_ACTIVE);
}

struct BadCase {
  std::string name;
  std::function<void(Person&)> spoil;
  std::string field;
  std::string rule;
};

class PersonRuleViolation : public ::testing::TestWithParam<BadCase> {};

TEST_P(PersonRuleViolation, NamesTheFieldAndTheRule) {
  Person p = ValidPerson();
  GetParam().spoil(p);
  auto [field, rule] = OnlyViolation(Validate(p));
  EXPECT_EQ(field, GetParam().field);
  EXPECT_EQ(rule, GetParam().rule);
}

INSTANTIATE_TEST_SUITE_P(
    EachRule, PersonRuleViolation,
    ::testing::Values(
        BadCase{"missing_hr_id", [](Person& p) { p.clear_hr_employee_id(); }, "person.hr_employee_id", "required"},
        BadCase{"hr_id_with_space", [](Person& p) { p.set_hr_employee_id("E 1"); }, "person.hr_employee_id",
                "hr_id_format"},
        BadCase{"missing_name", [](Person& p) { p.clear_display_name(); }, "person.display_name", "required"},
        BadCase{"bad_email", [](Person& p) { p.set_email("ada-at-example"); }, "person.email", "email"},
        BadCase{"level_zero", [](Person& p) { p.set_career_level(0); }, "person.career_level", "range_1_15"},
        BadCase{"level_sixteen", [](Person& p) { p.set_career_level(16); }, "person.career_level", "range_1_15"},
        BadCase{"unknown_zone", [](Person& p) { p.set_time_zone("Mars/Olympus"); }, "person.time_zone",
                "iana_time_zone"},
        BadCase{"bad_language", [](Person& p) { p.set_languages(1, "english!"); }, "person.languages[1]", "bcp47"},
        BadCase{"manager_not_uuid", [](Person& p) { p.set_manager_id("boss"); }, "person.manager_id", "uuid"},
        BadCase{"own_manager", [](Person& p) { p.set_manager_id(p.person_id()); }, "person.manager_id", "not_self"},
        BadCase{"excludes_self", [](Person& p) { p.add_excluded_person_ids(p.person_id()); },
                "person.excluded_person_ids[0]", "not_self"},
        BadCase{"skill_level",
                [](Person& p) {
                  auto* s = p.mutable_mentoring_profile()->add_skills();
                  s->set_name("sql");
                  s->set_level(9);
                },
                "person.mentoring_profile.skills[0].level", "range_1_5"},
        BadCase{"window_backwards",
                [](Person& p) {
                  auto* w = p.mutable_mentoring_profile()->add_availability();
                  w->set_weekday(1);
                  w->set_start_minute(600);
                  w->set_end_minute(540);
                },
                "person.mentoring_profile.availability[0]", "window"},
        BadCase{"capacity",
                [](Person& p) { p.mutable_mentoring_profile()->mutable_capacity()->set_max_active_mentees(50); },
                "person.mentoring_profile.capacity.max_active_mentees", "range_0_20"},
        BadCase{"goal_without_focus", [](Person& p) { p.mutable_goals(0)->clear_focus_area(); },
                "person.goals[0].focus_area", "required"}),
    [](const auto& test_case) { return test_case.param.name; });

TEST(PersonRules, TheSixthActiveGoalIsRefused) {
  Person p = ValidPerson();
  for (int i = 0; i < 4; ++i) *p.add_goals() = p.goals(0);
  EXPECT_TRUE(Validate(p).ok()) << "five active goals are allowed";
  *p.add_goals() = p.goals(0);
  auto [field, rule] = OnlyViolation(Validate(p));
  EXPECT_EQ(field, "person.goals");
  EXPECT_EQ(rule, "max_active_goals");
}

TEST(PersonRules, AchievedGoalsDoNotCountTowardsTheLimit) {
  Person p = ValidPerson();
  for (int i = 0; i < 4; ++i) *p.add_goals() = p.goals(0);
  p.add_goals()->CopyFrom(p.goals(0));
  p.mutable_goals(5)->set_status(common::v1::GOAL_STATUS_ACHIEVED);
  EXPECT_TRUE(Validate(p).ok());
}

TEST(PersonRules, EveryViolationIsReportedAtOnce) {
  Person p = ValidPerson();
  p.set_email("nope");
  p.set_time_zone("Nowhere/Land");
  p.set_career_level(99);
  EXPECT_EQ(errors::DetailsOf(Validate(p)).field_violations_size(), 3);
}

TEST(ChangedParts, NothingChangedIsEmpty) { EXPECT_TRUE(ChangedParts(ValidPerson(), ValidPerson()).empty()); }

TEST(ChangedParts, NamesEachPartThatChanged) {
  Person before = ValidPerson();
  Person after = before;
  after.set_time_zone("America/New_York");
  after.set_employment_status(common::v1::EMPLOYMENT_STATUS_ON_LEAVE);
  after.mutable_mentoring_profile()->add_availability()->set_weekday(2);
  EXPECT_EQ(ChangedParts(before, after), (std::vector<events::v1::ProfilePart>{events::v1::PROFILE_PART_LOCATION,
                                                                               events::v1::PROFILE_PART_EMPLOYMENT,
                                                                               events::v1::PROFILE_PART_AVAILABILITY}));
}

// A mentee with a private goal in each of three focus areas, a declared conflict and consent.
Person Mentee() {
  Person p = ValidPerson();
  for (auto area : {common::v1::FOCUS_AREA_TECHNICAL, common::v1::FOCUS_AREA_WELLBEING}) {
    auto* goal = p.add_goals();
    goal->set_goal_id(common::v1::FocusArea_Name(area));
    goal->set_focus_area(area);
    goal->set_description("private: " + common::v1::FocusArea_Name(area));
  }
  p.add_excluded_person_ids("0190f5a4-0000-7000-8000-000000000002");
  p.set_matching_consent(true);
  ApplyDefaults(p);
  return p;
}

std::vector<std::string> Descriptions(const Person& view) {
  std::vector<std::string> out;
  for (const auto& goal : view.goals()) out.push_back(goal.description());
  return out;
}

TEST(ViewOf, AColleagueSeesNoGoalsExclusionsOrConsent) {
  const Person p = Mentee();
  const Person view = ViewOf(p, {});
  EXPECT_EQ(view.goals_size(), 0);
  EXPECT_EQ(view.excluded_person_ids_size(), 0);
  EXPECT_FALSE(view.matching_consent());
  EXPECT_EQ(view.display_name(), p.display_name());
}

TEST(ViewOf, AnAdministratorSeesEveryGoalButNoDescription) {
  const Person p = Mentee();
  const Person view = ViewOf(p, {.administrator = true});
  ASSERT_EQ(view.goals_size(), 3);
  EXPECT_EQ(Descriptions(view), (std::vector<std::string>{"", "", ""}));
  EXPECT_EQ(view.goals(1).focus_area(), common::v1::FOCUS_AREA_TECHNICAL);
  EXPECT_EQ(view.goals(1).status(), common::v1::GOAL_STATUS_ACTIVE);
  EXPECT_EQ(view.excluded_person_ids_size(), 1);
  EXPECT_TRUE(view.matching_consent());
}

TEST(ViewOf, AMentorSeesTheGoalsTheirRelationshipCoversInFullAndNothingElsePrivate) {
  const Person p = Mentee();
  const Person view = ViewOf(p, {.mentored_areas = {common::v1::FOCUS_AREA_TECHNICAL}});
  ASSERT_EQ(view.goals_size(), 1);
  EXPECT_EQ(view.goals(0).goal_id(), "FOCUS_AREA_TECHNICAL");
  EXPECT_EQ(view.goals(0).description(), "private: FOCUS_AREA_TECHNICAL");
  EXPECT_EQ(view.excluded_person_ids_size(), 0) << "a mentor is a colleague for everything else";
  EXPECT_FALSE(view.matching_consent());
}

TEST(ViewOf, AMentorInTwoAreasSeesBothInTheMenteesOrder) {
  const Person p = Mentee();
  const Person view =
      ViewOf(p, {.mentored_areas = {common::v1::FOCUS_AREA_WELLBEING, common::v1::FOCUS_AREA_LEADERSHIP}});
  EXPECT_EQ(Descriptions(view), (std::vector<std::string>{"Lead a team of five", "private: FOCUS_AREA_WELLBEING"}));
}

TEST(ViewOf, AnAdministratorWhoMentorsTheMenteeReadsOnlyTheCoveredDescriptions) {
  const Person p = Mentee();
  const Person view = ViewOf(p, {.administrator = true, .mentored_areas = {common::v1::FOCUS_AREA_TECHNICAL}});
  EXPECT_EQ(Descriptions(view), (std::vector<std::string>{"", "private: FOCUS_AREA_TECHNICAL", ""}));
}

TEST(ViewOf, AMentorInAnAreaWithoutGoalsSeesNoGoals) {
  const Person p = Mentee();
  EXPECT_EQ(ViewOf(p, {.mentored_areas = {common::v1::FOCUS_AREA_CAREER}}).goals_size(), 0);
}

}  // namespace
}  // namespace mentoring::profiles
