#include "series_store.h"

#include "meeting_store.h"
#include "mentoring/runtime/proto_time.h"

namespace mentoring::scheduling {
namespace {

constexpr char kToExtend[] =
    "SELECT body FROM meeting_series WHERE state = 1 AND kind = 1 AND planned_through < $1::date "
    "ORDER BY planned_through LIMIT $2 FOR UPDATE SKIP LOCKED";
// Keyset paging on (created_at, series_id), newest first; the cursor is "<micros>/<id>".
constexpr char kOfRelationship[] =
    "SELECT body, (extract(epoch FROM created_at) * 1000000)::bigint FROM meeting_series WHERE relationship_id = $1 "
    "AND ($2 = '' OR (created_at, series_id) < (to_timestamp($3::bigint / 1000000.0), $4)) "
    "ORDER BY created_at DESC, series_id DESC LIMIT $5";
// The events of a series (the aggregate they are keyed by) are numbered in their own
// column, apart from the body's version, which guards concurrent edits of the series.
constexpr char kTakeSequences[] =
    "UPDATE meeting_series s SET event_sequence = s.event_sequence + c.n FROM unnest($1::text[], $2::int[]) "
    "AS c(id, n) WHERE s.series_id = c.id RETURNING s.series_id, s.event_sequence - c.n + 1";

}  // namespace

SeriesStore::SeriesStore()
    : DocumentTable(
          {.table = "meeting_series",
           .what = "meeting series",
           .key_column = "series_id",
           .key = [](const v1::MeetingSeries& s) { return s.series_id(); },
           .version = [](const v1::MeetingSeries& s) { return s.version(); },
           .columns = {{"relationship_id", [](const auto& s) { return pg::Param(s.relationship_id()); }},
                       {"kind", [](const auto& s) { return pg::Param(static_cast<int>(s.kind())); }, "smallint"},
                       {"state", [](const auto& s) { return pg::Param(static_cast<int>(s.state())); }, "smallint"},
                       // Only a series the window extender has work for carries the
                       // date (NULL: ended, fully planned, or without a time).
                       {"planned_through",
                        [](const v1::MeetingSeries& s) {
                          const bool more =
                              s.state() == v1::SERIES_STATE_ACTIVE && s.kind() == v1::SERIES_KIND_CADENCE &&
                              s.has_local_start_minute() && IsSet(s.planned_through()) &&
                              (!IsSet(s.end_date()) || FromDate(s.planned_through()) < FromDate(s.end_date()));
                          return more ? pg::Param(IsoDate(FromDate(s.planned_through()))) : pg::Param(nullptr);
                        },
                        "date"},
                       {"created_at", [](const auto& s) { return pg::Param(Rfc3339(FromTimestamp(s.created_at()))); },
                        "timestamptz"}}}) {}

absl::StatusOr<std::vector<v1::MeetingSeries>> SeriesStore::ToExtendForUpdate(pg::Transaction& txn,
                                                                              absl::CivilDay through, int limit) const {
  return Many(txn, kToExtend, {IsoDate(through), limit});
}

absl::StatusOr<std::vector<v1::MeetingSeries>> SeriesStore::OfRelationship(pg::Executor& db,
                                                                           const std::string& relationship_id,
                                                                           const std::string& after, int limit) const {
  std::string micros = "0", id;
  if (!after.empty()) {
    auto cursor = ParsePageCursor(after);
    if (!cursor.ok()) return cursor.status();
    micros = std::to_string(cursor->micros);
    id = cursor->id;
  }
  return Many(db, kOfRelationship, {relationship_id, after, micros, id, limit});
}

absl::StatusOr<std::map<std::string, int64_t>> SeriesStore::TakeSequences(pg::Transaction& txn,
                                                                          const std::map<std::string, int>& count) {
  std::vector<std::string> ids, counts;
  for (const auto& [id, n] : count) {
    ids.push_back(id);
    counts.push_back(std::to_string(n));
  }
  auto rows = txn.Exec(kTakeSequences, {pg::Param::TextArray(ids), pg::Param::TextArray(counts)});
  if (!rows.ok()) return rows.status();
  std::map<std::string, int64_t> first;
  for (int i = 0; i < rows->rows(); ++i) first[std::string(rows->Text(i, 0))] = rows->Int(i, 1);
  return first;
}

}  // namespace mentoring::scheduling
