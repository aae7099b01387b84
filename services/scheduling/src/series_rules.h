#pragma once
// How a relationship's agreement becomes a series and the series its meetings, as plain
// steps over messages (no I/O): the use cases give them the people's availability and the
// time, and store what they return.
#include <absl/status/statusor.h>
#include <absl/time/time.h>

#include <string>
#include <vector>

#include "availability.h"
#include "cadence.h"
#include "mentoring/events/v1/matching_events.pb.h"
#include "mentoring/scheduling/v1/scheduling.pb.h"
#include "series_planner.h"

namespace mentoring::scheduling {

inline constexpr int kFirstDatesConsidered = 8;                      // occurrences that choose the series' time
inline constexpr int kMaxIssues = 50;                                // the newest kept on a series
inline constexpr absl::Duration kFirstMeetingLead = absl::Hours(1);  // never sooner than this from now

// One occurrence placed by the planner.
struct PlacedOccurrence {
  absl::CivilDay series_date;  // the rule's date
  absl::Time starts_at;
  bool moved = false;
};

// What planning a stretch of a series gave.
struct PlannedStretch {
  std::vector<PlacedOccurrence> occurrences;
  std::vector<v1::PlanningIssue> issues;
};

// A new cadence series for an agreement, its time chosen for the two people (organiser =
// the mentee). Its issues say why it has no time when it has none (no common slot, an
// invalid cadence); `planned_through` is the day before its first date: nothing planned yet.
v1::MeetingSeries NewCadenceSeries(const std::string& series_id, const std::string& relationship_id,
                                   const std::string& organiser_id, const std::string& attendee_id,
                                   const events::v1::AgreementTerms& terms, const SeriesPlanner& planner,
                                   absl::Time now);

// A series for what the pair books one by one.
v1::MeetingSeries NewAdHocSeries(const std::string& series_id, const std::string& relationship_id,
                                 const std::string& organiser_id, const std::string& attendee_id,
                                 const std::string& time_zone, absl::Time now);

// Places the series' next occurrences, up to `through` (and never past its end date):
// advances next_occurrence_index and planned_through on `series`, appends issues to it.
PlannedStretch PlanThrough(v1::MeetingSeries& series, const SeriesPlanner& planner, absl::CivilDay through,
                           absl::Time not_before);

// Where an existing occurrence of `series` goes now (after an availability change).
std::optional<Placement> Replace(const v1::MeetingSeries& series, const SeriesPlanner& planner,
                                 absl::CivilDay series_date, absl::Time not_before);

// Ends a series (paused, closed, replaced by a newer agreement's).
void EndSeries(v1::MeetingSeries& series, absl::Time now);

}  // namespace mentoring::scheduling
