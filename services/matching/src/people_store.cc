#include "people_store.h"

#include <limits>

#include "mentoring/runtime/store.h"
#include "people_index.h"

namespace mentoring::matching {
namespace {

// Change numbers come from a sequence in the order transactions start, but become visible in
// the order they commit; a snapshot that has read number 101 would never read a 100 that
// commits later. Writers of `people` therefore take their number under one transaction
// lock, so numbers commit in order (people change at HR speed: the lock is cheap).
constexpr char kOrderChanges[] = "SELECT pg_advisory_xact_lock(hashtextextended('matching:people_changes', 0))";
// A new version whose facts are the same (a new title, a new e-mail: nothing matching
// keeps) is kept without a new change number, so no snapshot is rebuilt for it.
constexpr char kUpsert[] =
    "INSERT INTO people (person_id, profile_version, facts, change_seq) "
    "VALUES ($1, $2, $3, nextval('people_change_seq')) "
    "ON CONFLICT (person_id) DO UPDATE SET profile_version = EXCLUDED.profile_version, facts = EXCLUDED.facts, "
    "change_seq = CASE WHEN people.facts IS DISTINCT FROM EXCLUDED.facts THEN EXCLUDED.change_seq "
    "ELSE people.change_seq END "
    "WHERE people.profile_version < EXCLUDED.profile_version AND NOT people.erased";
constexpr char kErase[] =
    "INSERT INTO people (person_id, profile_version, facts, erased, change_seq) "
    "VALUES ($1, 0, NULL, true, nextval('people_change_seq')) "
    "ON CONFLICT (person_id) DO UPDATE SET facts = NULL, erased = true, change_seq = EXCLUDED.change_seq";
constexpr char kKeptVersion[] = "SELECT profile_version, erased FROM people WHERE person_id = $1";
constexpr char kKnows[] = "SELECT 1 FROM people WHERE person_id = $1 AND facts IS NOT NULL";
constexpr char kKeptFacts[] = "SELECT facts FROM people WHERE person_id = $1 AND facts IS NOT NULL";
constexpr char kLatestChange[] = "SELECT coalesce(max(change_seq), 0) FROM people";
constexpr char kChangedSince[] =
    "SELECT person_id, facts, change_seq FROM people WHERE change_seq > $1 ORDER BY change_seq";

constexpr char kWhat[] = "person's facts";

}  // namespace

absl::StatusOr<bool> PeopleStore::Upsert(pg::Transaction& txn, const profiles::v1::Person& person) const {
  const profiles::v1::Person facts = MatchingFactsOf(person);
  if (auto ordered = txn.Exec(kOrderChanges); !ordered.ok()) return ordered.status();
  auto result = txn.Exec(kUpsert, {person.person_id(), person.version(), pg::Param::Bytes(facts.SerializeAsString())});
  if (!result.ok()) return result.status();
  return result->affected() > 0;
}

absl::Status PeopleStore::Erase(pg::Transaction& txn, const std::string& person_id) const {
  if (auto ordered = txn.Exec(kOrderChanges); !ordered.ok()) return ordered.status();
  return txn.Exec(kErase, {person_id}).status();
}

absl::StatusOr<int64_t> PeopleStore::KeptVersion(pg::Executor& db, const std::string& person_id) const {
  auto row = db.Exec(kKeptVersion, {person_id});
  if (!row.ok()) return row.status();
  if (row->rows() == 0) return 0;
  return row->Bool(0, 1) ? std::numeric_limits<int64_t>::max() : row->Int(0, 0);
}

absl::StatusOr<bool> PeopleStore::Knows(pg::Executor& db, const std::string& person_id) const {
  auto row = db.Exec(kKnows, {person_id});
  if (!row.ok()) return row.status();
  return row->rows() > 0;
}

absl::StatusOr<common::v1::EmploymentStatus> PeopleStore::KeptStatus(pg::Executor& db,
                                                                     const std::string& person_id) const {
  auto row = db.Exec(kKeptFacts, {person_id});
  if (!row.ok()) return row.status();
  if (row->rows() == 0) return common::v1::EMPLOYMENT_STATUS_UNSPECIFIED;
  auto facts = pg::ParseColumn<profiles::v1::Person>(*row, 0, 0, kWhat);
  if (!facts.ok()) return facts.status();
  return facts->employment_status();
}

absl::StatusOr<int64_t> PeopleStore::LatestChange(pg::Executor& db) const {
  auto latest = db.Exec(kLatestChange);
  if (!latest.ok()) return latest.status();
  return latest->Int(0, 0);
}

absl::StatusOr<std::vector<PeopleStore::Change>> PeopleStore::ChangedSince(pg::Executor& db, int64_t change) const {
  auto rows = db.Exec(kChangedSince, {change});
  if (!rows.ok()) return rows.status();
  std::vector<Change> changes;
  changes.reserve(static_cast<size_t>(rows->rows()));
  for (int i = 0; i < rows->rows(); ++i) {
    Change& changed = changes.emplace_back();
    changed.person_id = std::string(rows->Text(i, 0));
    changed.change = rows->Int(i, 2);
    if (rows->IsNull(i, 1)) continue;
    auto facts = pg::ParseColumn<profiles::v1::Person>(*rows, i, 1, kWhat);
    if (!facts.ok()) return facts.status();
    changed.facts = std::move(*facts);
  }
  return changes;
}

}  // namespace mentoring::matching
