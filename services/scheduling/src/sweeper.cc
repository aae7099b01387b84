#include "sweeper.h"

#include "meeting_rules.h"
#include "mentoring/runtime/proto_time.h"
#include "schedule_changes.h"

namespace mentoring::scheduling {

MeetingSweeper::MeetingSweeper(pg::Pool& pool, const SeriesStore& series, const MeetingStore& meetings,
                               const Clock& clock, const SchedulingOptions& options, prometheus::Registry& registry)
    : pool_(pool),
      series_(series),
      meetings_(meetings),
      clock_(clock),
      options_(options),
      backlog_(prometheus::BuildGauge()
                   .Name("mentoring_scheduling_missed_backlog_meetings")
                   .Help("Scheduled meetings past their grace period, not yet marked missed")
                   .Register(registry)
                   .Add({})),
      lag_(prometheus::BuildGauge()
               .Name("mentoring_scheduling_sweep_lag_seconds")
               .Help("How long the oldest meeting due to be marked missed has waited")
               .Register(registry)
               .Add({})) {}

absl::StatusOr<MeetingSweeper::Marked> MeetingSweeper::SweepOnce() {
  Marked marked;
  const absl::Time now = clock_.Now();
  auto missed = pool_.InTransaction([&](pg::Transaction& txn) -> absl::Status {
    auto due = meetings_.MissedDueForUpdate(txn, now, options_.sweep_batch);
    if (!due.ok()) return due.status();
    marked.missed = static_cast<int>(due->size());
    ScheduleChanges changes(series_, meetings_, clock_);
    for (v1::Meeting& meeting : *due) {
      // A meeting whose agenda was due and absent gets its meeting.agenda_missing here
      // when this pass takes it first (a sweeper that was down past both times, or another
      // replica marking it missed while this one's agenda pass ran): the agenda pass only
      // reads scheduled meetings, so without this whether the event went out depended on
      // which pass, of which replica, reached the meeting first.
      if (!meeting.has_agenda() && !meeting.agenda_missing_published() &&
          FromTimestamp(meeting.agenda_due_at()) <= now) {
        meeting.set_agenda_missing_published(true);
        changes.AddEvent(AgendaMissingEvent(meeting, clock_));
        ++marked.agendas;
      }
      MarkMissed(meeting, now);
      auto event = MissedEvent(meeting, clock_);
      changes.ChangedMeeting(std::move(meeting), std::move(event));
    }
    return changes.Flush(txn);
  });
  if (!missed.ok()) return missed;
  auto agendas = pool_.InTransaction([&](pg::Transaction& txn) -> absl::Status {
    auto due = meetings_.AgendaDueForUpdate(txn, now, options_.sweep_batch);
    if (!due.ok()) return due.status();
    marked.agendas += static_cast<int>(due->size());
    ScheduleChanges changes(series_, meetings_, clock_);
    for (v1::Meeting& meeting : *due) {
      meeting.set_agenda_missing_published(true);
      meeting.set_version(meeting.version() + 1);
      auto event = AgendaMissingEvent(meeting, clock_);
      changes.ChangedMeeting(std::move(meeting), std::move(event));
    }
    return changes.Flush(txn);
  });
  if (!agendas.ok()) return agendas;
  return marked;
}

absl::Status MeetingSweeper::RefreshBacklog() {
  const absl::Time now = clock_.Now();
  auto backlog = meetings_.MissedBacklog(pool_, now);
  if (!backlog.ok()) return backlog.status();
  backlog_.Set(static_cast<double>(backlog->due));
  lag_.Set(backlog->due > 0 ? absl::ToDoubleSeconds(now - backlog->oldest) : 0);
  return absl::OkStatus();
}

absl::StatusOr<JobProgress> MeetingSweeper::Sweep() {
  auto marked = SweepOnce();
  if (!marked.ok()) return marked.status();
  if (auto refreshed = RefreshBacklog(); !refreshed.ok()) return refreshed;
  const bool full = marked->missed == options_.sweep_batch || marked->agendas >= options_.sweep_batch;
  return full ? JobProgress::kMoreDue : JobProgress::kDone;
}

}  // namespace mentoring::scheduling
