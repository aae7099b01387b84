#pragma once
// The meeting sweeper, a background job that may run on every replica at once: scheduled
// meetings past their grace period without a "held" become missed (meeting.missed), and
// meetings whose agenda is late get meeting.agenda_missing, each exactly once. Each pass
// reads by index (never a scan) and locks what it marks with SKIP LOCKED, so two sweepers
// never take the same meeting, and the change and its event are one transaction.
#include <absl/status/statusor.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include "meeting_store.h"
#include "mentoring/runtime/background_job.h"
#include "mentoring/runtime/clock.h"
#include "mentoring/runtime/postgres.h"
#include "scheduling_options.h"
#include "series_store.h"

namespace mentoring::scheduling {

class MeetingSweeper {
 public:
  MeetingSweeper(pg::Pool& pool, const SeriesStore& series, const MeetingStore& meetings, const Clock& clock,
                 const SchedulingOptions& options, prometheus::Registry& registry);

  // One pass: a batch of missed meetings and a batch of late agendas. kMoreDue when a batch
  // was full.
  absl::StatusOr<JobProgress> Sweep();
  // How many meetings each pass marked (for tests and benchmarks).
  struct Marked {
    int missed = 0;
    int agendas = 0;
  };
  absl::StatusOr<Marked> SweepOnce();

 private:
  absl::Status RefreshBacklog();

  pg::Pool& pool_;
  const SeriesStore& series_;
  const MeetingStore& meetings_;
  const Clock& clock_;
  const SchedulingOptions& options_;
  prometheus::Gauge& backlog_;
  prometheus::Gauge& lag_;
};

}  // namespace mentoring::scheduling
