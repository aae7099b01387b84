#pragma once
// Who mentors whom, profiles' read model of matching's open relationships: the only code
// that knows the mentorships table. Kept by matching's events (events_app.h), read to decide
// what a mentor sees of their mentee (person_rules.h, ViewOf).
#include <absl/container/flat_hash_map.h>
#include <absl/status/statusor.h>

#include <string>
#include <vector>

#include "mentoring/common/v1/common.pb.h"
#include "mentoring/runtime/postgres.h"

namespace mentoring::profiles {

using FocusAreas = std::vector<common::v1::FocusArea>;
// By mentee id: the focus areas of the open relationships in which one reader mentors them.
using MentoredAreas = absl::flat_hash_map<std::string, FocusAreas>;

class MentorshipStore {
 public:
  explicit MentorshipStore(pg::Pool& pool) : pool_(pool) {}

  // The focus areas in which `mentor_id` mentors each of `mentee_ids`; people they do not
  // mentor are left out.
  absl::StatusOr<MentoredAreas> MentoredBy(const std::string& mentor_id, const std::vector<std::string>& mentee_ids);

  // A relationship made (a repeat changes nothing).
  static absl::Status Open(pg::Transaction& txn, const std::string& relationship_id, const std::string& mentee_id,
                           const std::string& mentor_id, const FocusAreas& areas);
  // What an open relationship covers now (nothing when it is not open).
  static absl::Status Cover(pg::Transaction& txn, const std::string& relationship_id, const FocusAreas& areas);
  // The relationship ended (nothing when it was not open).
  static absl::Status End(pg::Transaction& txn, const std::string& relationship_id);
  // Every open relationship of an erased person.
  static absl::Status Forget(pg::Transaction& txn, const std::string& person_id);

 private:
  pg::Pool& pool_;
};

}  // namespace mentoring::profiles
