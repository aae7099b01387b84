#pragma once
// Persistence of cohort drafts: the only code that knows the drafts table. A draft is kept
// as its message (every pair and unmatched mentee), with its programme and state beside it.
#include <absl/status/statusor.h>

#include <string>
#include <vector>

#include "mentoring/matching/v1/matching.pb.h"
#include "mentoring/runtime/store.h"

namespace mentoring::matching {

class DraftStore : public pg::DocumentTable<v1::MatchDraft> {
 public:
  DraftStore();

  // Every draft of the programme, whatever its state, locked.
  absl::StatusOr<std::vector<v1::MatchDraft>> OfProgrammeForUpdate(pg::Transaction& txn,
                                                                   const std::string& programme_id) const;
};

}  // namespace mentoring::matching
