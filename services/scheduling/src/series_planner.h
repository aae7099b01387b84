#pragma once
// Where a series' meetings go. The mentee organises (they own the agenda and their
// development), so a series keeps one wall-clock time in the organiser's zone, chosen so
// that both people's weekly windows hold it on most dates. An occurrence where the other
// person's window does not hold it that day (their clocks changed and the organiser's did
// not, or the other way round) moves alone to the nearest common slot, up to three days
// away; if there is none, it is reported, never invented. Plain domain code: no I/O.
#include <absl/time/civil_time.h>
#include <absl/time/time.h>

#include <optional>
#include <vector>

#include "availability.h"

namespace mentoring::scheduling {

inline constexpr int kSlotMinutes = 15;  // meetings start on a quarter hour
inline constexpr int kSearchDays = 3;    // how far an occurrence may move from its date

struct Placement {
  absl::Time starts_at;
  bool moved = false;  // not at the series' time on the rule's date
};

class SeriesPlanner {
 public:
  SeriesPlanner(const WeeklyAvailability& organiser, const WeeklyAvailability& attendee, int minutes)
      : organiser_(organiser), attendee_(attendee), minutes_(minutes) {}

  // Whether a meeting starting at `start` fits both people's windows.
  bool Fits(absl::Time start) const { return organiser_.Fits(start, minutes_) && attendee_.Fits(start, minutes_); }
  // The organiser-local start minutes on `day` at which the meeting fits both people (the
  // daylight-saving rule of LocalToInstant applied).
  std::vector<int> CommonStarts(absl::CivilDay day) const;
  // The series' time: the organiser-local minute at which the meeting fits both people on
  // the most of `days` (ties: the earliest); nullopt when it fits on none of them.
  std::optional<int> SeriesMinute(const std::vector<absl::CivilDay>& days) const;
  // The first day from `from`, up to `within` days, with a common slot: the first date of a
  // rule that does not pick its own days.
  std::optional<absl::CivilDay> FirstCommonDay(absl::CivilDay from, int within = 7) const;
  // Where the occurrence of `day` goes: at `minute` organiser-local when both fit then;
  // otherwise the common start nearest in time, on that day or up to kSearchDays either
  // side, never before `not_before`. nullopt when there is none.
  std::optional<Placement> Place(absl::CivilDay day, int minute, absl::Time not_before) const;

  const WeeklyAvailability& organiser() const { return organiser_; }
  int minutes() const { return minutes_; }

 private:
  const WeeklyAvailability& organiser_;
  const WeeklyAvailability& attendee_;
  int minutes_;
};

}  // namespace mentoring::scheduling
