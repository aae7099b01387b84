#pragma once
// Persistence of what scheduling said about meetings: the only code that knows the meetings
// table, one row per meeting with the latest of its events.
#include <absl/status/statusor.h>
#include <absl/time/time.h>

#include <optional>
#include <string>
#include <vector>

#include "evaluation_rules.h"
#include "mentoring/runtime/postgres.h"

namespace mentoring::evaluation {

struct MeetingRow {
  Meeting meeting;
  std::string relationship_id;
  std::string series_id;
  absl::Time happened_at;
  int64_t sequence = 0;  // the series' version after the event
};

class MeetingStore {
 public:
  // Keeps what an event says about a meeting unless an event of its series as new or newer
  // is kept already (a duplicate, a replay); true when kept.
  absl::StatusOr<bool> Record(pg::Executor& db, const MeetingRow& row) const;
  // A relationship's meetings, by meeting number.
  absl::StatusOr<std::vector<Meeting>> OfRelationship(pg::Executor& db, const std::string& relationship_id) const;
  absl::StatusOr<std::optional<MeetingRow>> Find(pg::Executor& db, const std::string& meeting_id) const;
};

}  // namespace mentoring::evaluation
