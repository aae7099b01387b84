#pragma once
// Scheduling's read model of people: each person's time zone and weekly availability, kept
// from the profiles service (loaded once, then refreshed by profile.* events). The only
// code that knows the people table.
#include <absl/status/statusor.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "mentoring/profiles/v1/profiles.pb.h"
#include "mentoring/runtime/postgres.h"

namespace mentoring::scheduling {

// What planning needs of a person.
struct PersonSchedule {
  std::string person_id;
  int64_t profile_version = 0;
  std::string time_zone;
  std::vector<profiles::v1::AvailabilityWindow> windows;
  bool erased = false;

  bool operator==(const PersonSchedule& other) const;
};

// The facts scheduling keeps of a person as profiles publishes them.
PersonSchedule ScheduleOf(const profiles::v1::Person& person);

class PeopleStore {
 public:
  // Stores `person` when newer than what is kept (never over an erasure). Returns the
  // facts kept before when they changed (time zone or windows), nullopt otherwise.
  static absl::StatusOr<std::optional<PersonSchedule>> Upsert(pg::Transaction& txn, const PersonSchedule& person);
  // The version kept (0 when unknown; the largest number when erased).
  static absl::StatusOr<int64_t> KeptVersion(pg::Executor& db, const std::string& person_id);
  // The people among `ids` that are known (erased ones included, marked).
  static absl::StatusOr<std::map<std::string, PersonSchedule>> Get(pg::Executor& db,
                                                                   const std::vector<std::string>& ids);
  // Forgets the person for good: a tombstone keeps the id, so a late event cannot bring them back.
  static absl::Status Erase(pg::Transaction& txn, const std::string& person_id);
};

}  // namespace mentoring::scheduling
