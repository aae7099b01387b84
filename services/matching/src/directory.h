#pragma once
// The people matching matches, as an in-memory PeopleIndex snapshot of its read model (the
// people table, people_store.h), so a recommendation never makes a network call per
// candidate, nor a query per candidate.
//
// Readers take the published snapshot and never wait for a rebuild: a background job
// (Refresh) rebuilds once a burst of changes has settled, or once a change has waited
// max_staleness, and never so often that rebuilding takes more than max_rebuild_share of a
// core; so an HR import that changes thousands of people costs a few rebuilds, not one per
// change or per caller, and a small directory follows within a fraction of a second. Writes
// that re-check the rules under a lock ask for a snapshot that includes every change
// committed so far (Fresh).
#include <absl/status/statusor.h>
#include <absl/synchronization/mutex.h>
#include <absl/time/time.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "mentoring/runtime/background_job.h"
#include "mentoring/runtime/clock.h"
#include "mentoring/runtime/postgres.h"
#include "people_index.h"
#include "people_store.h"
#include "retired.h"

namespace mentoring::matching {

struct DirectorySettings {
  // A burst is taken as settled once no new change has come for this long...
  absl::Duration quiet_period = absl::Milliseconds(250);
  // ...and a snapshot is rebuilt anyway once it has missed a change for this long...
  absl::Duration max_staleness = absl::Seconds(5);
  // ...but a rebuild starts only once the last one's duration is at most this share of the
  // time since it started (0.2: rebuilding takes at most a fifth of one core).
  double max_rebuild_share = 0.2;
};

class Directory {
 public:
  Directory(const Clock& clock, prometheus::Registry& registry, DirectorySettings settings = {});

  // The published snapshot; built here only when there is none yet.
  absl::StatusOr<std::shared_ptr<const PeopleIndex>> Current(pg::Executor& db);
  // A snapshot with every change committed before the call: the published one when nothing
  // changed since, else one caught up first. Inside a transaction pass it: the catch-up then
  // runs on that transaction's connection (a second lease from a busy pool could wait for a
  // connection only this transaction's end frees).
  absl::StatusOr<std::shared_ptr<const PeopleIndex>> Fresh(pg::Executor& db);
  // The background job's tick: frees what readers let go of, then catches up when changes
  // have settled or waited too long.
  absl::StatusOr<JobProgress> Refresh(pg::Executor& db);
  // Where whoever replaces something that holds a snapshot (a mentor pool) leaves the old
  // one, to be freed by the next Refresh.
  Retired& retired() { return retired_; }

 private:
  // Reads the rows changed since the last catch-up and publishes a new snapshot. Holds
  // rebuild_mu_ (one catch-up at a time); readers are never held by it.
  absl::StatusOr<std::shared_ptr<const PeopleIndex>> CatchUp(pg::Executor& db, int64_t latest)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(rebuild_mu_);
  std::shared_ptr<const PeopleIndex> Published() const;

  const Clock& clock_;
  const DirectorySettings settings_;
  PeopleStore store_;
  // For operators (and the churn benchmark): how far the published snapshot is behind.
  prometheus::Gauge& snapshot_change_;
  prometheus::Gauge& behind_seconds_;

  absl::Mutex rebuild_mu_ ABSL_ACQUIRED_BEFORE(published_mu_);
  std::map<std::string, profiles::v1::Person> facts_ ABSL_GUARDED_BY(rebuild_mu_);
  int64_t seen_change_ ABSL_GUARDED_BY(rebuild_mu_) = -1;
  // Pacing of Refresh, in real time (it paces work, it decides nothing about the domain):
  // the newest change noticed and when, and since when the snapshot has been behind.
  int64_t noticed_change_ ABSL_GUARDED_BY(rebuild_mu_) = -1;
  absl::Time noticed_at_ ABSL_GUARDED_BY(rebuild_mu_);
  std::optional<absl::Time> behind_since_ ABSL_GUARDED_BY(rebuild_mu_);
  absl::Time last_rebuild_start_ ABSL_GUARDED_BY(rebuild_mu_) = absl::InfinitePast();
  absl::Duration last_rebuild_ ABSL_GUARDED_BY(rebuild_mu_);

  mutable absl::Mutex published_mu_;
  std::shared_ptr<const PeopleIndex> snapshot_ ABSL_GUARDED_BY(published_mu_);
  Retired retired_;
};

}  // namespace mentoring::matching
