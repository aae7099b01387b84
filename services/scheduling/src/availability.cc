#include "availability.h"

#include <algorithm>

#include "mentoring/runtime/errors.h"

namespace mentoring::scheduling {

absl::Time LocalToInstant(absl::CivilMinute local, const absl::TimeZone& zone) {
  return zone.At(absl::CivilSecond(local)).pre;
}

int WeekdayIndex(absl::CivilDay day) {
  switch (absl::GetWeekday(day)) {
    case absl::Weekday::monday:
      return 0;
    case absl::Weekday::tuesday:
      return 1;
    case absl::Weekday::wednesday:
      return 2;
    case absl::Weekday::thursday:
      return 3;
    case absl::Weekday::friday:
      return 4;
    case absl::Weekday::saturday:
      return 5;
    case absl::Weekday::sunday:
      return 6;
  }
  return 0;
}

absl::StatusOr<WeeklyAvailability> WeeklyAvailability::From(
    const std::string& time_zone, const std::vector<profiles::v1::AvailabilityWindow>& windows) {
  WeeklyAvailability availability;
  if (time_zone.empty() || !absl::LoadTimeZone(time_zone, &availability.zone_)) {
    return errors::InvalidArgument("time_zone", "iana_time_zone", "'" + time_zone + "' is not a known IANA time zone");
  }
  availability.zone_name_ = time_zone;
  if (windows.empty()) {
    for (int day = 0; day < 5; ++day) availability.days_[static_cast<size_t>(day)] = {{9 * 60, 17 * 60}};
    return availability;
  }
  for (const auto& window : windows) {
    if (window.weekday() < 1 || window.weekday() > 7 || window.start_minute() < 0 || window.end_minute() > 1440 ||
        window.start_minute() >= window.end_minute()) {
      continue;  // profiles validates windows; a bad one cannot widen anyone's availability
    }
    availability.days_[static_cast<size_t>(window.weekday() - 1)].push_back(
        {window.start_minute(), window.end_minute()});
  }
  for (auto& day : availability.days_) {
    std::sort(day.begin(), day.end(), [](const Interval& a, const Interval& b) { return a.begin < b.begin; });
    std::vector<Interval> merged;
    for (const Interval& interval : day) {
      if (!merged.empty() && interval.begin <= merged.back().end) {
        merged.back().end = std::max(merged.back().end, interval.end);
      } else {
        merged.push_back(interval);
      }
    }
    day = std::move(merged);
  }
  return availability;
}

bool WeeklyAvailability::Covers(int weekday, int begin, int end) const {
  if (end > 1440) {
    // Past midnight: the rest must be covered from the start of the next day (and the
    // window must reach midnight, which the first part checks).
    return Covers(weekday, begin, 1440) && Covers((weekday + 1) % 7, 0, end - 1440);
  }
  for (const Interval& interval : days_[static_cast<size_t>(weekday)]) {
    if (interval.begin <= begin && end <= interval.end) return true;
  }
  return false;
}

bool WeeklyAvailability::FitsLocal(absl::CivilMinute local, int minutes) const {
  const int minute = local.hour() * 60 + local.minute();
  return Covers(WeekdayIndex(absl::CivilDay(local)), minute, minute + minutes);
}

std::vector<int> WeeklyAvailability::LocalStarts(absl::CivilDay day, int minutes, int step) const {
  std::vector<int> starts;
  for (const Interval& interval : days_[static_cast<size_t>(WeekdayIndex(day))]) {
    const int first = (interval.begin + step - 1) / step * step;
    for (int start = first; start + minutes <= interval.end; start += step) starts.push_back(start);
  }
  return starts;
}

}  // namespace mentoring::scheduling
