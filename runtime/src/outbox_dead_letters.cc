// The operator's side of the outbox's dead letters (the relay's side, moving a refused
// event there, is in outbox.cc).
#include <absl/strings/str_cat.h>
#include <spdlog/spdlog.h>

#include "mentoring/runtime/outbox.h"

namespace mentoring {
namespace {

std::string Rfc3339(absl::Time t) { return absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", t, absl::UTCTimeZone()); }

constexpr char kDeadLetterColumns[] =
    "d.id, d.outbox_id, d.event_id, d.topic, d.partition_key, d.event_type, d.payload, d.created_at, "
    "d.dead_lettered_at, d.error, d.attempts, d.overtaken_by, COALESCE(d.resolution, ''), "
    "COALESCE(d.resolved_at::text, ''), COALESCE(d.resolved_by, ''), COALESCE(d.resolution_reason, ''), "
    "CASE WHEN d.resolution IS NULL THEN (SELECT count(*) FROM outbox o WHERE o.published_at IS NULL "
    "AND o.topic = d.topic AND o.partition_key = d.partition_key) ELSE 0 END";

DeadLetter DeadLetterAt(const pg::Result& rows, int i) {
  DeadLetter d;
  d.id = rows.Int(i, 0);
  d.outbox_id = rows.Int(i, 1);
  d.event_id = rows.Text(i, 2);
  d.topic = rows.Text(i, 3);
  d.partition_key = rows.Text(i, 4);
  d.event_type = rows.Text(i, 5);
  d.payload = rows.Bytes(i, 6);
  d.created_at = rows.Text(i, 7);
  d.dead_lettered_at = rows.Text(i, 8);
  d.error = rows.Text(i, 9);
  d.attempts = rows.Int(i, 10);
  d.overtaken_by = rows.Int(i, 11);
  d.resolution = rows.Text(i, 12);
  d.resolved_at = rows.Text(i, 13);
  d.resolved_by = rows.Text(i, 14);
  d.resolution_reason = rows.Text(i, 15);
  d.held_events = rows.Int(i, 16);
  return d;
}

// Why a retry or drop of `id` changed nothing: no such dead letter, or already resolved.
absl::Status NotOpen(pg::Executor& db, int64_t id) {
  auto existing = OutboxDeadLetters::Get(db, id);
  if (!existing.ok()) return existing.status();
  return absl::FailedPreconditionError(absl::StrCat("dead letter ", id, " was already ", existing->resolution, " by ",
                                                    existing->resolved_by, " at ", existing->resolved_at));
}

}  // namespace

absl::StatusOr<std::vector<DeadLetter>> OutboxDeadLetters::List(pg::Executor& db, bool include_resolved) {
  auto rows = db.Exec(absl::StrCat("SELECT ", kDeadLetterColumns, " FROM outbox_dead_letters d ",
                                   include_resolved ? "" : "WHERE d.resolution IS NULL ", "ORDER BY d.id"));
  if (!rows.ok()) return rows.status();
  std::vector<DeadLetter> out;
  for (int i = 0; i < rows->rows(); ++i) out.push_back(DeadLetterAt(*rows, i));
  return out;
}

absl::StatusOr<DeadLetter> OutboxDeadLetters::Get(pg::Executor& db, int64_t id) {
  auto rows = db.Exec(absl::StrCat("SELECT ", kDeadLetterColumns, " FROM outbox_dead_letters d WHERE d.id = $1"), {id});
  if (!rows.ok()) return rows.status();
  if (rows->rows() == 0) return absl::NotFoundError(absl::StrCat("no dead letter ", id));
  return DeadLetterAt(*rows, 0);
}

absl::Status OutboxDeadLetters::Retry(pg::Executor& db, int64_t id, const std::string& by, const std::string& reason,
                                      const Clock& clock) {
  if (by.empty()) return absl::InvalidArgumentError("a retry needs who retries it");
  // One statement: resolved and back in the outbox under its own id (smaller than any of
  // its key's held events, so it is published first), or neither.
  auto retried = db.Exec(
      "WITH resolved AS (UPDATE outbox_dead_letters SET resolution = 'retried', resolved_at = $2, resolved_by = $3, "
      "resolution_reason = NULLIF($4, '') WHERE id = $1 AND resolution IS NULL "
      "RETURNING outbox_id, event_id, topic, partition_key, event_type, payload, created_at) "
      "INSERT INTO outbox (id, event_id, topic, partition_key, event_type, payload, created_at) "
      "SELECT outbox_id, event_id, topic, partition_key, event_type, payload, created_at FROM resolved",
      {id, Rfc3339(clock.Now()), by, reason});
  if (!retried.ok()) return retried.status();
  if (retried->affected() == 0) return NotOpen(db, id);
  spdlog::warn("outbox dead letter {} retried by {}{}", id, by, reason.empty() ? "" : ": " + reason);
  return absl::OkStatus();
}

absl::Status OutboxDeadLetters::Drop(pg::Executor& db, int64_t id, const std::string& by, const std::string& reason,
                                     const Clock& clock) {
  if (by.empty() || reason.empty()) return absl::InvalidArgumentError("a drop needs who drops it and why");
  auto dropped = db.Exec(
      "UPDATE outbox_dead_letters SET resolution = 'dropped', resolved_at = $2, resolved_by = $3, "
      "resolution_reason = $4 WHERE id = $1 AND resolution IS NULL",
      {id, Rfc3339(clock.Now()), by, reason});
  if (!dropped.ok()) return dropped.status();
  if (dropped->affected() == 0) return NotOpen(db, id);
  spdlog::warn("outbox dead letter {} dropped by {}: {}", id, by, reason);
  return absl::OkStatus();
}

}  // namespace mentoring
