#include "series_planner.h"

#include <map>

namespace mentoring::scheduling {
namespace {

absl::CivilMinute At(absl::CivilDay day, int minute) { return absl::CivilMinute(day) + minute; }

}  // namespace

std::vector<int> SeriesPlanner::CommonStarts(absl::CivilDay day) const {
  std::vector<int> starts;
  const absl::TimeZone& zone = organiser_.zone();
  const absl::Time midnight = LocalToInstant(At(day, 0), zone);
  const absl::Time next_midnight = LocalToInstant(At(day + 1, 0), zone);
  // On a day whose clocks change in neither zone, minutes map to minutes: the attendee's
  // local time is their local time at the organiser's midnight plus the same minutes.
  const bool steady = next_midnight - midnight == absl::Hours(24) &&
                      attendee_.zone().At(midnight).offset == attendee_.zone().At(next_midnight).offset;
  const absl::CivilMinute attendee_midnight = absl::ToCivilMinute(midnight, attendee_.zone());
  for (int minute : organiser_.LocalStarts(day, minutes_, kSlotMinutes)) {
    // The organiser's windows hold every candidate by construction; only a day with a
    // clock change needs the instant worked out (a time in a gap moves).
    const bool fits = steady ? attendee_.FitsLocal(attendee_midnight + minute, minutes_)
                             : Fits(LocalToInstant(At(day, minute), zone));
    if (fits) starts.push_back(minute);
  }
  return starts;
}

std::optional<int> SeriesPlanner::SeriesMinute(const std::vector<absl::CivilDay>& days) const {
  std::map<int, int> fits_on;  // minute → on how many days
  for (absl::CivilDay day : days) {
    for (int minute : CommonStarts(day)) ++fits_on[minute];
  }
  std::optional<int> best;
  int most = 0;
  for (const auto& [minute, count] : fits_on) {  // ascending minutes: ties go to the earliest
    if (count > most) {
      most = count;
      best = minute;
    }
  }
  return best;
}

std::optional<absl::CivilDay> SeriesPlanner::FirstCommonDay(absl::CivilDay from, int within) const {
  for (int offset = 0; offset < within; ++offset) {
    if (!CommonStarts(from + offset).empty()) return from + offset;
  }
  return std::nullopt;
}

std::optional<Placement> SeriesPlanner::Place(absl::CivilDay day, int minute, absl::Time not_before) const {
  const absl::CivilMinute wanted_local = At(day, minute);
  const absl::Time wanted = LocalToInstant(wanted_local, organiser_.zone());
  if (wanted >= not_before && Fits(wanted)) {
    // A time in a daylight-saving gap lands after it (same instant rule): that is a move.
    return Placement{wanted, absl::ToCivilMinute(wanted, organiser_.zone()) != wanted_local};
  }
  std::optional<Placement> best;
  for (int offset = -kSearchDays; offset <= kSearchDays; ++offset) {
    const absl::CivilDay candidate_day = day + offset;
    for (int candidate : CommonStarts(candidate_day)) {
      const absl::Time start = LocalToInstant(At(candidate_day, candidate), organiser_.zone());
      if (start < not_before || !Fits(start)) continue;
      if (!best || absl::AbsDuration(start - wanted) < absl::AbsDuration(best->starts_at - wanted)) {
        best = Placement{start, true};
      }
    }
  }
  return best;
}

}  // namespace mentoring::scheduling
