#pragma once
// The rules of meetings as plain functions over messages: how a meeting is made, moved,
// cancelled and checked in, when it is late, what an admin may see of it, and the events
// that say so. No I/O: the use cases load, call these, and store.
#include <absl/status/statusor.h>
#include <absl/time/time.h>

#include <string>
#include <vector>

#include "mentoring/events/v1/envelope.pb.h"
#include "mentoring/runtime/call_context.h"
#include "mentoring/runtime/clock.h"
#include "mentoring/scheduling/v1/scheduling.pb.h"

namespace mentoring::scheduling {

inline constexpr char kProducer[] = "scheduling";

// Service-wide timings (settings).
struct MeetingTimings {
  absl::Duration missed_grace = absl::Hours(24);     // after a meeting's end, to check in
  absl::Duration agenda_lead = absl::Hours(24 * 7);  // the agenda is due this long before
};

// A new scheduled meeting of `series` at `starts_at`, numbered `occurrence`.
v1::Meeting NewMeeting(const v1::MeetingSeries& series, const std::string& meeting_id, int occurrence,
                       absl::Time starts_at, bool moved, const std::string& attendee_time_zone,
                       const MeetingTimings& timings, absl::Time now);
// The agenda's due time: `agenda_lead` before the start; for a meeting booked closer than
// that, halfway between booking and start.
absl::Time AgendaDue(absl::Time starts_at, absl::Time booked_at, const MeetingTimings& timings);

// Whether a change at `now` is inside the cancellation notice before the meeting starts.
bool IsLate(const v1::Meeting& meeting, int notice_hours, absl::Time now);
// Whether `reason` is one a person may give (the rest are the system's).
bool IsPersonReason(v1::ChangeReason reason);

// Moves a scheduled meeting: history kept, version (the calendar's SEQUENCE) raised, due
// times follow. `by` is empty when the system moves it.
void Move(v1::Meeting& meeting, absl::Time starts_at, const std::string& by, v1::ChangeReason reason, bool late,
          bool moved_from_series_time, const MeetingTimings& timings, absl::Time now);
// Cancels a scheduled meeting for good.
void Cancel(v1::Meeting& meeting, const std::string& by, v1::ChangeReason reason, bool late, absl::Time now);

// A party's check-in after the start. "Held" from either completes the meeting; the other
// saying otherwise is recorded as a disagreement; "not held" from both makes it missed at
// once. After the grace period (missed) no check-in is taken.
enum class CheckInOutcome { kRecorded, kCompleted, kMissed };
absl::StatusOr<CheckInOutcome> CheckIn(v1::Meeting& meeting, const std::string& person_id, bool held, absl::Time now);
// Marks a scheduled meeting missed (no "held" by its grace period).
void MarkMissed(v1::Meeting& meeting, absl::Time now);

// Who is asking about a relationship's schedule: one of its two people (everything), or a
// programme admin or another service (times, states, attendance; never pair-only text).
enum class Viewer { kParty, kAdmin };
// PERMISSION_DENIED for anyone else, and for admins when `pair_only`.
absl::StatusOr<Viewer> ViewerOf(const Caller& caller, const std::string& organiser_id, const std::string& attendee_id,
                                bool pair_only = false);

// What an admin may see of a meeting: never its agenda or action items.
v1::Meeting AdminView(v1::Meeting meeting);

// The events, each numbered later in its series (sequence 0 here).
events::v1::EventEnvelope ScheduledEvent(const v1::Meeting& meeting, const Clock& clock);
events::v1::EventEnvelope RescheduledEvent(const v1::Meeting& meeting, const Clock& clock);
events::v1::EventEnvelope CancelledEvent(const v1::Meeting& meeting, const Clock& clock);
events::v1::EventEnvelope CompletedEvent(const v1::Meeting& meeting, const Clock& clock);
events::v1::EventEnvelope MissedEvent(const v1::Meeting& meeting, const Clock& clock);
events::v1::EventEnvelope AgendaMissingEvent(const v1::Meeting& meeting, const Clock& clock);

}  // namespace mentoring::scheduling
