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

// A manager must be in the file or already known.
constexpr char kRemoveUnresolvableManagers[] =
    "DELETE FROM import_rows r WHERE r.import_id = $1 AND r.manager_hr_id IS NOT NULL "
    "AND NOT EXISTS (SELECT 1 FROM import_rows m WHERE m.import_id = $1 AND m.hr_employee_id = r.manager_hr_id) "
    "AND NOT EXISTS (SELECT 1 FROM people p WHERE p.hr_employee_id = r.manager_hr_id AND NOT p.erased) "
    "RETURNING r.line, r.hr_employee_id, r.manager_hr_id";

// Walks up from every staged row; the managers the file states win over the stored ones.
// A row whose walk returns to itself is in a cycle.
constexpr char kManagerCycles[] =
    "WITH RECURSIVE walk (start, cur, path) AS ("
    "  SELECT hr_employee_id, manager_hr_id, ARRAY[hr_employee_id] FROM import_rows"
    "  WHERE import_id = $1 AND manager_hr_id IS NOT NULL"
    "  UNION ALL"
    "  SELECT w.start, n.manager, w.path || w.cur FROM walk w CROSS JOIN LATERAL ("
    "    SELECT CASE WHEN EXISTS (SELECT 1 FROM import_rows r WHERE r.import_id = $1 AND r.hr_employee_id = w.cur)"
    "      THEN (SELECT r.manager_hr_id FROM import_rows r WHERE r.import_id = $1 AND r.hr_employee_id = w.cur)"
    "      ELSE (SELECT m.hr_employee_id FROM people p JOIN people m ON m.person_id = p.manager_id"
    "            WHERE p.hr_employee_id = w.cur) END AS manager) n"
    "  WHERE n.manager IS NOT NULL AND NOT (w.cur = ANY(w.path)) AND cardinality(w.path) < 64)"
    "SELECT DISTINCT r.line, r.hr_employee_id, r.manager_hr_id FROM walk w JOIN import_rows r"
    "  ON r.import_id = $1 AND r.hr_employee_id = w.start WHERE w.cur = w.start";

constexpr char kRemove[] = "DELETE FROM import_rows WHERE import_id = $1 AND hr_employee_id = ANY($2::text[])";

// New people got their ids at staging; known HR ids keep the person they name.
constexpr char kMatchKnownPeople[] =
    "UPDATE import_rows r SET person_id = p.person_id FROM people p "
    "WHERE r.import_id = $1 AND p.hr_employee_id = r.hr_employee_id AND NOT p.erased";

constexpr char kNextRows[] =
    "SELECT r.line, r.hr_employee_id, r.document, r.person_id, COALESCE(mr.person_id, mp.person_id), "
    "p.person_id IS NOT NULL "
    "FROM import_rows r "
    "LEFT JOIN import_rows mr ON mr.import_id = r.import_id AND mr.hr_employee_id = r.manager_hr_id "
    "LEFT JOIN people mp ON mp.hr_employee_id = r.manager_hr_id AND NOT mp.erased "
    "LEFT JOIN people p ON p.person_id = r.person_id "
    "WHERE r.import_id = $1 AND r.line > $2 ORDER BY r.line LIMIT $3";

constexpr char kAbsentPeopleForUpdate[] =
    "SELECT p.document FROM people p WHERE NOT p.erased AND p.employment_status <> $2 "
    "AND NOT EXISTS (SELECT 1 FROM import_rows r WHERE r.import_id = $1 AND r.hr_employee_id = p.hr_employee_id) "
    "ORDER BY p.person_id LIMIT $3 FOR UPDATE";

constexpr char kClear[] = "DELETE FROM import_rows WHERE import_id = $1";

std::vector<RejectedRow> RejectedRows(const pg::Result& rows) {
  std::vector<RejectedRow> out;
  for (int i = 0; i < rows.rows(); ++i) {
    out.push_back({rows.Int(i, 0), std::string(rows.Text(i, 1)), std::string(rows.Text(i, 2))});
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

absl::StatusOr<std::vector<RejectedRow>> ImportStore::RemoveUnresolvableManagers() {
  auto rejected = pool_.Exec(kRemoveUnresolvableManagers, {import_id_});
  if (!rejected.ok()) return rejected.status();
  return RejectedRows(*rejected);
}

absl::StatusOr<std::vector<RejectedRow>> ImportStore::FindManagerCycles() {
  auto cycles = pool_.Exec(kManagerCycles, {import_id_});
  if (!cycles.ok()) return cycles.status();
  return RejectedRows(*cycles);
}

absl::Status ImportStore::Remove(const std::vector<std::string>& hr_employee_ids) {
  return pool_.Exec(kRemove, {import_id_, pg::Param::TextArray(hr_employee_ids)}).status();
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

absl::Status ImportStore::Clear() { return pool_.Exec(kClear, {import_id_}).status(); }

}  // namespace mentoring::profiles
