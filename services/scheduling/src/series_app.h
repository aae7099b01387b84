#pragma once
// The series use cases: matching's lifecycle events turn into series and meetings (a series
// per agreement version; pause and close end it and cancel what is ahead; an amendment or a
// resume replaces it), the rolling window moves on, and people's new time zones or
// availability re-plan what lies beyond the cancellation notice.
#include <absl/status/statusor.h>

#include <optional>
#include <string>
#include <vector>

#include "mentoring/events/v1/envelope.pb.h"
#include "mentoring/runtime/background_job.h"
#include "mentoring/runtime/clock.h"
#include "mentoring/runtime/event_router.h"
#include "mentoring/runtime/postgres.h"
#include "relationship_store.h"
#include "schedule_changes.h"
#include "scheduling_options.h"
#include "series_planner.h"

namespace mentoring::scheduling {

class SeriesApp {
 public:
  struct Pair;  // the two people's availability, or why nothing can be planned for them

  SeriesApp(pg::Pool& pool, const SeriesStore& series, const MeetingStore& meetings, const Clock& clock,
            const SchedulingOptions& options)
      : pool_(pool), series_(series), meetings_(meetings), clock_(clock), options_(options) {}

  // matching's events, applied in the consumer's transaction. Each is applied once, and an
  // event older than what was applied for its relationship does nothing; an amendment or a
  // resume for a relationship whose match.made has not arrived yet is parked.
  // match.made comes in batches (see EventRouter::OnBatch); an event whose people are not
  // in the read model yet is parked.
  absl::StatusOr<std::vector<absl::Status>> OnMatchMade(
      pg::Transaction& txn, const std::vector<EventRouter::Item<events::v1::MatchMade>>& made);
  absl::Status OnPaused(pg::Transaction& txn, const events::v1::EventEnvelope& event,
                        const events::v1::RelationshipPaused& paused);
  absl::Status OnResumed(pg::Transaction& txn, const events::v1::EventEnvelope& event,
                         const events::v1::RelationshipResumed& resumed);
  absl::Status OnAmended(pg::Transaction& txn, const events::v1::EventEnvelope& event,
                         const events::v1::RelationshipAgreementAmended& amended);
  absl::Status OnClosed(pg::Transaction& txn, const events::v1::EventEnvelope& event,
                        const events::v1::RelationshipClosed& closed);
  absl::Status OnMovedToAlumni(pg::Transaction& txn, const events::v1::EventEnvelope& event,
                               const events::v1::RelationshipMovedToAlumni& alumni);

  // The background job: plans the next stretch of series whose window falls short.
  absl::StatusOr<JobProgress> ExtendWindows();

  // After a person's time zone or availability changed: their active series' meetings
  // further away than the cancellation notice move where they no longer fit (or the
  // organiser's zone moved); nearer ones stay and are flagged for the pair.
  absl::Status Replan(pg::Transaction& txn, const std::string& person_id, const std::string& traceparent);

 private:
  // The relationship an event is about, locked; nullopt when the event is old news.
  absl::StatusOr<std::optional<RelationshipRecord>> Fresh(pg::Transaction& txn, const events::v1::EventEnvelope& event,
                                                          const std::string& relationship_id);
  // A new cadence series for the relationship's terms, planned through the window.
  absl::Status StartSeries(pg::Transaction& txn, RelationshipRecord& relationship, ScheduleChanges& changes);
  void PlanSeries(const Pair& pair, RelationshipRecord& relationship, ScheduleChanges& changes);
  // Ends the relationship's cadence series and cancels its meetings ahead, by the system;
  // the ad-hoc ones ahead too when `with_adhoc` (the relationship stops meeting), not when
  // a new agreement only replaces the cadence.
  absl::Status StopSeries(pg::Transaction& txn, RelationshipRecord& relationship, v1::ChangeReason reason,
                          ScheduleChanges& changes, bool with_adhoc);
  // A match.made older than what was applied plans nothing, but a relationship first seen
  // through a later event learns its people from it: true when it did.
  static bool LearnPeople(RelationshipRecord& relationship, const events::v1::MatchMade& made);
  // Applies a lifecycle change that ends what is planned: pause, close, alumni.
  absl::Status EndPlanning(pg::Transaction& txn, const events::v1::EventEnvelope& event,
                           const std::string& relationship_id, RelationshipState state, v1::ChangeReason reason);
  absl::Status Save(pg::Transaction& txn, const RelationshipRecord& relationship, ScheduleChanges& changes,
                    const events::v1::EventEnvelope& cause);

  pg::Pool& pool_;
  const SeriesStore& series_;
  const MeetingStore& meetings_;
  const Clock& clock_;
  const SchedulingOptions& options_;
};

}  // namespace mentoring::scheduling
