#include "directory.h"

#include <algorithm>

namespace mentoring::matching {

absl::StatusOr<std::shared_ptr<const PeopleIndex>> Directory::Current(pg::Executor& db) {
  auto latest = store_.LatestChange(db);
  if (!latest.ok()) return latest.status();
  absl::MutexLock lock(&mu_);
  if (snapshot_ != nullptr && *latest <= seen_change_) return snapshot_;
  // Only the rows changed since the last snapshot are read; the index is then rebuilt.
  auto changes = store_.ChangedSince(db, seen_change_);
  if (!changes.ok()) return changes.status();
  int64_t seen = seen_change_;
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
  snapshot_ = std::make_shared<const PeopleIndex>(std::move(people), clock_.Now());
  seen_change_ = std::max(seen, *latest);
  return snapshot_;
}

}  // namespace mentoring::matching
