#include "schedule_changes.h"

#include <map>

#include "feed_store.h"
#include "meeting_rules.h"
#include "mentoring/runtime/outbox.h"

namespace mentoring::scheduling {

void ScheduleChanges::NewMeeting(v1::Meeting meeting) {
  events_.push_back(ScheduledEvent(meeting, clock_));
  people_.insert(meeting.organiser_id());
  people_.insert(meeting.attendee_id());
  new_meetings_.push_back(std::move(meeting));
}

void ScheduleChanges::ChangedMeeting(v1::Meeting meeting, std::optional<events::v1::EventEnvelope> event) {
  if (event) events_.push_back(std::move(*event));
  people_.insert(meeting.organiser_id());
  people_.insert(meeting.attendee_id());
  changed_meetings_.push_back(std::move(meeting));
}

void ScheduleChanges::SetTraceparent(std::string traceparent) {
  for (auto& event : events_) {
    if (event.traceparent().empty()) event.set_traceparent(traceparent);
  }
  traceparent_ = std::move(traceparent);
}

absl::Status ScheduleChanges::Flush(pg::Transaction& txn) {
  if (auto inserted = series_store_.InsertMany(txn, new_series_); !inserted.ok()) return inserted;
  for (const auto& series : changed_series_) {
    if (auto saved = series_store_.Save(txn, series); !saved.ok()) return saved;
  }
  if (auto inserted = meeting_store_.InsertMany(txn, new_meetings_); !inserted.ok()) return inserted;
  if (auto saved = meeting_store_.SaveMany(txn, changed_meetings_); !saved.ok()) return saved;
  if (!events_.empty()) {
    // Each series numbers its own events (the Kafka key is the series): take as many
    // numbers as it has events here, then hand them out in order.
    std::map<std::string, int> counts;
    for (const auto& event : events_) ++counts[event.aggregate_id()];
    auto first = SeriesStore::TakeSequences(txn, counts);
    if (!first.ok()) return first.status();
    for (auto& event : events_) {
      auto next = first->find(event.aggregate_id());
      if (next == first->end())
        return absl::InternalError("an event about a series that is not stored: " + event.aggregate_id());
      event.set_sequence(next->second++);
      if (event.traceparent().empty()) event.set_traceparent(traceparent_);
    }
    if (auto appended = Outbox::AppendMany(txn, std::move(events_), clock_); !appended.ok()) return appended;
  }
  if (auto touched = FeedStore::Touch(txn, people_); !touched.ok()) return touched;
  new_series_.clear();
  changed_series_.clear();
  new_meetings_.clear();
  changed_meetings_.clear();
  events_.clear();
  people_.clear();
  return absl::OkStatus();
}

}  // namespace mentoring::scheduling
