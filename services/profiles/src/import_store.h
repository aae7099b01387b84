#pragma once
// Persistence of an HR import in progress: the staging table (import_rows) and the reads
// that resolve staged rows against the directory. The only code that knows import_rows.
#include <absl/status/statusor.h>

#include <cstdint>
#include <string>
#include <vector>

#include "mentoring/profiles/v1/profiles.pb.h"
#include "mentoring/runtime/postgres.h"

namespace mentoring::profiles {

// A row to stage: the HR-owned fields as a Person, and the person id it gets if it is new.
struct StagedRow {
  std::string hr_employee_id;
  int64_t line = 0;
  std::string manager_hr_id;  // empty: at the top of the tree
  std::string new_person_id;
  std::string document;  // serialized Person
};

// A staged row that broke a rule found only once the whole file is staged.
struct RejectedRow {
  int64_t line = 0;
  std::string hr_employee_id;
  std::string manager_hr_id;
  std::string rule;  // "exists" or "no_cycle"; empty from FindManagerCycles
};

struct Rejections {
  std::vector<RejectedRow> rows;  // the first ones, in line order
  int64_t total = 0;
};

// A staged row ready to apply, with what the directory holds for it.
struct ResolvedRow {
  int64_t line = 0;
  std::string hr_employee_id;
  v1::Person staged;    // the HR fields, its person id and manager's person id resolved
  bool exists = false;  // a person with this HR id is in the directory
};

class ImportStore {
 public:
  ImportStore(pg::Pool& pool, std::string import_id) : pool_(pool), import_id_(std::move(import_id)) {}

  // Stages rows; returns the lines staged (a second row for an HR id already staged is not).
  absl::StatusOr<std::vector<int64_t>> Stage(const std::vector<StagedRow>& rows);
  // Brings the planner's statistics of the staging table up to date: call once the file is
  // staged, before the statements that join staged rows (between imports the table is empty).
  absl::Status RefreshStatistics();
  // Every write below is safe to repeat after a lost connection (Pool::Exec repeats it):
  // rows are marked, never deleted, and what was marked is read back, not returned.
  //
  // Marks rows whose manager is neither in the file (unrejected) nor in the directory
  // ("exists"); returns how many it marked this time.
  absl::StatusOr<int64_t> RejectUnresolvableManagers();
  // Unrejected rows whose reporting line (the file's managers over the directory's) loops
  // back to them.
  absl::StatusOr<std::vector<RejectedRow>> FindManagerCycles();
  // Marks these rows rejected by `rule` (those not rejected yet).
  absl::Status Reject(const std::vector<std::string>& hr_employee_ids, const std::string& rule);
  // The rejected rows, the first `limit` in line order, and their number.
  absl::StatusOr<Rejections> Rejected(int limit);
  // Gives rows whose HR id the directory knows that person's id.
  absl::Status MatchKnownPeople();
  // The next unrejected rows after `after_line`, in line order, at most `limit`.
  absl::StatusOr<std::vector<ResolvedRow>> NextRows(int64_t after_line, int limit);
  // Records `token` (unique to one try of one apply transaction) in that transaction.
  absl::Status MarkCommitted(pg::Transaction& txn, const std::string& token);
  // Whether the transaction that recorded `token` committed.
  absl::StatusOr<bool> Committed(const std::string& token);
  // Locks and returns people not in this import who are not departed yet, at most `limit`
  // (a full sync deactivates them).
  absl::StatusOr<std::vector<v1::Person>> AbsentPeopleForUpdate(pg::Transaction& txn, int limit);
  // Drops this import's staged rows and commit records.
  absl::Status Clear();

 private:
  pg::Pool& pool_;
  std::string import_id_;
};

}  // namespace mentoring::profiles
