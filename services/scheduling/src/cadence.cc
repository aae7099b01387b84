#include "cadence.h"

#include <absl/strings/match.h>
#include <libical/ical.h>

#include <memory>
#include <optional>

#include "mentoring/runtime/errors.h"

namespace mentoring::scheduling {
namespace {

struct IteratorDeleter {
  void operator()(icalrecur_iterator* it) const { icalrecur_iterator_free(it); }
};
using IteratorPtr = std::unique_ptr<icalrecur_iterator, IteratorDeleter>;

icaltimetype DateOf(absl::CivilDay day) {
  // Not icaltime_null_date(): its hour of -1 ("no time") throws the iterator's day
  // arithmetic off by one every step.
  icaltimetype t = icaltime_null_time();
  t.year = static_cast<int>(day.year());
  t.month = day.month();
  t.day = day.day();
  t.is_date = 1;
  return t;
}

absl::Status Invalid(const std::string& rrule, const std::string& why) {
  return errors::InvalidArgument("cadence_rrule", "rrule", "'" + rrule + "': " + why);
}

}  // namespace

absl::StatusOr<Cadence> Cadence::Parse(const std::string& rrule) {
  if (rrule.empty()) return Invalid(rrule, "a cadence rule is required, e.g. FREQ=MONTHLY");
  icalerror_clear_errno();
  const icalrecurrencetype rule = icalrecurrencetype_from_string(rrule.c_str());
  if (rule.freq == ICAL_NO_RECURRENCE || icalerrno != ICAL_NO_ERROR) {
    icalerror_clear_errno();
    return Invalid(rrule, "not an RFC 5545 recurrence rule");
  }
  if (rule.freq == ICAL_SECONDLY_RECURRENCE || rule.freq == ICAL_MINUTELY_RECURRENCE ||
      rule.freq == ICAL_HOURLY_RECURRENCE) {
    return Invalid(rrule, "meetings repeat daily at most");
  }
  if (rule.count != 0 || !icaltime_is_null_time(rule.until)) {
    return Invalid(rrule, "COUNT and UNTIL are not used: a series ends with its agreement's end date");
  }
  Cadence cadence;
  cadence.rrule_ = rrule;
  cadence.picks_days_ = absl::StrContains(rrule, "BYDAY") || absl::StrContains(rrule, "BYMONTHDAY") ||
                        absl::StrContains(rrule, "BYYEARDAY") || absl::StrContains(rrule, "BYWEEKNO") ||
                        absl::StrContains(rrule, "BYMONTH");
  cadence.repeats_day_of_month_ =
      !cadence.picks_days_ && (rule.freq == ICAL_MONTHLY_RECURRENCE || rule.freq == ICAL_YEARLY_RECURRENCE);
  // Check that it expands at all (libical refuses some combinations only here).
  IteratorPtr probe(icalrecur_iterator_new(rule, DateOf(absl::CivilDay(2027, 1, 4))));
  if (!probe) {
    icalerror_clear_errno();
    return Invalid(rrule, "libical cannot expand this rule");
  }
  return cadence;
}

std::vector<absl::CivilDay> Cadence::Dates(absl::CivilDay first, absl::CivilDay last, int skip, int limit) const {
  std::vector<absl::CivilDay> dates;
  const icalrecurrencetype rule = icalrecurrencetype_from_string(rrule_.c_str());
  absl::CivilDay start = first;
  if (repeats_day_of_month_ && first.day() > 28) start = absl::CivilDay(first.year(), first.month(), 28);
  IteratorPtr it(icalrecur_iterator_new(rule, DateOf(start)));
  if (!it) return dates;
  int index = 0;
  std::optional<absl::CivilDay> previous;
  // A bound on the iterations, whatever the rule: a daily rule over three years is ~1,100.
  for (int guard = 0; guard < 20000 && static_cast<int>(dates.size()) < limit; ++guard) {
    const icaltimetype next = icalrecur_iterator_next(it.get());
    if (icaltime_is_null_time(next)) break;
    const absl::CivilDay day(next.year, next.month, next.day);
    if (day > last) break;
    if (previous && day <= *previous) continue;  // dates only ever move forward
    previous = day;
    if (day < first) continue;  // only when the 28th stood in for a later first date
    if (index++ < skip) continue;
    dates.push_back(day);
  }
  return dates;
}

}  // namespace mentoring::scheduling
