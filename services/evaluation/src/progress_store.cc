#include "progress_store.h"

namespace mentoring::evaluation {
namespace {

constexpr char kInsert[] =
    "INSERT INTO goal_observations (observation_id, relationship_id, person_id, goal_id, progress_percent, status, "
    "evidence_note, recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
constexpr char kOfRelationship[] =
    "SELECT observation_id, relationship_id, person_id, goal_id, progress_percent, status, evidence_note, "
    "recorded_by, (extract(epoch FROM recorded_at) * 1000000)::bigint FROM goal_observations "
    "WHERE relationship_id = $1 AND ($2 = '' OR goal_id = $2) "
    "AND ((extract(epoch FROM recorded_at) * 1000000)::bigint, observation_id) > ($3, $4) "
    "ORDER BY recorded_at, observation_id LIMIT $5";
constexpr char kMeanLatest[] =
    "SELECT count(*), coalesce(round(avg(progress_percent)), 0)::bigint FROM (SELECT DISTINCT ON (goal_id) "
    "progress_percent FROM goal_observations WHERE relationship_id = $1 "
    "ORDER BY goal_id, recorded_at DESC, seq DESC) latest";
constexpr char kDeleteAllOf[] = "DELETE FROM goal_observations WHERE person_id = $1 OR recorded_by = $1";

}  // namespace

absl::Status ProgressStore::Insert(pg::Executor& db, const v1::GoalProgress& o) const {
  return db
      .Exec(kInsert,
            {o.observation_id(), o.relationship_id(), o.person_id(), o.goal_id(), o.progress_percent(),
             static_cast<int>(o.status()), o.evidence_note(), o.recorded_by(), Rfc3339(FromTimestamp(o.recorded_at()))})
      .status();
}

absl::StatusOr<std::vector<v1::GoalProgress>> ProgressStore::OfRelationship(pg::Executor& db,
                                                                            const std::string& relationship_id,
                                                                            const std::string& goal_id,
                                                                            const std::optional<PageKey>& after,
                                                                            int limit) const {
  auto rows = db.Exec(kOfRelationship,
                      {relationship_id, goal_id, after ? after->key : int64_t{-1}, after ? after->id : "", limit});
  if (!rows.ok()) return rows.status();
  std::vector<v1::GoalProgress> out;
  for (int i = 0; i < rows->rows(); ++i) {
    v1::GoalProgress& o = out.emplace_back();
    o.set_observation_id(std::string(rows->Text(i, 0)));
    o.set_relationship_id(std::string(rows->Text(i, 1)));
    o.set_person_id(std::string(rows->Text(i, 2)));
    o.set_goal_id(std::string(rows->Text(i, 3)));
    o.set_progress_percent(static_cast<int32_t>(rows->Int(i, 4)));
    o.set_status(static_cast<common::v1::GoalStatus>(rows->Int(i, 5)));
    o.set_evidence_note(std::string(rows->Text(i, 6)));
    o.set_recorded_by(std::string(rows->Text(i, 7)));
    SetTimestamp(o.mutable_recorded_at(), absl::FromUnixMicros(rows->Int(i, 8)));
  }
  return out;
}

absl::StatusOr<std::optional<int>> ProgressStore::MeanLatestProgress(pg::Executor& db,
                                                                     const std::string& relationship_id) const {
  auto rows = db.Exec(kMeanLatest, {relationship_id});
  if (!rows.ok()) return rows.status();
  if (rows->Int(0, 0) == 0) return std::optional<int>();
  return std::optional<int>(static_cast<int>(rows->Int(0, 1)));
}

absl::Status ProgressStore::DeleteAllOf(pg::Executor& db, const std::string& person_id) const {
  return db.Exec(kDeleteAllOf, {person_id}).status();
}

}  // namespace mentoring::evaluation
