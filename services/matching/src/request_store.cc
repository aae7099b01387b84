#include "request_store.h"

#include "mentoring/runtime/errors.h"
#include "pair_columns.h"

namespace mentoring::matching {
namespace {

constexpr char kCountPending[] = "SELECT count(*) FROM requests WHERE mentee_id = $1 AND state = 1";
constexpr char kOtherPendingOfMenteeForUpdate[] =
    "SELECT body FROM requests WHERE mentee_id = $1 AND state = 1 AND request_id <> $2 FOR UPDATE";
constexpr char kInvolvingForUpdate[] =
    "SELECT body FROM requests WHERE (mentee_id = $1 OR mentor_id = $1) AND (NOT $2 OR state = 1) FOR UPDATE";
// Pages by (created_at, request_id), the key in microseconds.
constexpr char kInvolving[] =
    "SELECT body, (extract(epoch FROM created_at) * 1000000)::bigint, request_id FROM requests "
    "WHERE (mentee_id = $1 OR mentor_id = $1) AND (NOT $2 OR state = 1) AND ($3::bigint IS NULL OR "
    "(created_at, request_id) > ('epoch'::timestamptz + $3::bigint * interval '1 microsecond', $4)) "
    "ORDER BY created_at, request_id LIMIT $5";

}  // namespace

RequestStore::RequestStore()
    : DocumentTable({.table = "requests",
                     .what = "request",
                     .key_column = "request_id",
                     .key = [](const v1::MentorshipRequest& r) { return r.request_id(); },
                     .version = [](const v1::MentorshipRequest& r) { return r.version(); },
                     .columns = PairColumns<v1::MentorshipRequest>(),
                     .insert_only = {"created_at"}}) {}

absl::Status RequestStore::InsertPending(pg::Executor& db, const v1::MentorshipRequest& request) const {
  auto inserted = Insert(db, request);
  if (inserted.code() == absl::StatusCode::kAlreadyExists) {
    return errors::FailedPrecondition("ALREADY_REQUESTED", "a request to this mentor is already pending");
  }
  return inserted;
}

absl::StatusOr<int64_t> RequestStore::CountPendingOf(pg::Executor& db, const std::string& mentee_id) const {
  auto rows = db.Exec(kCountPending, {mentee_id});
  if (!rows.ok()) return rows.status();
  return rows->Int(0, 0);
}

absl::StatusOr<std::vector<v1::MentorshipRequest>> RequestStore::OtherPendingOfMenteeForUpdate(
    pg::Transaction& txn, const std::string& mentee_id, const std::string& except_request_id) const {
  return Many(txn, kOtherPendingOfMenteeForUpdate, {mentee_id, except_request_id});
}

absl::StatusOr<std::vector<v1::MentorshipRequest>> RequestStore::InvolvingForUpdate(pg::Transaction& txn,
                                                                                    const std::string& person_id,
                                                                                    bool pending_only) const {
  return Many(txn, kInvolvingForUpdate, {person_id, pending_only});
}

absl::StatusOr<Page<v1::MentorshipRequest>> RequestStore::Involving(pg::Executor& db, const std::string& person_id,
                                                                    bool pending_only,
                                                                    const std::optional<PageKey>& after,
                                                                    int size) const {
  auto rows = db.Exec(kInvolving, pg::PageParams({person_id, pending_only}, after, size));
  if (!rows.ok()) return rows.status();
  return pg::PageOfRows<v1::MentorshipRequest>(*rows, size, "request");
}

}  // namespace mentoring::matching
