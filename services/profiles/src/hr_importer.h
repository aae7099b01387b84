#pragma once
// HR sync: an export streamed in chunks is parsed, checked row by row and staged in
// PostgreSQL, so memory holds one batch whatever the file size. At the end, managers are
// resolved (unknown ones and cycles become row errors), people are created or updated by
// HR employee id in batches with their events, and a full sync deactivates everyone the
// file no longer lists. Importing the same file twice changes and publishes nothing.
#include <absl/status/statusor.h>

#include <string>
#include <vector>

#include "hr_import_format.h"
#include "mentoring/runtime/clock.h"
#include "mentoring/runtime/postgres.h"
#include "person_writes.h"

namespace mentoring::profiles {

class ProfilesApp;

class HrImporter {
 public:
  HrImporter(pg::Pool& pool, ProfilesApp& app, const Clock& clock, v1::ImportOptions options, std::string traceparent);
  ~HrImporter();

  // Parses `data` and stages every complete row.
  absl::Status AddChunk(std::string_view data);
  // Stages the rest, applies everything, and reports.
  absl::StatusOr<v1::ImportReport> Finish();

 private:
  void Fail(v1::ImportRowError error);
  void Fail(const HrRow& row, const std::string& field, const std::string& rule, const std::string& description);
  absl::Status StagePending();
  absl::Status RejectUnresolvableManagers();
  absl::Status RejectManagerCycles();
  absl::Status ApplyStaged();
  absl::Status ApplyBatch(const pg::Result& rows, bool one_transaction);
  absl::Status DeactivateAbsent();

  pg::Pool& pool_;
  ProfilesApp& app_;
  const Clock& clock_;
  v1::ImportOptions options_;
  WriteContext write_context_;
  std::string import_id_;
  ImportRecordReader reader_;
  std::vector<ImportRecord> records_;
  std::vector<HrRow> pending_;
  v1::ImportReport report_;
};

}  // namespace mentoring::profiles
