#pragma once
// Persistence of rematch offers: the only code that knows the rematch_offers table, one row
// per relationship whose mentee was offered a new mentor (rapport at risk, or a closure for
// no rapport).
#include <absl/status/statusor.h>
#include <absl/time/time.h>

#include <string>
#include <vector>

#include "mentoring/matching/v1/matching.pb.h"
#include "mentoring/runtime/postgres.h"

namespace mentoring::matching {

class RematchStore {
 public:
  struct PreviousMentor {
    std::string mentee_id;
    std::string mentor_id;
  };

  // Records an offer for the relationship's mentee, once per relationship (a second offer
  // for the same relationship is not recorded).
  absl::Status Offer(pg::Executor& db, const v1::Relationship& previous, const std::string& trigger,
                     absl::Time offered_at) const;
  // The mentors behind these mentees' offers.
  absl::StatusOr<std::vector<PreviousMentor>> PreviousMentorsOf(pg::Executor& db,
                                                                const std::vector<std::string>& mentee_ids) const;
  // The mentee's offers, oldest first, without recommendations.
  absl::StatusOr<std::vector<v1::RematchOffer>> OffersFor(pg::Executor& db, const std::string& mentee_id) const;
  absl::Status DeleteOffersFor(pg::Executor& db, const std::string& mentee_id) const;
};

}  // namespace mentoring::matching
