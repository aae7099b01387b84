#include "hr_importer.h"

#include <absl/strings/escaping.h>
#include <absl/strings/str_cat.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <set>

#include "mentoring/runtime/errors.h"
#include "mentoring/runtime/ids.h"
#include "person_rules.h"
#include "profiles_app.h"

namespace mentoring::profiles {
namespace {

constexpr size_t kStageBatch = 1000;
constexpr int kApplyBatch = 500;
constexpr int kMaxReportedErrors = 1000;
// Times a batch (or row) is tried again when the connection went with its COMMIT and the
// staging table says it did not commit (each try is itself retried by the pool).
constexpr int kApplyAttempts = 3;

// A file that is not UTF-8 is refused whole: guessing its encoding would store misspelt
// names. Spreadsheets save UTF-8 when asked to ("CSV UTF-8"); their plain "CSV" is
// Windows-1252 (or another code page), which is what usually ends up here.
absl::Status NotUtf8(int64_t line) {
  return errors::InvalidArgument("file", "utf8",
                                 absl::StrCat("line ", line,
                                              " is not UTF-8 text (a spreadsheet's plain \"CSV\" is saved in a "
                                              "Windows code page): save the file as \"CSV UTF-8\" and import it "
                                              "again; nothing was imported"));
}

}  // namespace

HrImporter::HrImporter(pg::Pool& pool, ProfilesApp& app, const Clock& clock, v1::ImportOptions options,
                       std::string traceparent)
    : pool_(pool),
      app_(app),
      clock_(clock),
      options_(std::move(options)),
      write_context_{clock, std::move(traceparent), "hr_import"},
      import_id_(NewUuidV7(clock)),
      store_(pool, import_id_),
      reader_(options_.format()) {}

HrImporter::~HrImporter() {
  if (auto cleared = store_.Clear(); !cleared.ok()) {
    // Unlogged staging rows of a finished import; harmless, and gone at the next restart.
    spdlog::warn("HR import {}: staged rows not dropped: {}", import_id_, cleared.ToString());
  }
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
  if (const int64_t line = reader_.first_non_utf8_line(); line != 0) return NotUtf8(line);
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
  std::vector<StagedRow> rows;
  rows.reserve(pending_.size());
  for (auto& row : pending_) {
    rows.push_back(
        {row.hr_employee_id, row.line, row.manager_hr_id, NewUuidV7(clock_), row.person.SerializeAsString()});
  }
  auto staged = store_.Stage(rows);
  if (!staged.ok()) return staged.status();
  const std::set<int64_t> staged_lines(staged->begin(), staged->end());
  for (const auto& row : pending_) {
    if (!staged_lines.contains(row.line)) {
      Fail(row, "employee_id", "unique_in_file", "employee id " + row.hr_employee_id + " appears earlier in the file");
    }
  }
  pending_.clear();
  return absl::OkStatus();
}

absl::Status HrImporter::RejectUnresolvableManagers() {
  // Rejecting a new person can strand the people who report to them, so repeat until
  // nothing more is rejected. A pass repeated after a lost answer marks nothing twice.
  while (true) {
    auto rejected = store_.RejectUnresolvableManagers();
    if (!rejected.ok()) return rejected.status();
    if (*rejected == 0) return absl::OkStatus();
  }
}

absl::Status HrImporter::RejectManagerCycles() {
  auto cycles = store_.FindManagerCycles();
  if (!cycles.ok()) return cycles.status();
  std::vector<std::string> in_cycle;
  for (const auto& row : *cycles) in_cycle.push_back(row.hr_employee_id);
  if (in_cycle.empty()) return absl::OkStatus();
  return store_.Reject(in_cycle, "no_cycle");
}

absl::Status HrImporter::ReportRejections() {
  // Read once all are known, so each rejected row is counted once however often the
  // statements that marked them ran.
  const int room = std::max(0, kMaxReportedErrors - report_.errors_size());
  auto rejected = store_.Rejected(room);
  if (!rejected.ok()) return rejected.status();
  for (const auto& row : rejected->rows) {
    if (row.rule == "exists") {
      Fail(RowError(row.line, row.hr_employee_id, "manager_id", "exists",
                    "no person with employee id " + row.manager_hr_id + " in the file or the directory"));
    } else {
      Fail(RowError(row.line, row.hr_employee_id, "manager_id", row.rule,
                    "the reporting line loops back to this person"));
    }
  }
  const int64_t unlisted = rejected->total - static_cast<int64_t>(rejected->rows.size());
  if (unlisted > 0) {
    report_.set_failed(report_.failed() + unlisted);
    report_.set_errors_truncated(true);
  }
  return absl::OkStatus();
}

void HrImporter::Count(const Applied& applied) {
  report_.set_created(report_.created() + applied.created);
  report_.set_updated(report_.updated() + applied.updated);
  report_.set_unchanged(report_.unchanged() + applied.unchanged);
  report_.set_deactivated(report_.deactivated() + applied.deactivated);
  for (const auto& person : applied.changed) app_.CacheWrite(person);
}

absl::Status HrImporter::ApplyRow(pg::Transaction& txn, const ResolvedRow& row, const Locked& locked, Applied& applied,
                                  std::vector<Person>& created) {
  if (!row.exists) {
    created.push_back(row.staged);  // written together at the end of the batch
    return absl::OkStatus();
  }
  auto current = locked.find(row.staged.person_id());
  if (current == locked.end()) return errors::NotFound("person", row.staged.person_id());
  const Person& before = current->second;
  Person after = before;
  ApplyHrFields(row.staged, after);
  auto changed = WritePersonChange(txn, before, after, write_context_);
  if (!changed.ok()) return changed.status();
  if (!*changed) {
    ++applied.unchanged;
    return absl::OkStatus();
  }
  ++applied.updated;
  if (after.employment_status() == common::v1::EMPLOYMENT_STATUS_DEPARTED &&
      before.employment_status() != common::v1::EMPLOYMENT_STATUS_DEPARTED) {
    ++applied.deactivated;
  }
  applied.changed.push_back(std::move(after));
  return absl::OkStatus();
}

absl::Status HrImporter::ApplyAndCount(const std::vector<ResolvedRow>& rows) {
  for (int attempt = 1;; ++attempt) {
    const std::string token = NewUuidV7(clock_);
    Applied applied;
    auto status = pool_.InTransaction([&](pg::Transaction& txn) -> absl::Status {
      applied = {};  // a retried transaction counts from nothing again
      // Read again under the row locks, all in one statement: the batch was read outside
      // this transaction, and an edit committed since must be built upon, not overwritten.
      std::vector<std::string> known;
      for (const auto& row : rows) {
        if (row.exists) known.push_back(row.staged.person_id());
      }
      Locked locked;
      if (!known.empty()) {
        auto current = PersonStore::GetManyForUpdate(txn, known);
        if (!current.ok()) return current.status();
        for (auto& person : *current) locked.emplace(person.person_id(), std::move(person));
      }
      std::vector<Person> created;
      for (const auto& row : rows) {
        if (auto done = ApplyRow(txn, row, locked, applied, created); !done.ok()) return done;
      }
      applied.created = static_cast<int64_t>(created.size());
      if (auto written = WriteNewPeople(txn, created, write_context_); !written.ok()) return written;
      return store_.MarkCommitted(txn, token);
    });
    if (status.code() == absl::StatusCode::kUnavailable) {
      // The connection went, perhaps with the COMMIT: its token says whether it committed.
      // Counting on a guess would count the rows twice (apply them again) or not at all.
      auto committed = store_.Committed(token);
      if (!committed.ok()) return status;
      if (*committed) {
        spdlog::warn("HR import {}: lost the answer to a COMMIT that went through ({} rows)", import_id_, rows.size());
        status = absl::OkStatus();
      } else if (attempt < kApplyAttempts) {
        spdlog::warn("HR import {}: {} rows not applied, trying again: {}", import_id_, rows.size(), status.ToString());
        continue;
      }
    }
    if (status.ok()) Count(applied);
    return status;
  }
}

absl::Status HrImporter::ApplyOneByOne(const std::vector<ResolvedRow>& rows) {
  // One row at a time, so one bad row (e.g. an HR id taken meanwhile) fails alone.
  for (const auto& row : rows) {
    auto status = ApplyAndCount({row});
    if (status.ok()) continue;
    if (status.code() == absl::StatusCode::kUnavailable) return status;
    Fail(RowError(row.line, row.hr_employee_id, "",
                  status.code() == absl::StatusCode::kAlreadyExists ? "unique" : "rejected",
                  std::string(status.message())));
  }
  return absl::OkStatus();
}

absl::Status HrImporter::ApplyStaged() {
  if (auto matched = store_.MatchKnownPeople(); !matched.ok()) return matched;
  int64_t after_line = 0;
  while (true) {
    auto rows = store_.NextRows(after_line, kApplyBatch);
    if (!rows.ok()) return rows.status();
    if (rows->empty()) return absl::OkStatus();
    after_line = rows->back().line;
    auto status = ApplyAndCount(*rows);
    if (!status.ok() && status.code() != absl::StatusCode::kUnavailable) status = ApplyOneByOne(*rows);
    if (!status.ok()) return status;
  }
}

absl::StatusOr<bool> HrImporter::Committed(const std::vector<Person>& written) {
  std::vector<std::string> ids;
  for (const auto& person : written) ids.push_back(person.person_id());
  auto stored = PersonStore(pool_).GetMany(ids);
  if (!stored.ok()) return stored.status();
  std::map<std::string, const Person*> by_id;
  for (const auto& person : *stored) by_id[person.person_id()] = &person;
  size_t matching = 0;
  for (const auto& person : written) {
    auto it = by_id.find(person.person_id());
    if (it != by_id.end() && it->second->version() >= person.version() &&
        it->second->employment_status() == person.employment_status()) {
      ++matching;
    }
  }
  if (matching == 0) return false;
  if (matching == written.size()) return true;
  return absl::InternalError("a transaction's people written in part");
}

absl::Status HrImporter::DeactivateAbsent() {
  int lost = 0;  // batches in a row that did not commit for a lost connection
  while (true) {
    Applied applied;
    int64_t seen = 0;
    auto status = pool_.InTransaction([&](pg::Transaction& txn) -> absl::Status {
      applied = {};
      auto absent = store_.AbsentPeopleForUpdate(txn, kApplyBatch);
      if (!absent.ok()) return absent.status();
      seen = static_cast<int64_t>(absent->size());
      for (const Person& before : *absent) {
        Person after = before;
        after.set_employment_status(common::v1::EMPLOYMENT_STATUS_DEPARTED);
        auto changed = WritePersonChange(txn, before, after, write_context_);
        if (!changed.ok()) return changed.status();
        ++applied.deactivated;
        applied.changed.push_back(std::move(after));
      }
      return absl::OkStatus();
    });
    if (status.code() == absl::StatusCode::kUnavailable && !applied.changed.empty()) {
      // The connection went, perhaps with the COMMIT: the people say whether it committed
      // (if not, the next pass finds them absent again).
      auto committed = Committed(applied.changed);
      if (!committed.ok()) return status;
      if (!*committed && ++lost < kApplyAttempts) continue;
      if (!*committed) return status;
      spdlog::warn("HR import {}: lost the answer to a COMMIT that went through ({} people)", import_id_, seen);
      status = absl::OkStatus();
    }
    if (!status.ok()) return status;
    lost = 0;
    Count(applied);
    if (seen < kApplyBatch) return absl::OkStatus();
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
  if (auto status = store_.RefreshStatistics(); !status.ok()) return status;
  phase("staging the rest");
  if (auto status = RejectUnresolvableManagers(); !status.ok()) return status;
  if (auto status = RejectManagerCycles(); !status.ok()) return status;
  if (auto status = RejectUnresolvableManagers(); !status.ok()) return status;  // reports of rejected people
  if (auto status = ReportRejections(); !status.ok()) return status;
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

absl::Status HrImportUpload::Take(const v1::ImportPeopleChunk& chunk) {
  if (!importer_) {
    if (!chunk.has_options()) {
      return errors::InvalidArgument("options", "first", "the first message must carry the import options");
    }
    if (chunk.options().format() == v1::IMPORT_FORMAT_UNSPECIFIED) {
      return errors::InvalidArgument("options.format", "required", "say CSV or JSON_LINES");
    }
    importer_ = std::make_unique<HrImporter>(pool_, app_, clock_, chunk.options(), traceparent_);
    return absl::OkStatus();
  }
  if (chunk.has_options()) return errors::InvalidArgument("options", "once", "options come only in the first message");
  return importer_->AddChunk(chunk.data());
}

absl::StatusOr<v1::ImportReport> HrImportUpload::Finish() {
  if (!importer_) return errors::InvalidArgument("options", "first", "the stream carried no options");
  auto report = importer_->Finish();
  importer_.reset();
  return report;
}

}  // namespace mentoring::profiles
