#pragma once
// Persistence of meeting series. The only code that knows the meeting_series table.
#include <absl/status/statusor.h>

#include <map>
#include <string>
#include <vector>

#include "mentoring/runtime/store.h"
#include "mentoring/scheduling/v1/scheduling.pb.h"

namespace mentoring::scheduling {

class SeriesStore : public pg::DocumentTable<v1::MeetingSeries> {
 public:
  SeriesStore();

  // Active cadence series whose rolling window ends before `through`, locked (skipping
  // series another replica is extending), oldest window first.
  absl::StatusOr<std::vector<v1::MeetingSeries>> ToExtendForUpdate(pg::Transaction& txn, absl::CivilDay through,
                                                                   int limit) const;
  // A relationship's series, newest first, after the cursor (created_at and id of the last one seen).
  absl::StatusOr<std::vector<v1::MeetingSeries>> OfRelationship(pg::Executor& db, const std::string& relationship_id,
                                                                const std::string& after, int limit) const;
  // Takes `count` consecutive event sequence numbers for each series, in one statement, and
  // returns the first of each. Series must exist (insert them first).
  static absl::StatusOr<std::map<std::string, int64_t>> TakeSequences(pg::Transaction& txn,
                                                                      const std::map<std::string, int>& count);
};

}  // namespace mentoring::scheduling
