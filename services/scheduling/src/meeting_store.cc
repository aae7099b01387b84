#include "meeting_store.h"

#include <absl/strings/numbers.h>
#include <absl/strings/str_cat.h>
#include <absl/strings/str_split.h>

#include "mentoring/runtime/errors.h"
#include "mentoring/runtime/proto_time.h"

namespace mentoring::scheduling {
namespace {

constexpr char kScheduledOfSeries[] =
    "SELECT body FROM meetings WHERE series_id = $1 AND state = 1 AND starts_at >= $2::timestamptz "
    "ORDER BY starts_at, meeting_id FOR UPDATE";
// Keyset paging on (starts_at, meeting_id); the cursor is "<micros since epoch>/<meeting id>".
constexpr char kPageTail[] =
    " AND starts_at >= $2::timestamptz AND starts_at < $3::timestamptz "
    "AND (cardinality($4::int[]) = 0 OR state = ANY($4::int[])) "
    "AND ($5::bigint IS NULL OR (starts_at, meeting_id) > (to_timestamp($5::bigint / 1000000.0), $6)) "
    "ORDER BY starts_at, meeting_id LIMIT $7";
constexpr char kMissedDue[] =
    "SELECT body FROM meetings WHERE state = 1 AND missed_at <= $1::timestamptz "
    "ORDER BY missed_at LIMIT $2 FOR UPDATE SKIP LOCKED";
constexpr char kAgendaDue[] =
    "SELECT body FROM meetings WHERE state = 1 AND agenda_pending AND agenda_due_at <= $1::timestamptz "
    "ORDER BY agenda_due_at LIMIT $2 FOR UPDATE SKIP LOCKED";
constexpr char kMissedBacklog[] =
    "SELECT count(*), coalesce(extract(epoch FROM min(missed_at))::bigint, 0) FROM meetings "
    "WHERE state = 1 AND missed_at <= $1::timestamptz";
constexpr char kBodiesOfRelationship[] = "SELECT body FROM meetings WHERE relationship_id = $1";

std::string PersonPageSql() {
  return absl::StrCat("SELECT body FROM meetings WHERE (organiser_id = $1 OR attendee_id = $1)", kPageTail);
}
std::string RelationshipPageSql() {
  return absl::StrCat("SELECT body FROM meetings WHERE relationship_id = $1", kPageTail);
}

std::string Cursor(const v1::Meeting& last) {
  return absl::StrCat(absl::ToUnixMicros(FromTimestamp(last.starts_at())), "/", last.meeting_id());
}

}  // namespace

MeetingStore::MeetingStore()
    : DocumentTable(
          {.table = "meetings",
           .what = "meeting",
           .key_column = "meeting_id",
           .key = [](const v1::Meeting& m) { return m.meeting_id(); },
           .version = [](const v1::Meeting& m) { return m.version(); },
           .columns =
               {{"series_id", [](const auto& m) { return pg::Param(m.series_id()); }},
                {"relationship_id", [](const auto& m) { return pg::Param(m.relationship_id()); }},
                {"organiser_id", [](const auto& m) { return pg::Param(m.organiser_id()); }},
                {"attendee_id", [](const auto& m) { return pg::Param(m.attendee_id()); }},
                {"state", [](const auto& m) { return pg::Param(static_cast<int>(m.state())); }, "smallint"},
                {"starts_at", [](const auto& m) { return pg::Param(Rfc3339(FromTimestamp(m.starts_at()))); },
                 "timestamptz"},
                {"missed_at", [](const auto& m) { return pg::Param(Rfc3339(FromTimestamp(m.missed_after()))); },
                 "timestamptz"},
                {"agenda_due_at", [](const auto& m) { return pg::Param(Rfc3339(FromTimestamp(m.agenda_due_at()))); },
                 "timestamptz"},
                {"agenda_pending",
                 [](const v1::Meeting& m) { return pg::Param(!m.has_agenda() && !m.agenda_missing_published()); },
                 "boolean"}}}) {}

absl::StatusOr<std::vector<v1::Meeting>> MeetingStore::ScheduledOfSeriesForUpdate(pg::Transaction& txn,
                                                                                  const std::string& series_id,
                                                                                  absl::Time from) const {
  return Many(txn, kScheduledOfSeries, {series_id, Rfc3339(from)});
}

namespace {

absl::StatusOr<MeetingPage> Page(absl::StatusOr<std::vector<v1::Meeting>> meetings, int limit) {
  if (!meetings.ok()) return meetings.status();
  MeetingPage page;
  if (static_cast<int>(meetings->size()) > limit) {
    meetings->resize(static_cast<size_t>(limit));
    page.next_cursor = Cursor(meetings->back());
  }
  page.meetings = std::move(*meetings);
  return page;
}

absl::StatusOr<pg::Params> PageParams(const std::string& who, absl::Time from, absl::Time to,
                                      const std::vector<int>& states, const std::string& cursor, int limit) {
  std::vector<std::string> state_texts;
  for (int state : states) state_texts.push_back(std::to_string(state));
  std::optional<std::string> micros, id;
  if (!cursor.empty()) {
    auto parsed = ParsePageCursor(cursor);
    if (!parsed.ok()) return parsed.status();
    micros = std::to_string(parsed->micros);
    id = parsed->id;
  }
  // One more than the page, to know whether another follows.
  return pg::Params{who, Rfc3339(from), Rfc3339(to), pg::Param::TextArray(state_texts), micros, id, limit + 1};
}

}  // namespace

absl::StatusOr<PageCursor> ParsePageCursor(const std::string& token) {
  std::vector<std::string> parts = absl::StrSplit(token, absl::MaxSplits('/', 1));
  PageCursor cursor;
  if (parts.size() != 2 || parts[1].empty() || !absl::SimpleAtoi(parts[0], &cursor.micros)) {
    return errors::InvalidArgument("page_token", "page_token", "pass back a next_page_token this list returned");
  }
  cursor.id = std::move(parts[1]);
  return cursor;
}

absl::StatusOr<MeetingPage> MeetingStore::OfPerson(pg::Executor& db, const std::string& person_id, absl::Time from,
                                                   absl::Time to, const std::vector<int>& states,
                                                   const std::string& cursor, int limit) const {
  static const std::string sql = PersonPageSql();
  auto params = PageParams(person_id, from, to, states, cursor, limit);
  if (!params.ok()) return params.status();
  return Page(Many(db, sql, *params), limit);
}

absl::StatusOr<MeetingPage> MeetingStore::OfRelationship(pg::Executor& db, const std::string& relationship_id,
                                                         absl::Time from, absl::Time to, const std::vector<int>& states,
                                                         const std::string& cursor, int limit) const {
  static const std::string sql = RelationshipPageSql();
  auto params = PageParams(relationship_id, from, to, states, cursor, limit);
  if (!params.ok()) return params.status();
  return Page(Many(db, sql, *params), limit);
}

absl::StatusOr<std::vector<v1::Meeting>> MeetingStore::MissedDueForUpdate(pg::Transaction& txn, absl::Time now,
                                                                          int limit) const {
  return Many(txn, kMissedDue, {Rfc3339(now), limit});
}

absl::StatusOr<std::vector<v1::Meeting>> MeetingStore::AgendaDueForUpdate(pg::Transaction& txn, absl::Time now,
                                                                          int limit) const {
  return Many(txn, kAgendaDue, {Rfc3339(now), limit});
}

absl::StatusOr<MeetingStore::Backlog> MeetingStore::MissedBacklog(pg::Executor& db, absl::Time now) const {
  auto rows = db.Exec(kMissedBacklog, {Rfc3339(now)});
  if (!rows.ok()) return rows.status();
  Backlog backlog;
  backlog.due = rows->Int(0, 0);
  if (backlog.due > 0) backlog.oldest = absl::FromUnixSeconds(rows->Int(0, 1));
  return backlog;
}

absl::StatusOr<MeetingCounts> MeetingStore::Counts(pg::Executor& db, const std::string& relationship_id) const {
  // A relationship has tens of meetings: counted from their bodies, where late changes and
  // disagreements are.
  auto meetings = Many(db, kBodiesOfRelationship, {relationship_id});
  if (!meetings.ok()) return meetings.status();
  MeetingCounts counts;
  for (const auto& meeting : *meetings) {
    counts.scheduled += meeting.state() == v1::MEETING_STATE_SCHEDULED ? 1 : 0;
    counts.completed += meeting.state() == v1::MEETING_STATE_COMPLETED ? 1 : 0;
    counts.missed += meeting.state() == v1::MEETING_STATE_MISSED ? 1 : 0;
    counts.cancelled += meeting.state() == v1::MEETING_STATE_CANCELLED ? 1 : 0;
    counts.late_cancellations += meeting.late_cancellation() ? 1 : 0;
    for (const auto& change : meeting.reschedules()) counts.late_reschedules += change.late() ? 1 : 0;
    counts.disagreements += meeting.check_ins_disagree() ? 1 : 0;
  }
  return counts;
}

}  // namespace mentoring::scheduling
