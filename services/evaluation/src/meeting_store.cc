#include "meeting_store.h"

namespace mentoring::evaluation {
namespace {

constexpr char kRecord[] =
    "INSERT INTO meetings (meeting_id, relationship_id, series_id, occurrence, outcome, happened_at, sequence) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (meeting_id) DO UPDATE SET outcome = EXCLUDED.outcome, "
    "occurrence = EXCLUDED.occurrence, happened_at = EXCLUDED.happened_at, sequence = EXCLUDED.sequence "
    "WHERE meetings.sequence < EXCLUDED.sequence";
constexpr char kOfRelationship[] =
    "SELECT meeting_id, occurrence, outcome FROM meetings WHERE relationship_id = $1 ORDER BY occurrence, meeting_id";
constexpr char kFind[] =
    "SELECT meeting_id, occurrence, outcome, relationship_id, series_id, "
    "(extract(epoch FROM happened_at) * 1000000)::bigint, sequence FROM meetings WHERE meeting_id = $1";

}  // namespace

absl::StatusOr<bool> MeetingStore::Record(pg::Executor& db, const MeetingRow& row) const {
  auto written = db.Exec(kRecord, {row.meeting.meeting_id, row.relationship_id, row.series_id, row.meeting.occurrence,
                                   static_cast<int>(row.meeting.outcome), Rfc3339(row.happened_at), row.sequence});
  if (!written.ok()) return written.status();
  return written->affected() == 1;
}

absl::StatusOr<std::vector<Meeting>> MeetingStore::OfRelationship(pg::Executor& db,
                                                                  const std::string& relationship_id) const {
  auto rows = db.Exec(kOfRelationship, {relationship_id});
  if (!rows.ok()) return rows.status();
  std::vector<Meeting> meetings;
  for (int i = 0; i < rows->rows(); ++i) {
    meetings.push_back({std::string(rows->Text(i, 0)), static_cast<int>(rows->Int(i, 1)),
                        static_cast<MeetingOutcome>(rows->Int(i, 2))});
  }
  return meetings;
}

absl::StatusOr<std::optional<MeetingRow>> MeetingStore::Find(pg::Executor& db, const std::string& meeting_id) const {
  auto rows = db.Exec(kFind, {meeting_id});
  if (!rows.ok()) return rows.status();
  if (rows->rows() == 0) return std::optional<MeetingRow>();
  MeetingRow row;
  row.meeting = {std::string(rows->Text(0, 0)), static_cast<int>(rows->Int(0, 1)),
                 static_cast<MeetingOutcome>(rows->Int(0, 2))};
  row.relationship_id = std::string(rows->Text(0, 3));
  row.series_id = std::string(rows->Text(0, 4));
  row.happened_at = absl::FromUnixMicros(rows->Int(0, 5));
  row.sequence = rows->Int(0, 6);
  return std::optional<MeetingRow>(std::move(row));
}

}  // namespace mentoring::evaluation
