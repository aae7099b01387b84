#pragma once
// Scheduling's read model of people (their time zone and weekly availability): loaded from
// the profiles service, kept by profile.* events, and the consequences of a change: a new
// zone or availability re-plans the person's meetings ahead; an erasure deletes what they
// wrote (agendas, notes, action items), their calendar feed and their entry.
#include <absl/status/statusor.h>

#include "mentoring/events/v1/envelope.pb.h"
#include "mentoring/runtime/postgres.h"
#include "people_source.h"
#include "series_app.h"

namespace mentoring::scheduling {

class PeopleApp {
 public:
  PeopleApp(pg::Pool& pool, const profiles::PeopleSource& source, SeriesApp& series, const MeetingStore& meetings)
      : pool_(pool), source_(source), series_(series), meetings_(meetings) {}

  // The whole directory, a batch at a time (the read model's snapshot load).
  absl::StatusOr<int64_t> Load();

  absl::Status OnCreated(pg::Transaction& txn, const events::v1::EventEnvelope& event,
                         const events::v1::ProfileCreated& created);
  absl::Status OnUpdated(pg::Transaction& txn, const events::v1::EventEnvelope& event,
                         const events::v1::ProfileUpdated& updated);
  absl::Status OnErased(pg::Transaction& txn, const events::v1::EventEnvelope& event,
                        const events::v1::ProfileErased& erased);

 private:
  // Fetches the person when the event is newer than what is kept, stores them, and
  // re-plans when their zone or windows changed.
  absl::Status Refresh(pg::Transaction& txn, const events::v1::EventEnvelope& event, const std::string& person_id);

  pg::Pool& pool_;
  const profiles::PeopleSource& source_;
  SeriesApp& series_;
  const MeetingStore& meetings_;
};

}  // namespace mentoring::scheduling
