#pragma once
// The dates an agreement's cadence gives: its RFC 5545 RRULE ("FREQ=MONTHLY;BYDAY=2TU",
// "FREQ=WEEKLY;INTERVAL=2", "FREQ=MONTHLY;INTERVAL=3") expanded by libical from the series'
// first date. Dates are the organiser's local dates; the planner picks the times.
#include <absl/status/statusor.h>
#include <absl/time/civil_time.h>

#include <string>
#include <vector>

namespace mentoring::scheduling {

class Cadence {
 public:
  // INVALID_ARGUMENT naming what is wrong when libical cannot expand the rule, or when it
  // sets an end (COUNT, UNTIL) or a frequency below a day: a series ends with its agreement.
  static absl::StatusOr<Cadence> Parse(const std::string& rrule);

  // Whether the rule picks its own days (BYDAY, BYMONTHDAY, ...); otherwise every date
  // repeats the first date's weekday (weekly) or day of the month (monthly), so the planner
  // may choose a first date that suits both people.
  bool picks_days() const { return picks_days_; }
  // Whether the rule repeats by month or year on the first date's day of the month.
  bool repeats_day_of_month() const { return repeats_day_of_month_; }

  // The rule's dates from `first` (its DTSTART): the `skip`-th onwards, up to and including
  // `last`, at most `limit` of them. A monthly rule whose first date is after the 28th
  // meets on the 28th, so no month is skipped (RFC 5545 would skip months without that day).
  std::vector<absl::CivilDay> Dates(absl::CivilDay first, absl::CivilDay last, int skip, int limit) const;

  const std::string& rrule() const { return rrule_; }

 private:
  std::string rrule_;
  bool picks_days_ = false;
  bool repeats_day_of_month_ = false;
};

}  // namespace mentoring::scheduling
