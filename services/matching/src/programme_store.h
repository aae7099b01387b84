#pragma once
// Persistence of programmes: the only code that knows the programmes table. A programme is
// kept as its message; its roster version moves on every enrollment change, so a replica
// knows with one indexed read when a programme's cached mentor pool is out of date.
#include <absl/status/statusor.h>

#include <string>
#include <vector>

#include "mentoring/matching/v1/matching.pb.h"
#include "mentoring/runtime/store.h"

namespace mentoring::matching {

class ProgrammeStore : public pg::DocumentTable<v1::Programme> {
 public:
  ProgrammeStore();

  // Every programme, oldest first.
  absl::StatusOr<std::vector<v1::Programme>> All(pg::Executor& db) const;
  // NOT_FOUND when there is no such programme.
  absl::StatusOr<int64_t> RosterVersion(pg::Executor& db, const std::string& programme_id) const;
  // The programme's enrollments changed (in this transaction).
  absl::Status BumpRoster(pg::Executor& db, const std::string& programme_id) const;
};

}  // namespace mentoring::matching
