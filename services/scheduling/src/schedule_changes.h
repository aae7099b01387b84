#pragma once
// What one unit of work (an event applied, a request answered, a sweep) changed in the
// schedule, written at its end in a few statements whatever its size: new series and
// meetings inserted in bulk, changed ones saved, the events numbered in their series and
// appended to the outbox in order, and the calendars of everyone concerned touched (their
// feeds' ETags move on). Use cases add to it as they decide; nothing is written twice.
#include <absl/status/status.h>

#include <set>
#include <string>
#include <vector>

#include "meeting_store.h"
#include "mentoring/events/v1/envelope.pb.h"
#include "mentoring/runtime/clock.h"
#include "mentoring/runtime/postgres.h"
#include "series_store.h"

namespace mentoring::scheduling {

class ScheduleChanges {
 public:
  ScheduleChanges(const SeriesStore& series, const MeetingStore& meetings, const Clock& clock)
      : series_store_(series), meeting_store_(meetings), clock_(clock) {}

  void NewSeries(v1::MeetingSeries series) { new_series_.push_back(std::move(series)); }
  void ChangedSeries(v1::MeetingSeries series) { changed_series_.push_back(std::move(series)); }
  // A new meeting and its meeting.scheduled.
  void NewMeeting(v1::Meeting meeting);
  // A changed meeting and the event that says so (none for a change no one else needs to
  // know, e.g. an agenda set).
  void ChangedMeeting(v1::Meeting meeting, std::optional<events::v1::EventEnvelope> event);
  // A further event about a meeting this set also records as new or changed (one unit of
  // work that says two things about it), in order before that meeting's own event.
  void AddEvent(events::v1::EventEnvelope event) { events_.push_back(std::move(event)); }
  // Someone whose calendar changed without a meeting of theirs in this set.
  void Touch(const std::string& person_id) { people_.insert(person_id); }
  // A trace to continue in the events (the request or event that caused them): the events
  // added so far without one, and those added later unless another is set. A batch sets
  // each cause's trace after adding what it caused.
  void SetTraceparent(std::string traceparent);

  bool empty() const {
    return new_series_.empty() && changed_series_.empty() && new_meetings_.empty() && changed_meetings_.empty();
  }
  size_t new_meetings() const { return new_meetings_.size(); }

  // Writes everything in `txn`; the set is empty afterwards.
  absl::Status Flush(pg::Transaction& txn);

 private:
  const SeriesStore& series_store_;
  const MeetingStore& meeting_store_;
  const Clock& clock_;
  std::vector<v1::MeetingSeries> new_series_, changed_series_;
  std::vector<v1::Meeting> new_meetings_, changed_meetings_;
  std::vector<events::v1::EventEnvelope> events_;  // in the order they happened
  std::set<std::string> people_;
  std::string traceparent_;
};

}  // namespace mentoring::scheduling
