#include "directory.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <utility>

namespace mentoring::matching {

Directory::Directory(const Clock& clock, prometheus::Registry& registry, DirectorySettings settings)
    : clock_(clock),
      settings_(settings),
      snapshot_change_(prometheus::BuildGauge()
                           .Name("mentoring_people_snapshot_change")
                           .Help("The newest change to people that the published snapshot holds")
                           .Register(registry)
                           .Add({})),
      behind_seconds_(prometheus::BuildGauge()
                          .Name("mentoring_people_snapshot_behind_seconds")
                          .Help("How long the published people snapshot has missed a change (0: it is current)")
                          .Register(registry)
                          .Add({})) {}

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
  retired_.Collect();
  auto latest = store_.LatestChange(db);
  if (!latest.ok()) return latest.status();
  absl::MutexLock lock(&rebuild_mu_);
  if (*latest <= seen_change_ && Published() != nullptr) {
    behind_since_.reset();
    behind_seconds_.Set(0);
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
  const bool affordable = now - last_rebuild_start_ >= last_rebuild_ / settings_.max_rebuild_share;
  behind_seconds_.Set(absl::ToDoubleSeconds(now - *behind_since_));
  if ((!(settled || overdue) || !affordable) && Published() != nullptr) return JobProgress::kDone;
  auto caught_up = CatchUp(db, *latest);
  if (!caught_up.ok()) return caught_up.status();
  return JobProgress::kDone;
}

absl::StatusOr<std::shared_ptr<const PeopleIndex>> Directory::CatchUp(pg::Executor& db, int64_t latest) {
  // Only the rows changed since the last snapshot are read; the index is then rebuilt.
  const absl::Time start = absl::Now();
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
  last_rebuild_start_ = start;
  last_rebuild_ = absl::Now() - start;
  spdlog::info("people snapshot: {} people, {} changes read, built in {} ms", facts_.size(), changes->size(),
               absl::ToInt64Milliseconds(last_rebuild_));
  snapshot_change_.Set(static_cast<double>(seen));
  behind_seconds_.Set(0);
  // The old snapshot takes a while to free: never under the lock readers take, nor on a
  // reader's thread (retired.h).
  std::shared_ptr<const PeopleIndex> old = snapshot;
  {
    absl::MutexLock lock(&published_mu_);
    std::swap(snapshot_, old);
  }
  retired_.Add(std::move(old));
  return snapshot;
}

}  // namespace mentoring::matching
