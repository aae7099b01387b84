#include "mentorship_store.h"

namespace mentoring::profiles {
namespace {

constexpr char kMentoredBy[] =
    "SELECT mentee_id::text, unnest(focus_areas) FROM mentorships "
    "WHERE mentor_id = $1::uuid AND mentee_id = ANY($2::uuid[])";
constexpr char kOpen[] =
    "INSERT INTO mentorships (relationship_id, mentee_id, mentor_id, focus_areas) VALUES ($1, $2, $3, $4::int[]) "
    "ON CONFLICT (relationship_id) DO NOTHING";
constexpr char kCover[] = "UPDATE mentorships SET focus_areas = $2::int[] WHERE relationship_id = $1";
constexpr char kEnd[] = "DELETE FROM mentorships WHERE relationship_id = $1";
constexpr char kForget[] = "DELETE FROM mentorships WHERE mentee_id = $1 OR mentor_id = $1";

pg::Param Areas(const FocusAreas& areas) {
  return pg::Param::BigintArray(std::vector<int64_t>(areas.begin(), areas.end()));
}

}  // namespace

absl::StatusOr<MentoredAreas> MentorshipStore::MentoredBy(const std::string& mentor_id,
                                                          const std::vector<std::string>& mentee_ids) {
  auto rows = pool_.Exec(kMentoredBy, {mentor_id, pg::Param::TextArray(mentee_ids)});
  if (!rows.ok()) return rows.status();
  MentoredAreas mentored;
  for (int i = 0; i < rows->rows(); ++i) {
    mentored[std::string(rows->Text(i, 0))].push_back(static_cast<common::v1::FocusArea>(rows->Int(i, 1)));
  }
  return mentored;
}

absl::Status MentorshipStore::Open(pg::Transaction& txn, const std::string& relationship_id,
                                   const std::string& mentee_id, const std::string& mentor_id,
                                   const FocusAreas& areas) {
  return txn.Exec(kOpen, {relationship_id, mentee_id, mentor_id, Areas(areas)}).status();
}

absl::Status MentorshipStore::Cover(pg::Transaction& txn, const std::string& relationship_id, const FocusAreas& areas) {
  return txn.Exec(kCover, {relationship_id, Areas(areas)}).status();
}

absl::Status MentorshipStore::End(pg::Transaction& txn, const std::string& relationship_id) {
  return txn.Exec(kEnd, {relationship_id}).status();
}

absl::Status MentorshipStore::Forget(pg::Transaction& txn, const std::string& person_id) {
  return txn.Exec(kForget, {person_id}).status();
}

}  // namespace mentoring::profiles
