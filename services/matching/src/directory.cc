#include "directory.h"

#include <algorithm>

namespace mentoring::matching {

std::shared_ptr<const PeopleIndex> Directory::Published() const {
  absl::MutexLock lock(&published_mu_);
  return snapshot_;
}

absl::StatusOr<std::shared_ptr<const PeopleIndex>> Directory::Current(pg::Executor& db) {
  if (auto published = Published(); published != nullptr) return published;
  return Fresh(db);
}

absl::StatusOr<std::shared_ptr<const PeopleIndex>> Directory::Fresh(pg::Executor& db) {
  auto latest = store_.LatestChange(db);
  if (!latest.ok()) return latest.status();
  absl::MutexLock lock(&rebuild_mu_);
  // Whoever held the lock before may have caught up past `latest` already.
  if (seen_change_ >= *latest) {
    if (auto published = Published(); published != nullptr) return published;
  }
  return CatchUp(db, *latest);
}

absl::StatusOr<JobProgress> Directory::Refresh(pg::Executor& db) {
  auto latest = store_.LatestChange(db);
  if (!latest.ok()) return latest.status();
  absl::MutexLock lock(&rebuild_mu_);
  if (*latest <= seen_change_ && Published() != nullptr) {
    behind_since_.reset();
    return JobProgress::kDone;
  }
  const absl::Time now = absl::Now();
  if (*latest != noticed_change_) {
    noticed_change_ = *latest;
    noticed_at_ = now;
  }
  if (!behind_since_) behind_since_ = now;
  const bool settled = now - noticed_at_ >= settings_.quiet_period;
  const bool overdue = now - *behind_since_ >= settings_.max_staleness;
  if (!settled && !overdue && Published() != nullptr) return JobProgress::kDone;
  auto caught_up = CatchUp(db, *latest);
  if (!caught_up.ok()) return caught_up.status();
  return JobProgress::kDone;
}

absl::StatusOr<std::shared_ptr<const PeopleIndex>> Directory::CatchUp(pg::Executor& db, int64_t latest) {
  // Only the rows changed since the last snapshot are read; the index is then rebuilt.
  auto changes = store_.ChangedSince(db, seen_change_);
  if (!changes.ok()) return changes.status();
  int64_t seen = std::max(seen_change_, latest);
  for (auto& changed : *changes) {
    if (changed.facts.has_value()) {
      facts_[changed.person_id] = std::move(*changed.facts);
    } else {
      facts_.erase(changed.person_id);
    }
    seen = std::max(seen, changed.change);
  }
  std::vector<profiles::v1::Person> people;
  people.reserve(facts_.size());
  for (const auto& [id, person] : facts_) people.push_back(person);
  auto snapshot = std::make_shared<const PeopleIndex>(std::move(people), clock_.Now());
  seen_change_ = seen;
  behind_since_.reset();
  absl::MutexLock lock(&published_mu_);
  snapshot_ = snapshot;
  return snapshot;
}

}  // namespace mentoring::matching
