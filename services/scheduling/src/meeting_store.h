#pragma once
// Persistence of meetings (without pair-only text, which pair_content_store keeps). The
// only code that knows the meetings table.
#include <absl/status/statusor.h>
#include <absl/time/time.h>

#include <string>
#include <vector>

#include "mentoring/runtime/store.h"
#include "mentoring/scheduling/v1/scheduling.pb.h"

namespace mentoring::scheduling {

struct MeetingPage {
  std::vector<v1::Meeting> meetings;
  std::string next_cursor;  // empty on the last page
};

// A keyset position this service handed out as a page token: "<micros since epoch>/<id>".
struct PageCursor {
  int64_t micros = 0;
  std::string id;
};
// INVALID_ARGUMENT (page_token) for anything else: a token that is not one of ours must not
// quietly read the first page again (a client would loop over it for ever).
absl::StatusOr<PageCursor> ParsePageCursor(const std::string& token);

struct MeetingCounts {
  int scheduled = 0, completed = 0, missed = 0, cancelled = 0;
  int late_cancellations = 0, late_reschedules = 0, disagreements = 0;
};

class MeetingStore : public pg::DocumentTable<v1::Meeting> {
 public:
  MeetingStore();

  // A series' scheduled meetings starting at or after `from`, locked, by start time.
  absl::StatusOr<std::vector<v1::Meeting>> ScheduledOfSeriesForUpdate(pg::Transaction& txn,
                                                                      const std::string& series_id,
                                                                      absl::Time from) const;
  // A person's (as organiser or attendee) or a relationship's meetings starting in
  // [from, to), by start time then id, after the cursor, with the given states (all when empty).
  absl::StatusOr<MeetingPage> OfPerson(pg::Executor& db, const std::string& person_id, absl::Time from, absl::Time to,
                                       const std::vector<int>& states, const std::string& cursor, int limit) const;
  absl::StatusOr<MeetingPage> OfRelationship(pg::Executor& db, const std::string& relationship_id, absl::Time from,
                                             absl::Time to, const std::vector<int>& states, const std::string& cursor,
                                             int limit) const;
  // Scheduled meetings past their grace period, or with their agenda late: locked, each by
  // one sweeper only (SKIP LOCKED), oldest due first.
  absl::StatusOr<std::vector<v1::Meeting>> MissedDueForUpdate(pg::Transaction& txn, absl::Time now, int limit) const;
  absl::StatusOr<std::vector<v1::Meeting>> AgendaDueForUpdate(pg::Transaction& txn, absl::Time now, int limit) const;
  // How many are due and since when (the sweeper's backlog and lag).
  struct Backlog {
    int64_t due = 0;
    absl::Time oldest = absl::InfiniteFuture();
  };
  absl::StatusOr<Backlog> MissedBacklog(pg::Executor& db, absl::Time now) const;
  absl::StatusOr<MeetingCounts> Counts(pg::Executor& db, const std::string& relationship_id) const;
};

}  // namespace mentoring::scheduling
