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
  // Removes and returns rows whose manager is neither in the file nor in the directory.
  absl::StatusOr<std::vector<RejectedRow>> RemoveUnresolvableManagers();
  // Rows whose reporting line (the file's managers over the directory's) loops back to them.
  absl::StatusOr<std::vector<RejectedRow>> FindManagerCycles();
  absl::Status Remove(const std::vector<std::string>& hr_employee_ids);
  // Gives rows whose HR id the directory knows that person's id.
  absl::Status MatchKnownPeople();
  // The next rows after `after_line`, in line order, at most `limit`.
  absl::StatusOr<std::vector<ResolvedRow>> NextRows(int64_t after_line, int limit);
  // Locks and returns people not in this import who are not departed yet, at most `limit`
  // (a full sync deactivates them).
  absl::StatusOr<std::vector<v1::Person>> AbsentPeopleForUpdate(pg::Transaction& txn, int limit);
  // Drops this import's staged rows.
  absl::Status Clear();

 private:
  pg::Pool& pool_;
  std::string import_id_;
};

}  // namespace mentoring::profiles
