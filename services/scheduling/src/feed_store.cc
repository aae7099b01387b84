#include "feed_store.h"

namespace mentoring::scheduling {
namespace {

constexpr char kPut[] =
    "INSERT INTO calendar_feeds (feed_id, person_id, secret_hash, created_at) VALUES ($1, $2, $3, now()) "
    "ON CONFLICT (person_id) DO UPDATE SET feed_id = EXCLUDED.feed_id, secret_hash = EXCLUDED.secret_hash, "
    "created_at = EXCLUDED.created_at";
constexpr char kRevoke[] = "DELETE FROM calendar_feeds WHERE person_id = $1";
constexpr char kFind[] = "SELECT person_id, secret_hash FROM calendar_feeds WHERE feed_id = $1";
constexpr char kTouch[] =
    "INSERT INTO calendar_versions (person_id, version) SELECT unnest($1::text[]), 1 "
    "ON CONFLICT (person_id) DO UPDATE SET version = calendar_versions.version + 1";
constexpr char kVersion[] = "SELECT coalesce((SELECT version FROM calendar_versions WHERE person_id = $1), 0)";

}  // namespace

absl::Status FeedStore::Put(pg::Executor& db, const FeedRecord& feed) {
  return db.Exec(kPut, {feed.feed_id, feed.person_id, pg::Param::Bytes(feed.secret_hash)}).status();
}

absl::StatusOr<bool> FeedStore::Revoke(pg::Executor& db, const std::string& person_id) {
  auto deleted = db.Exec(kRevoke, {person_id});
  if (!deleted.ok()) return deleted.status();
  return deleted->affected() > 0;
}

absl::StatusOr<std::optional<FeedRecord>> FeedStore::Find(pg::Executor& db, const std::string& feed_id) {
  auto rows = db.Exec(kFind, {feed_id});
  if (!rows.ok()) return rows.status();
  if (rows->rows() == 0) return std::optional<FeedRecord>();
  return std::optional<FeedRecord>(FeedRecord{feed_id, std::string(rows->Text(0, 0)), rows->Bytes(0, 1)});
}

absl::Status FeedStore::Touch(pg::Executor& db, const std::set<std::string>& person_ids) {
  if (person_ids.empty()) return absl::OkStatus();
  // A set: one person may appear once in the statement (ON CONFLICT touches a row once).
  return db.Exec(kTouch, {pg::Param::TextArray({person_ids.begin(), person_ids.end()})}).status();
}

absl::StatusOr<int64_t> FeedStore::Version(pg::Executor& db, const std::string& person_id) {
  auto rows = db.Exec(kVersion, {person_id});
  if (!rows.ok()) return rows.status();
  return rows->Int(0, 0);
}

}  // namespace mentoring::scheduling
