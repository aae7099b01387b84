#pragma once
// Persistence of calendar subscriptions (a hash of each person's feed token, never the
// token) and of each person's calendar version, which every change to one of their meetings
// raises: the feed's ETag. The only code that knows those tables.
#include <absl/status/statusor.h>

#include <optional>
#include <set>
#include <string>

#include "mentoring/runtime/postgres.h"

namespace mentoring::scheduling {

struct FeedRecord {
  std::string feed_id;
  std::string person_id;
  std::string secret_hash;  // SHA-256 of the token's secret part
};

class FeedStore {
 public:
  // Replaces the person's feed (rotation revokes the old token at once).
  static absl::Status Put(pg::Executor& db, const FeedRecord& feed);
  static absl::StatusOr<bool> Revoke(pg::Executor& db, const std::string& person_id);
  static absl::StatusOr<std::optional<FeedRecord>> Find(pg::Executor& db, const std::string& feed_id);

  // Raises the calendar version of each person, in one statement.
  static absl::Status Touch(pg::Executor& db, const std::set<std::string>& person_ids);
  static absl::StatusOr<int64_t> Version(pg::Executor& db, const std::string& person_id);
};

}  // namespace mentoring::scheduling
