#pragma once
// A person's weekly availability in their own IANA time zone (profiles' AvailabilityWindow),
// as the planner asks about it: does a meeting starting at this instant fit, and where on a
// given local day could one start. Plain domain code: no I/O.
#include <absl/status/statusor.h>
#include <absl/time/civil_time.h>
#include <absl/time/time.h>

#include <array>
#include <string>
#include <vector>

#include "mentoring/profiles/v1/profiles.pb.h"

namespace mentoring::scheduling {

// The rule for local times a daylight-saving change skips or repeats (RFC 5545 §3.3.5): a
// time in a gap is read with the offset before the gap (02:30 on a spring-forward night is
// 03:30 after it), and a repeated time means its first occurrence. Both are absl's "pre".
absl::Time LocalToInstant(absl::CivilMinute local, const absl::TimeZone& zone);

class WeeklyAvailability {
 public:
  // People who declare no windows are taken as available on weekdays 09:00–17:00 in their
  // own zone, the working day most HR calendars assume. INVALID_ARGUMENT for a zone that is
  // not an IANA name this machine knows.
  static absl::StatusOr<WeeklyAvailability> From(const std::string& time_zone,
                                                 const std::vector<profiles::v1::AvailabilityWindow>& windows);

  // Whether [start, start + minutes) lies inside the windows, read in this person's zone.
  bool Fits(absl::Time start, int minutes) const { return FitsLocal(absl::ToCivilMinute(start, zone_), minutes); }
  // The same for a start given as this person's local time.
  bool FitsLocal(absl::CivilMinute local_start, int minutes) const;
  // The local start minutes (multiples of `step`) on `day` at which a meeting of `minutes`
  // fits this person's windows on that weekday (before any daylight-saving adjustment).
  std::vector<int> LocalStarts(absl::CivilDay day, int minutes, int step) const;

  const absl::TimeZone& zone() const { return zone_; }
  const std::string& zone_name() const { return zone_name_; }

 private:
  struct Interval {
    int begin = 0;  // minutes after local midnight
    int end = 0;    // exclusive; up to 1440
  };
  // Whether [begin, end) of local weekday `weekday` (0 = Monday) is covered; `end` may pass
  // midnight into the next day.
  bool Covers(int weekday, int begin, int end) const;

  std::string zone_name_;
  absl::TimeZone zone_;
  std::array<std::vector<Interval>, 7> days_;  // merged and sorted, Monday first
};

// 0 = Monday .. 6 = Sunday.
int WeekdayIndex(absl::CivilDay day);

}  // namespace mentoring::scheduling
