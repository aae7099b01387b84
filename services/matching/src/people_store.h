#pragma once
// Persistence of matching's read model of people: the only code that knows the people
// table. Each row holds a person's facts (profiles' Person without what identifies them to
// a human: MatchingFactsOf) at a profile version, or a tombstone once they were erased,
// and the change number snapshots reload by.
#include <absl/status/statusor.h>

#include <optional>
#include <string>
#include <vector>

#include "mentoring/profiles/v1/profiles.pb.h"
#include "mentoring/runtime/postgres.h"

namespace mentoring::matching {

class PeopleStore {
 public:
  // A row changed after some change number: the facts, or nullopt for an erased person.
  struct Change {
    std::string person_id;
    std::optional<profiles::v1::Person> facts;
    int64_t change = 0;
  };

  // Keeps `person`'s facts when their version is newer than the one kept and the person
  // was not erased. True when kept.
  absl::StatusOr<bool> Upsert(pg::Transaction& txn, const profiles::v1::Person& person) const;
  // Drops the person's facts for good: a tombstone keeps the id only, and no later fact
  // about them is kept.
  absl::Status Erase(pg::Transaction& txn, const std::string& person_id) const;
  // The profile version kept (0 when unknown; the largest version for an erased person,
  // so that no event can be newer).
  absl::StatusOr<int64_t> KeptVersion(pg::Executor& db, const std::string& person_id) const;
  // True when the person's facts are kept (known, and not erased).
  absl::StatusOr<bool> Knows(pg::Executor& db, const std::string& person_id) const;
  // The employment status kept (UNSPECIFIED when unknown or erased).
  absl::StatusOr<common::v1::EmploymentStatus> KeptStatus(pg::Executor& db, const std::string& person_id) const;

  // The newest change number (0 for an empty table).
  absl::StatusOr<int64_t> LatestChange(pg::Executor& db) const;
  // The rows changed after `change`, in change order.
  absl::StatusOr<std::vector<Change>> ChangedSince(pg::Executor& db, int64_t change) const;
};

}  // namespace mentoring::matching
