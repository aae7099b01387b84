#pragma once
// Matching's read model of the people it matches: a `people` table of facts (profiles'
// Person without what identifies a person to a human), loaded from the profiles service
// over gRPC and refreshed by profile.* events; and an in-memory PeopleIndex snapshot of
// it, so a recommendation never makes a network call per candidate.
#include <absl/status/statusor.h>
#include <absl/synchronization/mutex.h>

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "mentoring/profiles/v1/profiles.grpc.pb.h"
#include "mentoring/runtime/clock.h"
#include "mentoring/runtime/identity.h"
#include "mentoring/runtime/postgres.h"
#include "people_index.h"

namespace mentoring::matching {

class Directory {
 public:
  Directory(pg::Pool& pool, const Clock& clock) : pool_(pool), clock_(clock) {}

  // The latest snapshot; rebuilt first when the table changed since the last one. Inside a
  // transaction pass it, so the check runs on that transaction's connection.
  absl::StatusOr<std::shared_ptr<const PeopleIndex>> Current(pg::Transaction* txn = nullptr);

  // Stores `person`'s facts when newer than what is kept. True when stored.
  static absl::StatusOr<bool> Upsert(pg::Transaction& txn, const profiles::v1::Person& person);
  // The version kept for a person (0 when unknown or erased).
  static absl::StatusOr<int64_t> KeptVersion(pg::Transaction& txn, const std::string& person_id);
  // The employment status kept (UNSPECIFIED when unknown or erased).
  static absl::StatusOr<common::v1::EmploymentStatus> KeptStatus(pg::Transaction& txn, const std::string& person_id);
  // Deletes the person's facts for good (profile.erased); a tombstone keeps the id only.
  static absl::Status Erase(pg::Transaction& txn, const std::string& person_id);

 private:
  pg::Pool& pool_;
  const Clock& clock_;
  absl::Mutex mu_;
  std::map<std::string, profiles::v1::Person> facts_ ABSL_GUARDED_BY(mu_);
  int64_t seen_change_ ABSL_GUARDED_BY(mu_) = -1;
  std::shared_ptr<const PeopleIndex> snapshot_ ABSL_GUARDED_BY(mu_);
};

// The profiles service as matching's source of facts.
class ProfilesSource {
 public:
  ProfilesSource(std::shared_ptr<grpc::Channel> channel, const InternalTokenSigner& signer,
                 absl::Duration deadline = absl::Seconds(3));
  // NOT_FOUND when profiles does not know the person (erased, or never existed).
  absl::StatusOr<profiles::v1::Person> Fetch(const std::string& person_id) const;
  // Streams every person (departed included) into the read model; returns how many.
  absl::StatusOr<int64_t> SyncAll(pg::Pool& pool) const;

 private:
  absl::StatusOr<std::string> Token() const;

  std::unique_ptr<profiles::v1::ProfilesService::Stub> stub_;
  const InternalTokenSigner& signer_;
  absl::Duration deadline_;
};

}  // namespace mentoring::matching
