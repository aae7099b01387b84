#include "pair_content_store.h"

#include "mentoring/runtime/proto_time.h"

namespace mentoring::scheduling {
namespace {

constexpr char kNotesOfMeeting[] =
    "SELECT body FROM notes WHERE meeting_id = $1 AND note_id > $2 ORDER BY note_id LIMIT $3";
constexpr char kItemsOfRelationship[] =
    "SELECT body FROM action_items WHERE relationship_id = $1 AND (NOT $2 OR NOT done) AND item_id > $3 "
    "ORDER BY item_id LIMIT $4";
constexpr char kSetAgenda[] =
    "INSERT INTO agendas (meeting_id, author_id, text, updated_at) VALUES ($1, $2, $3, now()) "
    "ON CONFLICT (meeting_id) DO UPDATE SET author_id = EXCLUDED.author_id, text = EXCLUDED.text, "
    "updated_at = EXCLUDED.updated_at";
constexpr char kGetAgenda[] = "SELECT text FROM agendas WHERE meeting_id = $1";
constexpr char kEraseAgendas[] = "DELETE FROM agendas WHERE author_id = $1 RETURNING meeting_id";
constexpr char kEraseNotes[] = "DELETE FROM notes WHERE author_id = $1";
constexpr char kEraseItems[] = "DELETE FROM action_items WHERE author_id = $1";
constexpr char kNoteCounts[] = "SELECT meeting_id, count(*) FROM notes WHERE meeting_id = ANY($1) GROUP BY meeting_id";

}  // namespace

NoteStore::NoteStore()
    : DocumentTable(
          {.table = "notes",
           .what = "note",
           .key_column = "note_id",
           .key = [](const v1::Note& n) { return n.note_id(); },
           .columns = {{"meeting_id", [](const auto& n) { return pg::Param(n.meeting_id()); }},
                       {"author_id", [](const auto& n) { return pg::Param(n.author_id()); }},
                       {"created_at", [](const auto& n) { return pg::Param(Rfc3339(FromTimestamp(n.created_at()))); },
                        "timestamptz"}}}) {}

absl::StatusOr<std::vector<v1::Note>> NoteStore::OfMeeting(pg::Executor& db, const std::string& meeting_id,
                                                           const std::string& after_id, int limit) const {
  return Many(db, kNotesOfMeeting, {meeting_id, after_id, limit});
}

ActionItemStore::ActionItemStore()
    : DocumentTable(
          {.table = "action_items",
           .what = "action item",
           .key_column = "item_id",
           .key = [](const v1::ActionItem& i) { return i.item_id(); },
           .version = [](const v1::ActionItem& i) { return i.done() ? int64_t{2} : int64_t{1}; },
           .columns = {{"relationship_id", [](const auto& i) { return pg::Param(i.relationship_id()); }},
                       {"meeting_id", [](const auto& i) { return pg::Param(i.meeting_id()); }},
                       {"author_id", [](const auto& i) { return pg::Param(i.author_id()); }},
                       {"done", [](const auto& i) { return pg::Param(i.done()); }, "boolean"},
                       {"created_at", [](const auto& i) { return pg::Param(Rfc3339(FromTimestamp(i.created_at()))); },
                        "timestamptz"}}}) {}

absl::StatusOr<std::vector<v1::ActionItem>> ActionItemStore::OfRelationship(pg::Executor& db,
                                                                            const std::string& relationship_id,
                                                                            bool open_only, const std::string& after_id,
                                                                            int limit) const {
  return Many(db, kItemsOfRelationship, {relationship_id, open_only, after_id, limit});
}

absl::Status AgendaStore::Set(pg::Executor& db, const std::string& meeting_id, const std::string& author_id,
                              const std::string& text) {
  return db.Exec(kSetAgenda, {meeting_id, author_id, text}).status();
}

absl::StatusOr<std::optional<std::string>> AgendaStore::Get(pg::Executor& db, const std::string& meeting_id) {
  auto rows = db.Exec(kGetAgenda, {meeting_id});
  if (!rows.ok()) return rows.status();
  if (rows->rows() == 0) return std::optional<std::string>();
  return std::optional<std::string>(std::string(rows->Text(0, 0)));
}

absl::StatusOr<std::vector<std::string>> EraseWrittenBy(pg::Transaction& txn, const std::string& person_id) {
  auto agendas = txn.Exec(kEraseAgendas, {person_id});
  if (!agendas.ok()) return agendas.status();
  if (auto notes = txn.Exec(kEraseNotes, {person_id}); !notes.ok()) return notes.status();
  if (auto items = txn.Exec(kEraseItems, {person_id}); !items.ok()) return items.status();
  std::vector<std::string> meetings;
  for (int i = 0; i < agendas->rows(); ++i) meetings.emplace_back(agendas->Text(i, 0));
  return meetings;
}

absl::StatusOr<std::map<std::string, int>> NoteCounts(pg::Executor& db, const std::vector<std::string>& meeting_ids) {
  auto rows = db.Exec(kNoteCounts, {pg::Param::TextArray(meeting_ids)});
  if (!rows.ok()) return rows.status();
  std::map<std::string, int> counts;
  for (int i = 0; i < rows->rows(); ++i) counts[std::string(rows->Text(i, 0))] = static_cast<int>(rows->Int(i, 1));
  return counts;
}

}  // namespace mentoring::scheduling
