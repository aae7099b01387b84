#include "ask_store.h"

namespace mentoring::evaluation {
namespace {

constexpr char kOpen[] =
    "INSERT INTO asks (ask_id, person_id, relationship_id, kind, item_id, occurrence, rapport_check, asked_at, "
    "answer_by) SELECT $1::text, $2::text, $3::text, $4::smallint, $5::text, $6::int, $7::boolean, "
    "$8::timestamptz, $9::timestamptz "
    "WHERE NOT EXISTS (SELECT 1 FROM erased_people WHERE person_id = $2) "
    "ON CONFLICT (kind, item_id, person_id) DO NOTHING";
constexpr char kAnswer[] =
    "UPDATE asks SET answered_at = $4 WHERE kind = $1 AND item_id = $2 AND person_id = $3 AND answered_at IS NULL";
constexpr char kWithdraw[] = "DELETE FROM asks WHERE kind = $1 AND item_id = $2 AND answered_at IS NULL";
constexpr char kMarkRapportCheck[] = "UPDATE asks SET rapport_check = true WHERE kind = 1 AND item_id = $1";
constexpr char kColumns[] =
    "SELECT ask_id, person_id, relationship_id, kind, item_id, occurrence, rapport_check, "
    "(extract(epoch FROM asked_at) * 1000000)::bigint, (extract(epoch FROM answer_by) * 1000000)::bigint, "
    "reminded_at IS NOT NULL FROM asks ";
constexpr char kPendingWhere[] =
    "WHERE person_id = $1 AND answered_at IS NULL AND ((extract(epoch FROM asked_at) * 1000000)::bigint, ask_id) > "
    "($2, $3) ORDER BY asked_at, ask_id LIMIT $4";
constexpr char kNextReminderWhere[] =
    "WHERE answered_at IS NULL AND reminded_at IS NULL AND answer_by < $1 ORDER BY answer_by LIMIT 1 "
    "FOR UPDATE SKIP LOCKED";
constexpr char kMarkReminded[] = "UPDATE asks SET reminded_at = $2 WHERE ask_id = $1";
constexpr char kFeedbackMissing[] =
    "SELECT count(*) FROM asks WHERE relationship_id = $1 AND ($2 = '' OR person_id = $2) AND kind = 1 "
    "AND answered_at IS NULL AND answer_by < $3";
constexpr char kDeleteAllOf[] = "DELETE FROM asks WHERE person_id = $1";
constexpr char kMarkErased[] = "INSERT INTO erased_people (person_id) VALUES ($1) ON CONFLICT DO NOTHING";

absl::StatusOr<std::vector<Ask>> Read(absl::StatusOr<pg::Result> rows) {
  if (!rows.ok()) return rows.status();
  std::vector<Ask> asks;
  for (int i = 0; i < rows->rows(); ++i) {
    Ask& a = asks.emplace_back();
    a.ask_id = std::string(rows->Text(i, 0));
    a.person_id = std::string(rows->Text(i, 1));
    a.relationship_id = std::string(rows->Text(i, 2));
    a.kind = static_cast<events::v1::AskKind>(rows->Int(i, 3));
    a.item_id = std::string(rows->Text(i, 4));
    a.occurrence = static_cast<int>(rows->Int(i, 5));
    a.rapport_check = rows->Bool(i, 6);
    a.asked_at = absl::FromUnixMicros(rows->Int(i, 7));
    a.answer_by = absl::FromUnixMicros(rows->Int(i, 8));
    a.reminded = rows->Bool(i, 9);
  }
  return asks;
}

}  // namespace

absl::Status AskStore::Open(pg::Executor& db, const Ask& a) const {
  return db
      .Exec(kOpen, {a.ask_id, a.person_id, a.relationship_id, static_cast<int>(a.kind), a.item_id, a.occurrence,
                    a.rapport_check, Rfc3339(a.asked_at), Rfc3339(a.answer_by)})
      .status();
}

absl::StatusOr<bool> AskStore::Answer(pg::Executor& db, events::v1::AskKind kind, const std::string& item_id,
                                      const std::string& person_id, absl::Time at) const {
  auto answered = db.Exec(kAnswer, {static_cast<int>(kind), item_id, person_id, Rfc3339(at)});
  if (!answered.ok()) return answered.status();
  return answered->affected() > 0;
}

absl::Status AskStore::Withdraw(pg::Executor& db, events::v1::AskKind kind, const std::string& item_id) const {
  return db.Exec(kWithdraw, {static_cast<int>(kind), item_id}).status();
}

absl::Status AskStore::MarkRapportCheck(pg::Executor& db, const std::string& meeting_id) const {
  return db.Exec(kMarkRapportCheck, {meeting_id}).status();
}

absl::StatusOr<std::vector<Ask>> AskStore::PendingFor(pg::Executor& db, const std::string& person_id,
                                                      const std::optional<PageKey>& after, int limit) const {
  return Read(db.Exec(std::string(kColumns) + kPendingWhere,
                      {person_id, after ? after->key : int64_t{-1}, after ? after->id : "", limit}));
}

absl::StatusOr<std::optional<Ask>> AskStore::NextReminder(pg::Transaction& txn, absl::Time now) const {
  auto asks = Read(txn.Exec(std::string(kColumns) + kNextReminderWhere, {Rfc3339(now)}));
  if (!asks.ok()) return asks.status();
  if (asks->empty()) return std::optional<Ask>();
  return std::optional<Ask>(std::move(asks->front()));
}

absl::Status AskStore::MarkReminded(pg::Executor& db, const std::string& ask_id, absl::Time at) const {
  return db.Exec(kMarkReminded, {ask_id, Rfc3339(at)}).status();
}

absl::StatusOr<int> AskStore::FeedbackMissing(pg::Executor& db, const std::string& relationship_id,
                                              const std::string& person_id, absl::Time now) const {
  auto rows = db.Exec(kFeedbackMissing, {relationship_id, person_id, Rfc3339(now)});
  if (!rows.ok()) return rows.status();
  return static_cast<int>(rows->Int(0, 0));
}

absl::Status AskStore::DeleteAllOf(pg::Executor& db, const std::string& person_id) const {
  if (auto marked = db.Exec(kMarkErased, {person_id}); !marked.ok()) return marked.status();
  return db.Exec(kDeleteAllOf, {person_id}).status();
}

}  // namespace mentoring::evaluation
