#pragma once
// Persistence of enrollments: the only code that knows the enrollments table, one row per
// programme, person and role. Callers bump the programme's roster version beside each
// change (ProgrammeStore::BumpRoster), in the same transaction.
#include <absl/status/statusor.h>

#include <optional>
#include <string>
#include <vector>

#include "mentoring/matching/v1/matching.pb.h"
#include "mentoring/runtime/store.h"

namespace mentoring::matching {

class EnrollmentStore {
 public:
  // Inserts or replaces the person's enrollment in that role.
  absl::Status Save(pg::Executor& db, const v1::Enrollment& enrollment) const;
  // False when there was no such enrollment.
  absl::StatusOr<bool> Delete(pg::Executor& db, const std::string& programme_id, const std::string& person_id,
                              v1::ParticipantRole role) const;
  // The programme's enrollments in `role` (UNSPECIFIED: every role), by role then person id.
  absl::StatusOr<std::vector<v1::Enrollment>> OfProgramme(pg::Executor& db, const std::string& programme_id,
                                                          v1::ParticipantRole role) const;
  // The same, a page of `size` after `after`.
  absl::StatusOr<Page<v1::Enrollment>> PageOfProgramme(pg::Executor& db, const std::string& programme_id,
                                                       v1::ParticipantRole role, const std::optional<PageKey>& after,
                                                       int size) const;
  absl::StatusOr<std::optional<v1::Enrollment>> Find(pg::Executor& db, const std::string& programme_id,
                                                     const std::string& person_id, v1::ParticipantRole role) const;
  // Deletes every enrollment of the person; returns the programmes they were enrolled in
  // (once per role).
  absl::StatusOr<std::vector<std::string>> DeleteAllOf(pg::Executor& db, const std::string& person_id) const;
};

}  // namespace mentoring::matching
