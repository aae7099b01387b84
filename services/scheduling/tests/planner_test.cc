// The planner and the cadence rules, on real time zone data: series across daylight-saving
// changes (London and New York in the weeks their offset differs, Sydney in the southern
// hemisphere, Kolkata's half-hour offset), the RFC 5545 rule for times a clock change skips
// or repeats, monthly, fortnightly and quarterly rules, and a property over random people.
#include <absl/random/random.h>
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "availability.h"
#include "cadence.h"
#include "mentoring/runtime/proto_time.h"
#include "series_planner.h"
#include "series_rules.h"

namespace mentoring::scheduling {
namespace {

using Window = profiles::v1::AvailabilityWindow;

Window W(int weekday, int start_hour, int end_hour, int start_min = 0, int end_min = 0) {
  Window w;
  w.set_weekday(weekday);
  w.set_start_minute(start_hour * 60 + start_min);
  w.set_end_minute(end_hour * 60 + end_min);
  return w;
}

std::vector<Window> Weekdays(int start_hour, int end_hour, int start_min = 0, int end_min = 0) {
  std::vector<Window> windows;
  for (int day = 1; day <= 5; ++day) windows.push_back(W(day, start_hour, end_hour, start_min, end_min));
  return windows;
}

WeeklyAvailability Availability(const std::string& zone, const std::vector<Window>& windows) {
  auto availability = WeeklyAvailability::From(zone, windows);
  EXPECT_TRUE(availability.ok()) << availability.status();
  return *availability;
}

absl::Time Utc(int y, int mo, int d, int h, int mi) {
  return absl::FromCivil(absl::CivilMinute(y, mo, d, h, mi), absl::UTCTimeZone());
}

events::v1::AgreementTerms Terms(const std::string& rrule, int minutes, absl::CivilDay start, absl::CivilDay end) {
  events::v1::AgreementTerms terms;
  terms.set_agreement_version(1);
  terms.set_cadence_rrule(rrule);
  terms.set_meeting_minutes(minutes);
  terms.set_cancellation_notice_hours(24);
  *terms.mutable_start_date() = ToDate(start);
  *terms.mutable_end_date() = ToDate(end);
  return terms;
}

// Plans a whole series from `now` through its end.
struct Planned {
  v1::MeetingSeries series;
  PlannedStretch stretch;
};
Planned Plan(const SeriesPlanner& planner, const events::v1::AgreementTerms& terms, absl::Time now) {
  Planned planned;
  planned.series = NewCadenceSeries("s", "r", "mentee", "mentor", terms, planner, now);
  planned.stretch = PlanThrough(planned.series, planner, FromDate(terms.end_date()), now);
  return planned;
}

absl::CivilMinute LocalOf(absl::Time t, const std::string& zone_name) {
  absl::TimeZone zone;
  absl::LoadTimeZone(zone_name, &zone);
  return absl::ToCivilMinute(t, zone);
}

TEST(LocalTimes, AGapReadsWithTheOffsetBeforeItAndARepeatMeansTheFirst) {
  absl::TimeZone london;
  ASSERT_TRUE(absl::LoadTimeZone("Europe/London", &london));
  // 2027-03-28 01:00 GMT the clocks go to 02:00 BST: 01:30 does not exist that night.
  EXPECT_EQ(LocalToInstant(absl::CivilMinute(2027, 3, 28, 1, 30), london), Utc(2027, 3, 28, 1, 30));  // = 02:30 BST
  // 2027-10-31 02:00 BST the clocks go back to 01:00 GMT: 01:30 happens twice; the first is BST.
  EXPECT_EQ(LocalToInstant(absl::CivilMinute(2027, 10, 31, 1, 30), london), Utc(2027, 10, 31, 0, 30));
  absl::TimeZone new_york;
  ASSERT_TRUE(absl::LoadTimeZone("America/New_York", &new_york));
  // RFC 5545's own examples: 2007-03-11 02:30 New York is 03:30 EDT; 2007-11-04 01:30 is EDT.
  EXPECT_EQ(LocalToInstant(absl::CivilMinute(2007, 3, 11, 2, 30), new_york), Utc(2007, 3, 11, 7, 30));
  EXPECT_EQ(LocalToInstant(absl::CivilMinute(2007, 11, 4, 1, 30), new_york), Utc(2007, 11, 4, 5, 30));
}

TEST(Cadence, MonthlySecondTuesdayFortnightlyAndQuarterly) {
  auto second_tuesday = Cadence::Parse("FREQ=MONTHLY;BYDAY=2TU");
  ASSERT_TRUE(second_tuesday.ok());
  EXPECT_TRUE(second_tuesday->picks_days());
  const auto tuesdays = second_tuesday->Dates(absl::CivilDay(2027, 1, 1), absl::CivilDay(2027, 12, 31), 0, 100);
  ASSERT_EQ(tuesdays.size(), 12u);
  for (absl::CivilDay day : tuesdays) {
    EXPECT_EQ(absl::GetWeekday(day), absl::Weekday::tuesday) << day;
    EXPECT_GE(day.day(), 8);
    EXPECT_LE(day.day(), 14);
  }
  auto fortnightly = Cadence::Parse("FREQ=WEEKLY;INTERVAL=2");
  ASSERT_TRUE(fortnightly.ok());
  const auto fortnights = fortnightly->Dates(absl::CivilDay(2027, 1, 6), absl::CivilDay(2027, 3, 31), 0, 100);
  for (size_t i = 1; i < fortnights.size(); ++i) EXPECT_EQ(fortnights[i] - fortnights[i - 1], 14);
  auto quarterly = Cadence::Parse("FREQ=MONTHLY;INTERVAL=3");
  ASSERT_TRUE(quarterly.ok());
  // From the 31st: RFC 5545 would skip months without a 31st; a series meets on the 28th.
  const auto quarters = quarterly->Dates(absl::CivilDay(2027, 1, 31), absl::CivilDay(2027, 12, 31), 0, 100);
  ASSERT_EQ(quarters.size(), 3u);
  EXPECT_EQ(quarters[0], absl::CivilDay(2027, 4, 28));
  EXPECT_EQ(quarters[1], absl::CivilDay(2027, 7, 28));
  EXPECT_EQ(quarters[2], absl::CivilDay(2027, 10, 28));
  // Skipping resumes where a window extension left off.
  EXPECT_EQ(second_tuesday->Dates(absl::CivilDay(2027, 1, 1), absl::CivilDay(2027, 12, 31), 10, 100).front(),
            tuesdays[10]);

  for (const char* bad : {"", "FREQ=HOURLY", "FREQ=WEEKLY;COUNT=4", "FREQ=WEEKLY;UNTIL=20270101", "NOT A RULE"}) {
    EXPECT_EQ(Cadence::Parse(bad).status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

TEST(SeriesPlanner, LondonAndNewYorkKeepTheOrganisersTimeAndMoveOnlyTheWeeksTheirOffsetDiffers) {
  // The mentor in New York has a single morning hour: 14:00 London is 09:00 New York,
  // except between 14 and 28 March 2027 (the US has changed its clocks and the UK not).
  const auto mentee = Availability("Europe/London", Weekdays(9, 17));
  const auto mentor = Availability("America/New_York", Weekdays(9, 10));
  const SeriesPlanner planner(mentee, mentor, 60);
  const auto planned =
      Plan(planner, Terms("FREQ=WEEKLY;BYDAY=WE", 60, absl::CivilDay(2027, 2, 1), absl::CivilDay(2027, 4, 30)),
           Utc(2027, 1, 25, 0, 0));
  ASSERT_TRUE(planned.series.has_local_start_minute());
  EXPECT_EQ(planned.series.local_start_minute(), 14 * 60);
  EXPECT_TRUE(planned.stretch.issues.empty());
  ASSERT_EQ(planned.stretch.occurrences.size(), 13u);
  for (const auto& occurrence : planned.stretch.occurrences) {
    EXPECT_TRUE(planner.Fits(occurrence.starts_at)) << occurrence.series_date;
    const absl::CivilMinute london = LocalOf(occurrence.starts_at, "Europe/London");
    const bool offsets_differ =
        occurrence.series_date >= absl::CivilDay(2027, 3, 14) && occurrence.series_date < absl::CivilDay(2027, 3, 28);
    EXPECT_EQ(occurrence.moved, offsets_differ) << occurrence.series_date;
    // In those weeks it moves alone to the nearest common slot: 13:00 London, 09:00 New York.
    EXPECT_EQ(london.hour(), offsets_differ ? 13 : 14) << occurrence.series_date;
    EXPECT_EQ(LocalOf(occurrence.starts_at, "America/New_York").hour(), 9) << occurrence.series_date;
  }
}

TEST(SeriesPlanner, SydneyInTheSouthernHemisphereAndKolkatasHalfHour) {
  // Sydney's clocks change in April and October, London's in March and October: their offset
  // is 9, 10 or 11 hours over the year. The organiser (Sydney) keeps 18:00 local.
  const auto sydney = Availability("Australia/Sydney", Weekdays(17, 20));
  const auto london = Availability("Europe/London", Weekdays(7, 10));
  const SeriesPlanner planner(sydney, london, 45);
  const auto planned =
      Plan(planner, Terms("FREQ=WEEKLY;INTERVAL=2", 45, absl::CivilDay(2027, 1, 4), absl::CivilDay(2027, 12, 20)),
           Utc(2027, 1, 1, 0, 0));
  ASSERT_TRUE(planned.series.has_local_start_minute());
  int moved = 0;
  for (const auto& occurrence : planned.stretch.occurrences) {
    EXPECT_TRUE(planner.Fits(occurrence.starts_at)) << occurrence.series_date;
    moved += occurrence.moved ? 1 : 0;
  }
  // Every rule date is placed or reported.
  EXPECT_EQ(planned.stretch.occurrences.size() + planned.stretch.issues.size(),
            static_cast<size_t>(planned.series.next_occurrence_index()));
  EXPECT_GT(planned.stretch.occurrences.size(), 20u);

  // Kolkata is UTC+05:30 all year: London 09:00 is 14:30 there in winter, 13:30 in summer.
  const auto kolkata = Availability("Asia/Kolkata", Weekdays(13, 18));
  const auto london_day = Availability("Europe/London", Weekdays(9, 17));
  const SeriesPlanner half_hour(london_day, kolkata, 60);
  const auto monthly =
      Plan(half_hour, Terms("FREQ=MONTHLY;BYDAY=2TU", 60, absl::CivilDay(2027, 1, 1), absl::CivilDay(2027, 12, 31)),
           Utc(2026, 12, 20, 0, 0));
  ASSERT_EQ(monthly.stretch.occurrences.size(), 12u);
  for (const auto& occurrence : monthly.stretch.occurrences) {
    EXPECT_TRUE(half_hour.Fits(occurrence.starts_at));
    EXPECT_FALSE(occurrence.moved);
    EXPECT_EQ(LocalOf(occurrence.starts_at, "Europe/London").hour(), 9);
    EXPECT_EQ(absl::GetWeekday(absl::CivilDay(LocalOf(occurrence.starts_at, "Europe/London"))), absl::Weekday::tuesday);
    EXPECT_EQ(LocalOf(occurrence.starts_at, "Asia/Kolkata").minute(), 30);
  }
}

TEST(SeriesPlanner, WithNoCommonSlotTheSeriesSaysSoAndInventsNothing) {
  const auto early = Availability("Europe/London", Weekdays(7, 8));
  const auto late = Availability("Europe/London", Weekdays(18, 19));
  const SeriesPlanner planner(early, late, 30);
  const auto planned = Plan(planner, Terms("FREQ=WEEKLY", 30, absl::CivilDay(2027, 2, 1), absl::CivilDay(2027, 4, 30)),
                            Utc(2027, 1, 25, 0, 0));
  EXPECT_FALSE(planned.series.has_local_start_minute());
  ASSERT_EQ(planned.series.issues_size(), 1);
  EXPECT_EQ(planned.series.issues(0).kind(), v1::PLANNING_ISSUE_KIND_NO_COMMON_SLOT);
  EXPECT_TRUE(planned.stretch.occurrences.empty());

  const auto invalid =
      Plan(planner, Terms("FREQ=SOMETIMES", 30, absl::CivilDay(2027, 2, 1), absl::CivilDay(2027, 4, 30)),
           Utc(2027, 1, 25, 0, 0));
  ASSERT_EQ(invalid.series.issues_size(), 1);
  EXPECT_EQ(invalid.series.issues(0).kind(), v1::PLANNING_ISSUE_KIND_INVALID_CADENCE);
}

TEST(SeriesPlanner, ARuleWithoutDaysStartsOnADayThatSuitsBoth) {
  // The agreement starts on a Saturday; a weekly rule then repeats the first date's weekday,
  // so the series starts on the first day both people are available: Monday.
  const auto mentee = Availability("Europe/Berlin", Weekdays(9, 17));
  const auto mentor = Availability("Europe/Berlin", {W(1, 10, 12), W(3, 10, 12)});
  const SeriesPlanner planner(mentee, mentor, 60);
  const auto planned = Plan(planner, Terms("FREQ=WEEKLY", 60, absl::CivilDay(2027, 2, 6), absl::CivilDay(2027, 3, 31)),
                            Utc(2027, 2, 1, 0, 0));
  EXPECT_EQ(FromDate(planned.series.first_date()), absl::CivilDay(2027, 2, 8));
  ASSERT_FALSE(planned.stretch.occurrences.empty());
  for (const auto& occurrence : planned.stretch.occurrences) {
    EXPECT_EQ(absl::GetWeekday(absl::CivilDay(LocalOf(occurrence.starts_at, "Europe/Berlin"))), absl::Weekday::monday);
    EXPECT_EQ(LocalOf(occurrence.starts_at, "Europe/Berlin").hour(), 10);
  }
}

TEST(SeriesPlanner, NoMeetingStartsBeforeNotBefore) {
  const auto anyone = Availability("UTC", {});  // no windows declared: weekdays 09:00-17:00
  const SeriesPlanner planner(anyone, anyone, 60);
  // The rule's first date is today and its time has passed: the meeting goes to the
  // nearest slot after now, not into the past.
  const absl::Time now = Utc(2027, 3, 3, 15, 30);  // a Wednesday
  auto placement = planner.Place(absl::CivilDay(2027, 3, 3), 9 * 60, now);
  ASSERT_TRUE(placement.has_value());
  EXPECT_GE(placement->starts_at, now);
  EXPECT_TRUE(placement->moved);
}

// Random people: a zone each from a list that has every kind of offset and rule, one to three
// windows on random weekdays; random rules and dates. Whatever the planner does, each meeting
// lies inside both people's windows, and every date of the rule is placed or reported.
TEST(SeriesPlanner, PropertyEveryMeetingFitsBothWindowsOrTheSeriesSaysWhyNot) {
  const std::vector<std::string> zones = {"UTC",
                                          "Europe/London",
                                          "Europe/Berlin",
                                          "America/New_York",
                                          "America/Los_Angeles",
                                          "America/Sao_Paulo",
                                          "Australia/Sydney",
                                          "Australia/Adelaide",
                                          "Asia/Kolkata",
                                          "Asia/Kathmandu",
                                          "Asia/Tokyo",
                                          "Pacific/Auckland",
                                          "Africa/Johannesburg",
                                          "America/St_Johns",
                                          "Pacific/Chatham",
                                          "Europe/Dublin",
                                          "America/Santiago",
                                          "Asia/Tehran"};
  const std::vector<std::string> rules = {"FREQ=WEEKLY",
                                          "FREQ=WEEKLY;INTERVAL=2",
                                          "FREQ=MONTHLY",
                                          "FREQ=MONTHLY;BYDAY=2TU",
                                          "FREQ=MONTHLY;INTERVAL=3",
                                          "FREQ=WEEKLY;BYDAY=MO,TH"};
  absl::BitGen gen(std::seed_seq{20270101});
  // Most weekdays have a window of two to twelve hours somewhere in the day: windows that
  // overlap across zones often, but not always.
  const auto random_windows = [&] {
    std::vector<Window> windows;
    for (int weekday = 1; weekday <= 7; ++weekday) {
      if (absl::Bernoulli(gen, 0.3)) continue;
      const int start = absl::Uniform(gen, 0, 1440 - 120);
      windows.push_back(W(weekday, 0, 0, start, std::min(1440, start + absl::Uniform(gen, 120, 721))));
    }
    return windows;
  };
  int placed = 0, reported = 0, without_time = 0;
  for (int trial = 0; trial < 300; ++trial) {
    const auto organiser = Availability(zones[absl::Uniform<size_t>(gen, 0, zones.size())], random_windows());
    const auto attendee = Availability(zones[absl::Uniform<size_t>(gen, 0, zones.size())], random_windows());
    const int minutes = 15 * absl::Uniform(gen, 2, 7);
    const SeriesPlanner planner(organiser, attendee, minutes);
    const absl::CivilDay start = absl::CivilDay(2027, 1, 1) + absl::Uniform(gen, 0, 365);
    const auto terms = Terms(rules[absl::Uniform<size_t>(gen, 0, rules.size())], minutes, start, start + 240);
    const absl::Time now = absl::FromCivil(start - 3, absl::UTCTimeZone());
    auto planned = Plan(planner, terms, now);
    if (!planned.series.has_local_start_minute()) {
      ++without_time;
      ASSERT_GE(planned.series.issues_size(), 1);
      EXPECT_TRUE(planned.stretch.occurrences.empty());
      continue;
    }
    EXPECT_EQ(planned.stretch.occurrences.size() + planned.stretch.issues.size(),
              static_cast<size_t>(planned.series.next_occurrence_index()));
    for (const auto& occurrence : planned.stretch.occurrences) {
      ASSERT_TRUE(organiser.Fits(occurrence.starts_at, minutes))
          << organiser.zone_name() << " " << LocalOf(occurrence.starts_at, organiser.zone_name());
      ASSERT_TRUE(attendee.Fits(occurrence.starts_at, minutes))
          << attendee.zone_name() << " " << LocalOf(occurrence.starts_at, attendee.zone_name());
      EXPECT_GE(occurrence.starts_at, now);
      EXPECT_LE(std::abs(absl::CivilDay(LocalOf(occurrence.starts_at, organiser.zone_name())) -
                         (occurrence.series_date + planned.series.day_offset())),
                kSearchDays);
      ++placed;
    }
    reported += static_cast<int>(planned.stretch.issues.size());
  }
  // The sample exercises all three outcomes.
  EXPECT_GT(placed, 1000);
  EXPECT_GT(without_time, 0);
  std::cout << placed << " meetings placed, " << reported << " occurrences reported, " << without_time
            << " series without a common slot\n";
}

}  // namespace
}  // namespace mentoring::scheduling
