#pragma once
// What the scorer needs to know about mentees beyond their profile, read for many at once:
// the focus areas an open relationship already serves, and the mentors not to propose
// again (current ones, and previous ones behind a rematch offer).
#include <absl/status/statusor.h>

#include <string>
#include <vector>

#include "mentoring/runtime/postgres.h"
#include "pair_scorer.h"
#include "relationship_store.h"
#include "rematch_store.h"

namespace mentoring::matching {

class MenteeContexts {
 public:
  // One context per mentee (PeopleIndex indexes), in their order. The open relationship
  // `being_replaced` (a rematch) leaves its focus areas open; its mentor stays blocked.
  absl::StatusOr<std::vector<MenteeContext>> Of(pg::Executor& db, const PeopleIndex& people,
                                                const std::vector<int32_t>& mentees,
                                                const std::string& being_replaced = "") const;

 private:
  RelationshipStore relationships_;
  RematchStore rematches_;
};

}  // namespace mentoring::matching
