#include "programme_store.h"

#include "mentoring/runtime/errors.h"

namespace mentoring::matching {
namespace {

constexpr char kAll[] = "SELECT body FROM programmes ORDER BY created_at, programme_id";
constexpr char kRosterVersion[] = "SELECT roster_version FROM programmes WHERE programme_id = $1";
constexpr char kBumpRoster[] = "UPDATE programmes SET roster_version = roster_version + 1 WHERE programme_id = $1";

}  // namespace

ProgrammeStore::ProgrammeStore()
    : DocumentTable({.table = "programmes",
                     .what = "programme",
                     .key_column = "programme_id",
                     .key = [](const v1::Programme& p) { return p.programme_id(); },
                     .version = [](const v1::Programme& p) { return p.version(); },
                     .columns = {},
                     .insert_only = {"created_at"}}) {}

absl::StatusOr<std::vector<v1::Programme>> ProgrammeStore::All(pg::Executor& db) const { return Many(db, kAll); }

absl::StatusOr<int64_t> ProgrammeStore::RosterVersion(pg::Executor& db, const std::string& programme_id) const {
  auto rows = db.Exec(kRosterVersion, {programme_id});
  if (!rows.ok()) return rows.status();
  if (rows->rows() == 0) return errors::NotFound("programme", programme_id);
  return rows->Int(0, 0);
}

absl::Status ProgrammeStore::BumpRoster(pg::Executor& db, const std::string& programme_id) const {
  return db.Exec(kBumpRoster, {programme_id}).status();
}

}  // namespace mentoring::matching
