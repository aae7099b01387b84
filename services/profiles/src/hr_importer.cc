#include "hr_importer.h"

#include <absl/strings/escaping.h>
#include <spdlog/spdlog.h>

#include <map>

#include "mentoring/runtime/errors.h"
#include "mentoring/runtime/ids.h"
#include "person_rules.h"
#include "profiles_app.h"

namespace mentoring::profiles {
namespace {

constexpr size_t kStageBatch = 1000;
constexpr int kApplyBatch = 500;
constexpr int kMaxReportedErrors = 1000;

}  // namespace

HrImporter::HrImporter(pg::Pool& pool, ProfilesApp& app, const Clock& clock, v1::ImportOptions options,
                       std::string traceparent)
    : pool_(pool),
      app_(app),
      clock_(clock),
      options_(std::move(options)),
      write_context_{clock, std::move(traceparent), "hr_import"},
      import_id_(NewUuidV7(clock)),
      reader_(options_.format()) {}

HrImporter::~HrImporter() {
  // Whatever happened, the staged rows of this import go.
  (void)pool_.Exec("DELETE FROM import_rows WHERE import_id = $1", {import_id_});
}

void HrImporter::Fail(v1::ImportRowError error) {
  report_.set_failed(report_.failed() + 1);
  if (report_.errors_size() < kMaxReportedErrors) {
    *report_.add_errors() = std::move(error);
  } else {
    report_.set_errors_truncated(true);
  }
}

void HrImporter::Fail(const HrRow& row, const std::string& field, const std::string& rule,
                      const std::string& description) {
  Fail(RowError(row.line, row.hr_employee_id, field, rule, description));
}

absl::Status HrImporter::AddChunk(std::string_view data) {
  reader_.Feed(data, records_);
  for (auto& record : records_) {
    report_.set_rows(report_.rows() + 1);
    HrRow row = MapHrRecord(record);
    if (!row.errors.empty()) {
      report_.set_failed(report_.failed() + 1);
      for (auto& error : row.errors) {
        if (report_.errors_size() < kMaxReportedErrors)
          *report_.add_errors() = error;
        else
          report_.set_errors_truncated(true);
      }
      continue;
    }
    pending_.push_back(std::move(row));
  }
  records_.clear();
  return pending_.size() >= kStageBatch ? StagePending() : absl::OkStatus();
}

absl::Status HrImporter::StagePending() {
  if (pending_.empty()) return absl::OkStatus();
  std::vector<std::string> hr_ids, lines, managers, documents, ids;
  for (auto& row : pending_) {
    hr_ids.push_back(row.hr_employee_id);
    lines.push_back(std::to_string(row.line));
    managers.push_back(row.manager_hr_id);
    documents.push_back(absl::Base64Escape(row.person.SerializeAsString()));
    ids.push_back(NewUuidV7(clock_));  // used if the person is new
  }
  // A second row for the same HR id is a duplicate: the first one stands.
  auto staged = pool_.Exec(
      "INSERT INTO import_rows (import_id, hr_employee_id, line, manager_hr_id, person_id, document) "
      "SELECT $1, h, l::bigint, NULLIF(m, ''), i::uuid, decode(d, 'base64') "
      "FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) AS t(h, l, m, d, i) "
      "ON CONFLICT (import_id, hr_employee_id) DO NOTHING RETURNING line",
      {import_id_, pg::Param::TextArray(hr_ids), pg::Param::TextArray(lines), pg::Param::TextArray(managers),
       pg::Param::TextArray(documents), pg::Param::TextArray(ids)});
  if (!staged.ok()) return staged.status();
  std::set<int64_t> staged_lines;
  for (int i = 0; i < staged->rows(); ++i) staged_lines.insert(staged->Int(i, 0));
  for (const auto& row : pending_) {
    if (!staged_lines.contains(row.line)) {
      Fail(row, "employee_id", "unique_in_file", "employee id " + row.hr_employee_id + " appears earlier in the file");
    }
  }
  pending_.clear();
  return absl::OkStatus();
}

absl::Status HrImporter::RejectUnresolvableManagers() {
  // A manager must be in the file or already known. Rejecting a new person can strand the
  // people who report to them, so repeat until nothing more is rejected.
  while (true) {
    auto rejected = pool_.Exec(
        "DELETE FROM import_rows r WHERE r.import_id = $1 AND r.manager_hr_id IS NOT NULL "
        "AND NOT EXISTS (SELECT 1 FROM import_rows m WHERE m.import_id = $1 AND m.hr_employee_id = r.manager_hr_id) "
        "AND NOT EXISTS (SELECT 1 FROM people p WHERE p.hr_employee_id = r.manager_hr_id AND NOT p.erased) "
        "RETURNING r.line, r.hr_employee_id, r.manager_hr_id",
        {import_id_});
    if (!rejected.ok()) return rejected.status();
    if (rejected->rows() == 0) return absl::OkStatus();
    for (int i = 0; i < rejected->rows(); ++i) {
      Fail(RowError(
          rejected->Int(i, 0), std::string(rejected->Text(i, 1)), "manager_id", "exists",
          "no person with employee id " + std::string(rejected->Text(i, 2)) + " in the file or the directory"));
    }
  }
}

absl::Status HrImporter::RejectManagerCycles() {
  // Walk up from every staged row; the managers that the file states win over the stored
  // ones. A row whose walk returns to itself is in a cycle.
  auto cycles = pool_.Exec(
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
      "SELECT DISTINCT r.line, r.hr_employee_id FROM walk w JOIN import_rows r"
      "  ON r.import_id = $1 AND r.hr_employee_id = w.start WHERE w.cur = w.start",
      {import_id_});
  if (!cycles.ok()) return cycles.status();
  std::vector<std::string> in_cycle;
  for (int i = 0; i < cycles->rows(); ++i) {
    in_cycle.emplace_back(cycles->Text(i, 1));
    Fail(RowError(cycles->Int(i, 0), in_cycle.back(), "manager_id", "no_cycle",
                  "the reporting line loops back to this person"));
  }
  if (in_cycle.empty()) return absl::OkStatus();
  return pool_
      .Exec("DELETE FROM import_rows WHERE import_id = $1 AND hr_employee_id = ANY($2::text[])",
            {import_id_, pg::Param::TextArray(in_cycle)})
      .status();
}

absl::Status HrImporter::ApplyBatch(const pg::Result& rows, bool one_transaction) {
  // Columns: line, hr id, staged document, person id, manager person id, existing document.
  std::vector<Person> changed_people;  // for the cache; new people are not cached yet, so need nothing
  std::vector<Person> new_people;
  int64_t updated = 0, unchanged = 0, deactivated = 0;
  const auto apply_row = [&](pg::Transaction& txn, int i) -> absl::Status {
    Person staged;
    staged.ParseFromString(rows.Bytes(i, 2));
    staged.set_manager_id(rows.IsNull(i, 4) ? "" : std::string(rows.Text(i, 4)));
    if (rows.IsNull(i, 5)) {
      staged.set_person_id(std::string(rows.Text(i, 3)));
      new_people.push_back(std::move(staged));  // written together at the end of the batch
      return absl::OkStatus();
    }
    // Read again under the row lock: the batch was read outside this transaction, and an
    // edit committed since must be built upon, not overwritten.
    auto current = PersonStore::GetForUpdate(txn, std::string(rows.Text(i, 3)));
    if (!current.ok()) return current.status();
    if (!current->has_value()) return errors::NotFound("person", std::string(rows.Text(i, 3)));
    const Person before = **current;
    Person after = before;
    ApplyHrFields(staged, after);
    auto changed = WritePersonChange(txn, before, after, write_context_);
    if (!changed.ok()) return changed.status();
    if (!*changed) {
      ++unchanged;
      return absl::OkStatus();
    }
    ++updated;
    if (after.employment_status() == common::v1::EMPLOYMENT_STATUS_DEPARTED &&
        before.employment_status() != common::v1::EMPLOYMENT_STATUS_DEPARTED) {
      ++deactivated;
    }
    changed_people.push_back(std::move(after));
    return absl::OkStatus();
  };
  const auto reset = [&] {
    changed_people.clear();
    new_people.clear();
    updated = unchanged = deactivated = 0;
  };

  int64_t created = 0;
  if (one_transaction) {
    auto status = pool_.InTransaction([&](pg::Transaction& txn) -> absl::Status {
      reset();
      for (int i = 0; i < rows.rows(); ++i) {
        if (auto row = apply_row(txn, i); !row.ok()) return row;
      }
      return WriteNewPeople(txn, new_people, write_context_);
    });
    if (!status.ok()) return status;
    created = static_cast<int64_t>(new_people.size());
  } else {
    // One row at a time, so one bad row (e.g. an HR id taken meanwhile) fails alone.
    reset();
    for (int i = 0; i < rows.rows(); ++i) {
      const size_t changed_before = changed_people.size();
      auto status = pool_.InTransaction([&](pg::Transaction& txn) -> absl::Status {
        new_people.clear();
        changed_people.resize(changed_before);
        if (auto row = apply_row(txn, i); !row.ok()) return row;
        return WriteNewPeople(txn, new_people, write_context_);
      });
      if (status.ok()) {
        created += static_cast<int64_t>(new_people.size());
        continue;
      }
      changed_people.resize(changed_before);
      if (status.code() == absl::StatusCode::kUnavailable) return status;
      Fail(RowError(rows.Int(i, 0), std::string(rows.Text(i, 1)), "",
                    status.code() == absl::StatusCode::kAlreadyExists ? "unique" : "rejected",
                    std::string(status.message())));
    }
  }
  report_.set_created(report_.created() + created);
  report_.set_updated(report_.updated() + updated);
  report_.set_unchanged(report_.unchanged() + unchanged);
  report_.set_deactivated(report_.deactivated() + deactivated);
  for (const auto& person : changed_people) app_.CacheWrite(person);
  return absl::OkStatus();
}

absl::Status HrImporter::ApplyStaged() {
  // New people got their ids at staging; known HR ids keep the person they name.
  auto matched = pool_.Exec(
      "UPDATE import_rows r SET person_id = p.person_id FROM people p "
      "WHERE r.import_id = $1 AND p.hr_employee_id = r.hr_employee_id AND NOT p.erased",
      {import_id_});
  if (!matched.ok()) return matched.status();
  int64_t after_line = 0;
  while (true) {
    auto rows = pool_.Exec(
        "SELECT r.line, r.hr_employee_id, r.document, r.person_id, COALESCE(mr.person_id, mp.person_id), p.document "
        "FROM import_rows r "
        "LEFT JOIN import_rows mr ON mr.import_id = r.import_id AND mr.hr_employee_id = r.manager_hr_id "
        "LEFT JOIN people mp ON mp.hr_employee_id = r.manager_hr_id AND NOT mp.erased "
        "LEFT JOIN people p ON p.person_id = r.person_id "
        "WHERE r.import_id = $1 AND r.line > $2 ORDER BY r.line LIMIT $3",
        {import_id_, after_line, kApplyBatch});
    if (!rows.ok()) return rows.status();
    if (rows->rows() == 0) return absl::OkStatus();
    after_line = rows->Int(rows->rows() - 1, 0);
    auto status = ApplyBatch(*rows, /*one_transaction=*/true);
    if (!status.ok() && status.code() != absl::StatusCode::kUnavailable) {
      status = ApplyBatch(*rows, /*one_transaction=*/false);
    }
    if (!status.ok()) return status;
  }
}

absl::Status HrImporter::DeactivateAbsent() {
  while (true) {
    std::vector<Person> written;
    int64_t count = 0;
    auto status = pool_.InTransaction([&](pg::Transaction& txn) -> absl::Status {
      written.clear();
      count = 0;
      auto rows = txn.Exec(
          "SELECT p.document FROM people p WHERE NOT p.erased AND p.employment_status <> $2 "
          "AND NOT EXISTS (SELECT 1 FROM import_rows r WHERE r.import_id = $1 AND r.hr_employee_id = p.hr_employee_id) "
          "ORDER BY p.person_id LIMIT $3 FOR UPDATE",
          {import_id_, static_cast<int>(common::v1::EMPLOYMENT_STATUS_DEPARTED), kApplyBatch});
      if (!rows.ok()) return rows.status();
      for (int i = 0; i < rows->rows(); ++i) {
        Person before;
        before.ParseFromString(rows->Bytes(i, 0));
        Person after = before;
        after.set_employment_status(common::v1::EMPLOYMENT_STATUS_DEPARTED);
        auto changed = WritePersonChange(txn, before, after, write_context_);
        if (!changed.ok()) return changed.status();
        ++count;
        written.push_back(std::move(after));
      }
      return absl::OkStatus();
    });
    if (!status.ok()) return status;
    report_.set_deactivated(report_.deactivated() + count);
    for (const auto& person : written) app_.CacheWrite(person);
    if (count < kApplyBatch) return absl::OkStatus();
  }
}

absl::StatusOr<v1::ImportReport> HrImporter::Finish() {
  absl::Time phase_start = absl::Now();
  const auto phase = [&](const char* name) {
    spdlog::info("HR import {}: {} took {} ms", import_id_, name, absl::ToInt64Milliseconds(absl::Now() - phase_start));
    phase_start = absl::Now();
  };
  reader_.Finish(records_);
  if (auto status = AddChunk({}); !status.ok()) return status;
  if (auto status = StagePending(); !status.ok()) return status;
  phase("staging the rest");
  if (auto status = RejectUnresolvableManagers(); !status.ok()) return status;
  if (auto status = RejectManagerCycles(); !status.ok()) return status;
  if (auto status = RejectUnresolvableManagers(); !status.ok()) return status;  // reports of rejected people
  phase("resolving managers");
  if (auto status = ApplyStaged(); !status.ok()) return status;
  phase("applying");
  if (options_.full_sync()) {
    // A file with no valid row would deactivate everyone: refuse rather than guess.
    if (report_.rows() - report_.failed() <= 0) {
      return errors::FailedPrecondition("EMPTY_FULL_SYNC", "a full sync needs at least one valid row");
    }
    // A rejected row's person is in the file, just not readable: deactivating them (and
    // whoever reports to them) for a typo would be wrong. Nobody is deactivated until the
    // file imports cleanly.
    if (report_.failed() == 0) {
      if (auto status = DeactivateAbsent(); !status.ok()) return status;
    } else {
      spdlog::warn("HR import {}: {} rows failed, so the full sync deactivated nobody", import_id_, report_.failed());
      report_.set_full_sync_skipped(true);
    }
  }
  spdlog::info("HR import {} from '{}': {} rows, {} created, {} updated, {} unchanged, {} deactivated, {} failed",
               import_id_, options_.source(), report_.rows(), report_.created(), report_.updated(), report_.unchanged(),
               report_.deactivated(), report_.failed());
  return report_;
}

}  // namespace mentoring::profiles
