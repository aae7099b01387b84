#include "relationship_store.h"

namespace mentoring::evaluation {
namespace {

constexpr char kOfProgramme[] =
    "SELECT body FROM relationships WHERE programme_id = $1 AND ($2 = 0 OR admin_bucket = $2) "
    "AND relationship_id > $3 ORDER BY relationship_id LIMIT $4";
constexpr char kInvolvingForUpdate[] =
    "SELECT body FROM relationships WHERE mentee_id = $1 OR mentor_id = $1 ORDER BY relationship_id FOR UPDATE";
constexpr char kNextReviewDateDue[] =
    "SELECT body FROM relationships WHERE status = 1 AND review_date <= $1::date "
    "AND review_date IS DISTINCT FROM review_date_used ORDER BY review_date LIMIT 1 FOR UPDATE SKIP LOCKED";
// "Without a review": none settled (decided or undecided) on or after the end date.
constexpr char kNextOverrun[] =
    "SELECT body FROM relationships r WHERE status IN (1, 2) AND end_date < $1::date "
    "AND end_date IS DISTINCT FROM overrun_signalled AND NOT EXISTS (SELECT 1 FROM reviews v "
    "WHERE v.relationship_id = r.relationship_id AND v.state IN (2, 3) AND v.settled_at >= r.end_date) "
    "ORDER BY end_date LIMIT 1 FOR UPDATE SKIP LOCKED";
constexpr char kCountByBucket[] =
    "SELECT admin_bucket, count(*) FROM relationships WHERE programme_id = $1 GROUP BY admin_bucket";
constexpr char kCountRated[] = "SELECT count(*) FROM relationships WHERE programme_id = $1 AND rated";
constexpr char kNextPersonSequence[] =
    "INSERT INTO person_sequences (person_id, sequence) VALUES ($1, 1) "
    "ON CONFLICT (person_id) DO UPDATE SET sequence = person_sequences.sequence + 1 RETURNING sequence";

pg::Param DateColumn(const common::v1::Date& date) { return pg::NullIfEmpty(DateText(date)); }

}  // namespace

RelationshipStore::RelationshipStore()
    : DocumentTable(
          {.table = "relationships",
           .what = "relationship",
           .key_column = "relationship_id",
           .key = [](const v1::RelationshipRecord& r) { return r.relationship_id(); },
           .version = [](const v1::RelationshipRecord& r) { return r.version(); },
           .columns = {{"programme_id", [](const auto& r) { return pg::NullIfEmpty(r.programme_id()); }},
                       {"mentee_id", [](const auto& r) { return pg::Param(r.mentee_id()); }},
                       {"mentor_id", [](const auto& r) { return pg::Param(r.mentor_id()); }},
                       {"status", [](const auto& r) { return pg::Param(static_cast<int>(r.status())); }},
                       {"admin_bucket",
                        [](const auto& r) { return pg::Param(static_cast<int>(r.admin_health().bucket())); }},
                       {"review_date", [](const auto& r) { return DateColumn(r.terms().review_date()); }},
                       {"review_date_used", [](const auto& r) { return DateColumn(r.review_date_used()); }},
                       {"end_date", [](const auto& r) { return DateColumn(r.terms().end_date()); }},
                       {"overrun_signalled", [](const auto& r) { return DateColumn(r.overrun_signalled_for()); }},
                       {"rated", [](const auto& r) { return pg::Param(r.feedback_contributed()); }}},
           .insert_only = {"created_at"}}) {}

absl::StatusOr<std::vector<v1::RelationshipRecord>> RelationshipStore::OfProgramme(pg::Executor& db,
                                                                                   const std::string& programme_id,
                                                                                   v1::HealthBucket bucket,
                                                                                   const std::string& after,
                                                                                   int limit) const {
  return Many(db, kOfProgramme, {programme_id, static_cast<int>(bucket), after, limit});
}

absl::StatusOr<std::vector<v1::RelationshipRecord>> RelationshipStore::InvolvingForUpdate(
    pg::Transaction& txn, const std::string& person_id) const {
  return Many(txn, kInvolvingForUpdate, {person_id});
}

absl::StatusOr<std::optional<v1::RelationshipRecord>> RelationshipStore::NextReviewDateDue(pg::Transaction& txn,
                                                                                           absl::CivilDay today) const {
  auto found = Many(txn, kNextReviewDateDue, {IsoDate(today)});
  if (!found.ok()) return found.status();
  if (found->empty()) return std::optional<v1::RelationshipRecord>();
  return std::optional<v1::RelationshipRecord>(std::move(found->front()));
}

absl::StatusOr<std::optional<v1::RelationshipRecord>> RelationshipStore::NextOverrun(pg::Transaction& txn,
                                                                                     absl::CivilDay today) const {
  auto found = Many(txn, kNextOverrun, {IsoDate(today)});
  if (!found.ok()) return found.status();
  if (found->empty()) return std::optional<v1::RelationshipRecord>();
  return std::optional<v1::RelationshipRecord>(std::move(found->front()));
}

absl::StatusOr<std::vector<int>> RelationshipStore::CountByBucket(pg::Executor& db,
                                                                  const std::string& programme_id) const {
  auto rows = db.Exec(kCountByBucket, {programme_id});
  if (!rows.ok()) return rows.status();
  std::vector<int> counts(v1::HealthBucket_ARRAYSIZE, 0);
  for (int i = 0; i < rows->rows(); ++i) {
    const int64_t bucket = rows->Int(i, 0);
    if (bucket >= 0 && bucket < v1::HealthBucket_ARRAYSIZE) counts[bucket] = static_cast<int>(rows->Int(i, 1));
  }
  return counts;
}

absl::StatusOr<int> RelationshipStore::CountWithFeedback(pg::Executor& db, const std::string& programme_id) const {
  auto rows = db.Exec(kCountRated, {programme_id});
  if (!rows.ok()) return rows.status();
  return static_cast<int>(rows->Int(0, 0));
}

absl::StatusOr<int64_t> RelationshipStore::NextPersonSequence(pg::Transaction& txn,
                                                              const std::string& person_id) const {
  auto rows = txn.Exec(kNextPersonSequence, {person_id});
  if (!rows.ok()) return rows.status();
  return rows->Int(0, 0);
}

}  // namespace mentoring::evaluation
