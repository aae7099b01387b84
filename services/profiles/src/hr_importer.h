#pragma once
// HR sync: an export streamed in chunks is parsed, checked row by row and staged in
// PostgreSQL, so memory holds one batch whatever the file size. At the end, managers are
// resolved (unknown ones and cycles become row errors), people are created or updated by
// HR employee id in batches with their events, and a full sync deactivates everyone the
// file no longer lists. Importing the same file twice changes and publishes nothing.
#include <absl/status/statusor.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "hr_import_format.h"
#include "import_store.h"
#include "mentoring/runtime/clock.h"
#include "mentoring/runtime/postgres.h"
#include "mentoring/runtime/streams.h"
#include "person_writes.h"

namespace mentoring::profiles {

class ProfilesApp;

class HrImporter {
 public:
  HrImporter(pg::Pool& pool, ProfilesApp& app, const Clock& clock, v1::ImportOptions options, std::string traceparent);
  ~HrImporter();  // drops the staged rows, whatever happened

  // Parses `data` and stages every complete row.
  absl::Status AddChunk(std::string_view data);
  // Stages the rest, applies everything, and reports.
  absl::StatusOr<v1::ImportReport> Finish();

 private:
  // What applying a batch of rows did; added to the report only once its writes committed.
  struct Applied {
    int64_t created = 0, updated = 0, unchanged = 0, deactivated = 0;
    std::vector<Person> changed;  // for the cache (new people are not cached yet)
  };
  void Fail(v1::ImportRowError error);
  void Fail(const HrRow& row, const std::string& field, const std::string& rule, const std::string& description);
  void Count(const Applied& applied);
  absl::Status StagePending();
  absl::Status RejectUnresolvableManagers();
  absl::Status RejectManagerCycles();
  absl::Status ReportRejections();
  // Applies rows in one transaction that also records a token, and counts them once it
  // knows they committed (asking for the token when the COMMIT's answer was lost).
  absl::Status ApplyAndCount(const std::vector<ResolvedRow>& rows);
  absl::Status ApplyStaged();
  absl::Status ApplyOneByOne(const std::vector<ResolvedRow>& rows);
  // The batch's known people, read and locked in its transaction, by person id.
  using Locked = std::map<std::string, Person>;
  absl::Status ApplyRow(pg::Transaction& txn, const ResolvedRow& row, const Locked& locked, Applied& applied,
                        std::vector<Person>& created);
  absl::Status DeactivateAbsent();
  // Whether the transaction that wrote these people (each at its new version) committed.
  absl::StatusOr<bool> Committed(const std::vector<Person>& written);

  pg::Pool& pool_;
  ProfilesApp& app_;
  const Clock& clock_;
  v1::ImportOptions options_;
  WriteContext write_context_;
  std::string import_id_;
  ImportStore store_;
  ImportRecordReader reader_;
  std::vector<ImportRecord> records_;
  std::vector<HrRow> pending_;
  v1::ImportReport report_;
};

// The ImportPeople stream: the first message carries the options, every later one a chunk
// of the file. Destroyed without Finish (a cancelled upload), it applies nothing.
class HrImportUpload final : public StreamSink<v1::ImportPeopleChunk, v1::ImportReport> {
 public:
  HrImportUpload(pg::Pool& pool, ProfilesApp& app, const Clock& clock, std::string traceparent)
      : pool_(pool), app_(app), clock_(clock), traceparent_(std::move(traceparent)) {}
  absl::Status Take(const v1::ImportPeopleChunk& chunk) override;
  absl::StatusOr<v1::ImportReport> Finish() override;

 private:
  pg::Pool& pool_;
  ProfilesApp& app_;
  const Clock& clock_;
  std::string traceparent_;
  std::unique_ptr<HrImporter> importer_;
};

}  // namespace mentoring::profiles
