#include "enrollment_store.h"

#include "mentoring/runtime/store.h"

namespace mentoring::matching {
namespace {

constexpr char kSave[] =
    "INSERT INTO enrollments (programme_id, person_id, role, body) VALUES ($1, $2, $3, $4) "
    "ON CONFLICT (programme_id, person_id, role) DO UPDATE SET body = EXCLUDED.body";
constexpr char kDelete[] = "DELETE FROM enrollments WHERE programme_id = $1 AND person_id = $2 AND role = $3";
constexpr char kOfProgramme[] =
    "SELECT body FROM enrollments WHERE programme_id = $1 AND ($2 = 0 OR role = $2) ORDER BY role, person_id";
// Pages by (role, person_id).
constexpr char kPageOfProgramme[] =
    "SELECT body, role::bigint, person_id FROM enrollments WHERE programme_id = $1 AND ($2 = 0 OR role = $2) "
    "AND ($3::bigint IS NULL OR (role, person_id) > ($3::smallint, $4)) ORDER BY role, person_id LIMIT $5";
constexpr char kFind[] = "SELECT body FROM enrollments WHERE programme_id = $1 AND person_id = $2 AND role = $3";
constexpr char kDeleteAllOf[] = "DELETE FROM enrollments WHERE person_id = $1 RETURNING programme_id";

constexpr char kWhat[] = "enrollment";

}  // namespace

absl::Status EnrollmentStore::Save(pg::Executor& db, const v1::Enrollment& enrollment) const {
  return db
      .Exec(kSave, {enrollment.programme_id(), enrollment.person_id(), static_cast<int>(enrollment.role()),
                    pg::Param::Bytes(enrollment.SerializeAsString())})
      .status();
}

absl::StatusOr<bool> EnrollmentStore::Delete(pg::Executor& db, const std::string& programme_id,
                                             const std::string& person_id, v1::ParticipantRole role) const {
  auto deleted = db.Exec(kDelete, {programme_id, person_id, static_cast<int>(role)});
  if (!deleted.ok()) return deleted.status();
  return deleted->affected() > 0;
}

absl::StatusOr<std::vector<v1::Enrollment>> EnrollmentStore::OfProgramme(pg::Executor& db,
                                                                         const std::string& programme_id,
                                                                         v1::ParticipantRole role) const {
  auto rows = db.Exec(kOfProgramme, {programme_id, static_cast<int>(role)});
  if (!rows.ok()) return rows.status();
  return pg::ParseColumnRows<v1::Enrollment>(*rows, 0, kWhat);
}

absl::StatusOr<Page<v1::Enrollment>> EnrollmentStore::PageOfProgramme(pg::Executor& db, const std::string& programme_id,
                                                                      v1::ParticipantRole role,
                                                                      const std::optional<PageKey>& after,
                                                                      int size) const {
  auto rows = db.Exec(kPageOfProgramme, pg::PageParams({programme_id, static_cast<int>(role)}, after, size));
  if (!rows.ok()) return rows.status();
  return pg::PageOfRows<v1::Enrollment>(*rows, size, kWhat);
}

absl::StatusOr<std::optional<v1::Enrollment>> EnrollmentStore::Find(pg::Executor& db, const std::string& programme_id,
                                                                    const std::string& person_id,
                                                                    v1::ParticipantRole role) const {
  auto rows = db.Exec(kFind, {programme_id, person_id, static_cast<int>(role)});
  if (!rows.ok()) return rows.status();
  if (rows->rows() == 0) return std::optional<v1::Enrollment>();
  auto enrollment = pg::ParseColumn<v1::Enrollment>(*rows, 0, 0, kWhat);
  if (!enrollment.ok()) return enrollment.status();
  return std::optional<v1::Enrollment>(std::move(*enrollment));
}

absl::StatusOr<std::vector<std::string>> EnrollmentStore::DeleteAllOf(pg::Executor& db,
                                                                      const std::string& person_id) const {
  auto rows = db.Exec(kDeleteAllOf, {person_id});
  if (!rows.ok()) return rows.status();
  std::vector<std::string> programmes;
  for (int i = 0; i < rows->rows(); ++i) programmes.emplace_back(rows->Text(i, 0));
  return programmes;
}

}  // namespace mentoring::matching
