#pragma once
// The people matching matches, as an in-memory PeopleIndex snapshot of its read model (the
// people table, people_store.h), so a recommendation never makes a network call per
// candidate, nor a query per candidate.
#include <absl/status/statusor.h>
#include <absl/synchronization/mutex.h>

#include <map>
#include <memory>
#include <string>

#include "mentoring/runtime/clock.h"
#include "mentoring/runtime/postgres.h"
#include "people_index.h"
#include "people_store.h"

namespace mentoring::matching {

class Directory {
 public:
  explicit Directory(const Clock& clock) : clock_(clock) {}

  // The latest snapshot; rebuilt first when the table changed since the last one. Inside a
  // transaction pass it: the check then runs on that transaction's connection (a second
  // lease from a busy pool could wait for a connection only this transaction's end frees).
  absl::StatusOr<std::shared_ptr<const PeopleIndex>> Current(pg::Executor& db);

 private:
  const Clock& clock_;
  PeopleStore store_;
  absl::Mutex mu_;
  std::map<std::string, profiles::v1::Person> facts_ ABSL_GUARDED_BY(mu_);
  int64_t seen_change_ ABSL_GUARDED_BY(mu_) = -1;
  std::shared_ptr<const PeopleIndex> snapshot_ ABSL_GUARDED_BY(mu_);
};

}  // namespace mentoring::matching
