#include "relationship_store.h"

#include <algorithm>

#include "mentoring/runtime/errors.h"
#include "pair_columns.h"

namespace mentoring::matching {
namespace {

// Open relationships (proposed, active, paused) are the ones that hold a seat: states 1, 2, 3.
constexpr char kSeatLoads[] =
    "SELECT mentor_id, count(*), count(*) FILTER (WHERE programme_id = $2) FROM relationships "
    "WHERE state IN (1, 2, 3) AND mentor_id = ANY($1) GROUP BY mentor_id";
// Marks are transaction ids (xid8, 64 bits) carried as bigint; migration 0006 explains them.
constexpr char kSeatChangeMark[] = "SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint";
constexpr char kSeatChangesSince[] =
    "SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint, changed.mentor_id "
    "FROM (SELECT 1) AS one LEFT JOIN (SELECT DISTINCT mentor_id FROM relationships "
    "WHERE seats_changed_by >= $1::bigint::text::xid8) AS changed ON true";
constexpr char kOpenOfMentees[] = "SELECT body FROM relationships WHERE state IN (1, 2, 3) AND mentee_id = ANY($1)";
constexpr char kInvolvingForUpdate[] =
    "SELECT body FROM relationships WHERE (mentee_id = $1 OR mentor_id = $1) AND ($2 OR state IN (1, 2, 3)) "
    "ORDER BY relationship_id FOR UPDATE";
// Pages by (created_at, relationship_id), the key in microseconds: $3 the last one's (NULL
// on the first page), $4 its id, $5 the rows asked for.
constexpr char kPageTail[] =
    " AND ($3::bigint IS NULL OR (created_at, relationship_id) > "
    "('epoch'::timestamptz + $3::bigint * interval '1 microsecond', $4)) "
    "ORDER BY created_at, relationship_id LIMIT $5";
constexpr char kPageColumns[] =
    "SELECT body, (extract(epoch FROM created_at) * 1000000)::bigint, relationship_id FROM relationships ";
const std::string& InvolvingSql() {
  static const std::string sql =
      std::string(kPageColumns) + "WHERE (mentee_id = $1 OR mentor_id = $1) AND ($2 OR state IN (1, 2, 3))" + kPageTail;
  return sql;
}
const std::string& OfProgrammeSql() {
  static const std::string sql =
      std::string(kPageColumns) + "WHERE programme_id = $1 AND ($2 OR state IN (1, 2, 3))" + kPageTail;
  return sql;
}

constexpr char kLockTimeout[] = "SET LOCAL lock_timeout = '10s'";
constexpr char kAddPersonLocks[] =
    "INSERT INTO person_locks (person_id) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING";
constexpr char kTakePersonLocks[] =
    "SELECT person_id FROM person_locks WHERE person_id = ANY($1) ORDER BY person_id FOR UPDATE";

}  // namespace

RelationshipStore::RelationshipStore()
    : DocumentTable({.table = "relationships",
                     .what = "relationship",
                     .key_column = "relationship_id",
                     .key = [](const v1::Relationship& r) { return r.relationship_id(); },
                     .version = [](const v1::Relationship& r) { return r.version(); },
                     .columns = PairColumns<v1::Relationship>(),
                     .insert_only = {"created_at"}}) {}

absl::Status RelationshipStore::InsertProposed(pg::Executor& db, const v1::Relationship& relationship) const {
  auto inserted = Insert(db, relationship);
  if (inserted.code() == absl::StatusCode::kAlreadyExists) {
    return errors::FailedPrecondition("ALREADY_PAIRED", "these two already have an open relationship");
  }
  return inserted;
}

absl::Status RelationshipStore::LockPeople(pg::Transaction& txn, std::vector<std::string> person_ids) const {
  std::sort(person_ids.begin(), person_ids.end());
  person_ids.erase(std::unique(person_ids.begin(), person_ids.end()), person_ids.end());
  if (auto timeout = txn.Exec(kLockTimeout); !timeout.ok()) return timeout.status();
  const pg::Param ids = pg::Param::TextArray(person_ids);
  if (auto added = txn.Exec(kAddPersonLocks, {ids}); !added.ok()) return added.status();
  return txn.Exec(kTakePersonLocks, {ids}).status();
}

absl::StatusOr<absl::flat_hash_map<std::string, SeatLoad>> RelationshipStore::SeatLoads(
    pg::Executor& db, const std::vector<std::string>& mentor_ids, const std::string& programme_id) const {
  auto rows = db.Exec(kSeatLoads, {pg::Param::TextArray(mentor_ids), programme_id});
  if (!rows.ok()) return rows.status();
  absl::flat_hash_map<std::string, SeatLoad> loads;
  for (int i = 0; i < rows->rows(); ++i) {
    loads[std::string(rows->Text(i, 0))] = {static_cast<int>(rows->Int(i, 1)), static_cast<int>(rows->Int(i, 2))};
  }
  return loads;
}

absl::StatusOr<int64_t> RelationshipStore::SeatChangeMark(pg::Executor& db) const {
  auto rows = db.Exec(kSeatChangeMark);
  if (!rows.ok()) return rows.status();
  return rows->Int(0, 0);
}

absl::StatusOr<RelationshipStore::SeatChanges> RelationshipStore::SeatChangesSince(pg::Executor& db,
                                                                                   int64_t mark) const {
  // One statement: the next mark and the changes come from the same snapshot.
  auto rows = db.Exec(kSeatChangesSince, {mark});
  if (!rows.ok()) return rows.status();
  SeatChanges changes;
  changes.next_mark = rows->Int(0, 0);
  for (int i = 0; i < rows->rows(); ++i) {
    if (!rows->IsNull(i, 1)) changes.mentor_ids.emplace_back(rows->Text(i, 1));
  }
  return changes;
}

absl::StatusOr<std::vector<v1::Relationship>> RelationshipStore::OpenOfMentees(
    pg::Executor& db, const std::vector<std::string>& mentee_ids) const {
  return Many(db, kOpenOfMentees, {pg::Param::TextArray(mentee_ids)});
}

absl::StatusOr<std::vector<v1::Relationship>> RelationshipStore::InvolvingForUpdate(pg::Transaction& txn,
                                                                                    const std::string& person_id,
                                                                                    bool include_closed) const {
  return Many(txn, kInvolvingForUpdate, {person_id, include_closed});
}

absl::StatusOr<Page<v1::Relationship>> RelationshipStore::Involving(pg::Executor& db, const std::string& person_id,
                                                                    bool include_closed,
                                                                    const std::optional<PageKey>& after,
                                                                    int size) const {
  auto rows = db.Exec(InvolvingSql(), pg::PageParams({person_id, include_closed}, after, size));
  if (!rows.ok()) return rows.status();
  return pg::PageOfRows<v1::Relationship>(*rows, size, "relationship");
}

absl::StatusOr<Page<v1::Relationship>> RelationshipStore::OfProgramme(pg::Executor& db, const std::string& programme_id,
                                                                      bool include_closed,
                                                                      const std::optional<PageKey>& after,
                                                                      int size) const {
  auto rows = db.Exec(OfProgrammeSql(), pg::PageParams({programme_id, include_closed}, after, size));
  if (!rows.ok()) return rows.status();
  return pg::PageOfRows<v1::Relationship>(*rows, size, "relationship");
}

}  // namespace mentoring::matching
