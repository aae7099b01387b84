#include "review_store.h"

namespace mentoring::evaluation {
namespace {

constexpr char kOpenOf[] = "SELECT body FROM reviews WHERE relationship_id = $1 AND state = 1 FOR UPDATE";
constexpr char kLatestOf[] =
    "SELECT body FROM reviews WHERE relationship_id = $1 ORDER BY opened_at DESC, review_id DESC LIMIT 1";
constexpr char kOfRelationship[] =
    "SELECT body FROM reviews WHERE relationship_id = $1 AND ($2 = 0 OR state = $2) "
    "AND ((extract(epoch FROM opened_at) * 1000000)::bigint, review_id) > ($3, $4) "
    "ORDER BY opened_at, review_id LIMIT $5";
constexpr char kOfProgramme[] =
    "SELECT body FROM reviews WHERE programme_id = $1 AND ($2 = 0 OR state = $2) "
    "AND ((extract(epoch FROM opened_at) * 1000000)::bigint, review_id) > ($3, $4) "
    "ORDER BY opened_at, review_id LIMIT $5";
constexpr char kNextUndecided[] =
    "SELECT body FROM reviews WHERE state = 1 AND undecided_after < $1 ORDER BY undecided_after LIMIT 1 "
    "FOR UPDATE SKIP LOCKED";
constexpr char kOfRelationshipsForUpdate[] =
    "SELECT body FROM reviews WHERE relationship_id = ANY($1) ORDER BY review_id FOR UPDATE";
constexpr char kCountUndecided[] = "SELECT count(*) FROM reviews WHERE programme_id = $1 AND state = 3";

absl::StatusOr<std::optional<v1::Review>> First(absl::StatusOr<std::vector<v1::Review>> reviews) {
  if (!reviews.ok()) return reviews.status();
  if (reviews->empty()) return std::optional<v1::Review>();
  return std::optional<v1::Review>(std::move(reviews->front()));
}

}  // namespace

ReviewStore::ReviewStore()
    : DocumentTable(
          {.table = "reviews",
           .what = "review",
           .key_column = "review_id",
           .key = [](const v1::Review& r) { return r.review_id(); },
           .version = [](const v1::Review& r) { return r.version(); },
           .columns = {{"relationship_id", [](const v1::Review& r) { return pg::Param(r.relationship_id()); }},
                       {"programme_id", [](const v1::Review& r) { return pg::NullIfEmpty(r.programme_id()); }},
                       {"state", [](const v1::Review& r) { return pg::Param(static_cast<int>(r.state())); }},
                       {"opened_at",
                        [](const v1::Review& r) { return pg::Param(Rfc3339(FromTimestamp(r.opened_at()))); }},
                       {"undecided_after",
                        [](const v1::Review& r) { return pg::Param(Rfc3339(FromTimestamp(r.undecided_after()))); }},
                       {"settled_at", [](const v1::Review& r) {
                          return r.has_settled_at() ? pg::Param(Rfc3339(FromTimestamp(r.settled_at())))
                                                    : pg::Param(nullptr);
                        }}}}) {}

absl::StatusOr<std::optional<v1::Review>> ReviewStore::OpenOf(pg::Transaction& txn,
                                                              const std::string& relationship_id) const {
  return First(Many(txn, kOpenOf, {relationship_id}));
}

absl::StatusOr<std::optional<v1::Review>> ReviewStore::LatestOf(pg::Executor& db,
                                                                const std::string& relationship_id) const {
  return First(Many(db, kLatestOf, {relationship_id}));
}

absl::StatusOr<std::vector<v1::Review>> ReviewStore::OfRelationship(pg::Executor& db,
                                                                    const std::string& relationship_id,
                                                                    v1::ReviewState state,
                                                                    const std::optional<PageKey>& after,
                                                                    int limit) const {
  return Many(
      db, kOfRelationship,
      {relationship_id, static_cast<int>(state), after ? after->key : int64_t{-1}, after ? after->id : "", limit});
}

absl::StatusOr<std::vector<v1::Review>> ReviewStore::OfProgramme(pg::Executor& db, const std::string& programme_id,
                                                                 v1::ReviewState state,
                                                                 const std::optional<PageKey>& after, int limit) const {
  return Many(db, kOfProgramme,
              {programme_id, static_cast<int>(state), after ? after->key : int64_t{-1}, after ? after->id : "", limit});
}

absl::StatusOr<std::optional<v1::Review>> ReviewStore::NextUndecided(pg::Transaction& txn, absl::Time now) const {
  return First(Many(txn, kNextUndecided, {Rfc3339(now)}));
}

absl::StatusOr<std::vector<v1::Review>> ReviewStore::OfRelationshipsForUpdate(
    pg::Transaction& txn, const std::vector<std::string>& ids) const {
  return Many(txn, kOfRelationshipsForUpdate, {pg::Param::TextArray(ids)});
}

absl::StatusOr<int> ReviewStore::CountUndecided(pg::Executor& db, const std::string& programme_id) const {
  auto rows = db.Exec(kCountUndecided, {programme_id});
  if (!rows.ok()) return rows.status();
  return static_cast<int>(rows->Int(0, 0));
}

}  // namespace mentoring::evaluation
