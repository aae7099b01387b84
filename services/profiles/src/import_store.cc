#include "import_store.h"

#include <absl/strings/escaping.h>

#include "mentoring/runtime/store.h"

namespace mentoring::profiles {
namespace {

// A second row for the same HR id is a duplicate: the first one stands.
constexpr char kStage[] =
    "INSERT INTO import_rows (import_id, hr_employee_id, line, manager_hr_id, person_id, document) "
    "SELECT $1, h, l::bigint, NULLIF(m, ''), i::uuid, decode(d, 'base64') "
    "FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) AS t(h, l, m, d, i) "
    "ON CONFLICT (import_id, hr_employee_id) DO NOTHING";

// Which of these lines are staged. Asked apart from the insert, so that an insert repeated
// after a lost connection (it may have committed) still counts each row once.
constexpr char kStagedLines[] = "SELECT line FROM import_rows WHERE import_id = $1 AND line = ANY($2::bigint[])";

// A manager must be in the file (and not rejected) or already known. Marks, does not
// delete: run again after a lost answer it marks whatever the first run's marks strand,
// and the rejections are read (and reported) once, from the table, when all are known.
constexpr char kRejectUnresolvableManagers[] =
    "UPDATE import_rows r SET rejected = 'exists' WHERE r.import_id = $1 AND r.rejected IS NULL "
    "AND r.manager_hr_id IS NOT NULL "
    "AND NOT EXISTS (SELECT 1 FROM import_rows m WHERE m.import_id = $1 AND m.hr_employee_id = r.manager_hr_id "
    "  AND m.rejected IS NULL) "
    "AND NOT EXISTS (SELECT 1 FROM people p WHERE p.hr_employee_id = r.manager_hr_id AND NOT p.erased)";

// The planner's picture of the staging table. Between imports it is empty, and autovacuum
// records it so (reltuples 0): without this, the next import's 100,000 staged rows were
// planned as one row, and the manager checks ran as nested loops over the whole staging
// table for every row (minutes instead of a fraction of a second).
constexpr char kAnalyze[] = "ANALYZE import_rows";

// A reporting line can only loop through a row whose manager differs from the one the
// directory holds (or a new person): the directory itself has no loop. So the walk starts
// from those rows only (all of them in a first import, a few in a nightly sync) and goes
// up, the file's managers winning over stored ones. A walk that returns to its start went
// round a cycle, and every staged row on its path is in it.
constexpr char kManagerCycles[] =
    "WITH RECURSIVE walk (start, cur, path) AS ("
    "  SELECT r.hr_employee_id, r.manager_hr_id, ARRAY[r.hr_employee_id] FROM import_rows r"
    "  WHERE r.import_id = $1 AND r.rejected IS NULL AND r.manager_hr_id IS NOT NULL AND NOT EXISTS ("
    "    SELECT 1 FROM people p JOIN people m ON m.person_id = p.manager_id"
    "    WHERE p.hr_employee_id = r.hr_employee_id AND m.hr_employee_id = r.manager_hr_id)"
    "  UNION ALL"
    "  SELECT w.start, n.manager, w.path || w.cur FROM walk w CROSS JOIN LATERAL ("
    "    SELECT CASE WHEN s.hr_employee_id IS NOT NULL THEN s.manager_hr_id"
    "      ELSE (SELECT m.hr_employee_id FROM people p JOIN people m ON m.person_id = p.manager_id"
    "            WHERE p.hr_employee_id = w.cur) END AS manager"
    "    FROM (SELECT 1) one LEFT JOIN import_rows s"
    "      ON s.import_id = $1 AND s.hr_employee_id = w.cur AND s.rejected IS NULL) n"
    "  WHERE n.manager IS NOT NULL AND w.cur <> ALL(w.path) AND cardinality(w.path) < 64)"
    "SELECT DISTINCT r.line, r.hr_employee_id, r.manager_hr_id"
    "  FROM walk w CROSS JOIN unnest(w.path) AS member(hr_employee_id)"
    "  JOIN import_rows r ON r.import_id = $1 AND r.hr_employee_id = member.hr_employee_id"
    "  WHERE w.cur = w.start";

// The walk's estimate is far above its real cost (the planner cannot see the tree is
// shallow), which would spend a second compiling it (JIT) for a query that runs in less.
constexpr char kNoJit[] = "SET LOCAL jit = off";

constexpr char kReject[] =
    "UPDATE import_rows SET rejected = $3 WHERE import_id = $1 AND hr_employee_id = ANY($2::text[]) "
    "AND rejected IS NULL";

// Rejected rows in line order, at most $2; and how many there are.
constexpr char kRejected[] =
    "SELECT line, hr_employee_id, COALESCE(manager_hr_id, ''), rejected FROM import_rows "
    "WHERE import_id = $1 AND rejected IS NOT NULL ORDER BY line LIMIT $2";
constexpr char kCountRejected[] = "SELECT count(*) FROM import_rows WHERE import_id = $1 AND rejected IS NOT NULL";

// New people got their ids at staging; known HR ids keep the person they name.
constexpr char kMatchKnownPeople[] =
    "UPDATE import_rows r SET person_id = p.person_id FROM people p "
    "WHERE r.import_id = $1 AND r.rejected IS NULL AND p.hr_employee_id = r.hr_employee_id AND NOT p.erased";

constexpr char kNextRows[] =
    "SELECT r.line, r.hr_employee_id, r.document, r.person_id, COALESCE(mr.person_id, mp.person_id), "
    "p.person_id IS NOT NULL "
    "FROM import_rows r "
    "LEFT JOIN import_rows mr ON mr.import_id = r.import_id AND mr.hr_employee_id = r.manager_hr_id "
    "  AND mr.rejected IS NULL "
    "LEFT JOIN people mp ON mp.hr_employee_id = r.manager_hr_id AND NOT mp.erased "
    "LEFT JOIN people p ON p.person_id = r.person_id "
    "WHERE r.import_id = $1 AND r.line > $2 AND r.rejected IS NULL ORDER BY r.line LIMIT $3";

// In the transaction that applies rows, so that it commits with them: one small row per
// transaction (marking each applied row rewrote the staging table once more, seconds per
// 100,000-row import).
constexpr char kMarkCommitted[] = "INSERT INTO import_commits (import_id, token) VALUES ($1, $2)";
constexpr char kCommitted[] = "SELECT EXISTS (SELECT 1 FROM import_commits WHERE import_id = $1 AND token = $2)";
constexpr char kClearCommits[] = "DELETE FROM import_commits WHERE import_id = $1";

constexpr char kAbsentPeopleForUpdate[] =
    "SELECT p.document FROM people p WHERE NOT p.erased AND p.employment_status <> $2 "
    "AND NOT EXISTS (SELECT 1 FROM import_rows r WHERE r.import_id = $1 AND r.hr_employee_id = p.hr_employee_id) "
    "ORDER BY p.person_id LIMIT $3 FOR UPDATE";

constexpr char kClear[] = "DELETE FROM import_rows WHERE import_id = $1";

// Rows of (line, hr_employee_id, manager_hr_id[, rule]).
std::vector<RejectedRow> ToRejectedRows(const pg::Result& rows, bool with_rule) {
  std::vector<RejectedRow> out;
  for (int i = 0; i < rows.rows(); ++i) {
    out.push_back({rows.Int(i, 0), std::string(rows.Text(i, 1)), std::string(rows.Text(i, 2))});
    if (with_rule) out.back().rule = std::string(rows.Text(i, 3));
  }
  return out;
}

}  // namespace

absl::StatusOr<std::vector<int64_t>> ImportStore::Stage(const std::vector<StagedRow>& rows) {
  std::vector<std::string> hr_ids, lines, managers, documents, ids;
  for (const auto& row : rows) {
    hr_ids.push_back(row.hr_employee_id);
    lines.push_back(std::to_string(row.line));
    managers.push_back(row.manager_hr_id);
    documents.push_back(absl::Base64Escape(row.document));
    ids.push_back(row.new_person_id);
  }
  auto inserted =
      pool_.Exec(kStage, {import_id_, pg::Param::TextArray(hr_ids), pg::Param::TextArray(lines),
                          pg::Param::TextArray(managers), pg::Param::TextArray(documents), pg::Param::TextArray(ids)});
  if (!inserted.ok()) return inserted.status();
  std::vector<int64_t> numbers;
  for (const auto& row : rows) numbers.push_back(row.line);
  auto staged = pool_.Exec(kStagedLines, {import_id_, pg::Param::BigintArray(numbers)});
  if (!staged.ok()) return staged.status();
  std::vector<int64_t> out;
  for (int i = 0; i < staged->rows(); ++i) out.push_back(staged->Int(i, 0));
  return out;
}

absl::StatusOr<int64_t> ImportStore::RejectUnresolvableManagers() {
  auto rejected = pool_.Exec(kRejectUnresolvableManagers, {import_id_});
  if (!rejected.ok()) return rejected.status();
  return rejected->affected();
}

absl::Status ImportStore::RefreshStatistics() { return pool_.Exec(kAnalyze).status(); }

absl::StatusOr<std::vector<RejectedRow>> ImportStore::FindManagerCycles() {
  return pg::InTransaction(pool_, [&](pg::Transaction& txn) -> absl::StatusOr<std::vector<RejectedRow>> {
    if (auto off = txn.Exec(kNoJit); !off.ok()) return off.status();
    auto cycles = txn.Exec(kManagerCycles, {import_id_});
    if (!cycles.ok()) return cycles.status();
    return ToRejectedRows(*cycles, false);
  });
}

absl::Status ImportStore::Reject(const std::vector<std::string>& hr_employee_ids, const std::string& rule) {
  return pool_.Exec(kReject, {import_id_, pg::Param::TextArray(hr_employee_ids), rule}).status();
}

absl::StatusOr<Rejections> ImportStore::Rejected(int limit) {
  auto total = pool_.Exec(kCountRejected, {import_id_});
  if (!total.ok()) return total.status();
  auto rows = pool_.Exec(kRejected, {import_id_, limit});
  if (!rows.ok()) return rows.status();
  return Rejections{ToRejectedRows(*rows, true), total->Int(0, 0)};
}

absl::Status ImportStore::MarkCommitted(pg::Transaction& txn, const std::string& token) {
  return txn.Exec(kMarkCommitted, {import_id_, token}).status();
}

absl::StatusOr<bool> ImportStore::Committed(const std::string& token) {
  auto rows = pool_.Exec(kCommitted, {import_id_, token});
  if (!rows.ok()) return rows.status();
  return rows->Bool(0, 0);
}

absl::Status ImportStore::MatchKnownPeople() { return pool_.Exec(kMatchKnownPeople, {import_id_}).status(); }

absl::StatusOr<std::vector<ResolvedRow>> ImportStore::NextRows(int64_t after_line, int limit) {
  auto rows = pool_.Exec(kNextRows, {import_id_, after_line, limit});
  if (!rows.ok()) return rows.status();
  std::vector<ResolvedRow> out;
  for (int i = 0; i < rows->rows(); ++i) {
    auto staged = pg::ParseColumn<v1::Person>(*rows, i, 2, "staged import row");
    if (!staged.ok()) return staged.status();
    ResolvedRow row{rows->Int(i, 0), std::string(rows->Text(i, 1)), std::move(*staged), rows->Bool(i, 5)};
    row.staged.set_person_id(std::string(rows->Text(i, 3)));
    row.staged.set_manager_id(rows->IsNull(i, 4) ? "" : std::string(rows->Text(i, 4)));
    out.push_back(std::move(row));
  }
  return out;
}

absl::StatusOr<std::vector<v1::Person>> ImportStore::AbsentPeopleForUpdate(pg::Transaction& txn, int limit) {
  auto rows =
      txn.Exec(kAbsentPeopleForUpdate, {import_id_, static_cast<int>(common::v1::EMPLOYMENT_STATUS_DEPARTED), limit});
  if (!rows.ok()) return rows.status();
  return pg::ParseColumnRows<v1::Person>(*rows, 0, "person");
}

absl::Status ImportStore::Clear() {
  if (auto commits = pool_.Exec(kClearCommits, {import_id_}); !commits.ok()) return commits.status();
  return pool_.Exec(kClear, {import_id_}).status();
}

}  // namespace mentoring::profiles
