#pragma once
// The profiles use cases: who may do what, the rules, the transaction that writes a person
// together with its events, and the cache kept in step. No gRPC here.
#include <absl/status/statusor.h>

#include <string>
#include <vector>

#include "mentoring/profiles/v1/profiles.pb.h"
#include "mentoring/runtime/clock.h"
#include "mentoring/runtime/redis.h"
#include "mentoring/runtime/server.h"
#include "person_store.h"

namespace mentoring::profiles {

inline constexpr char kProducer[] = "profiles";
inline constexpr int kMaxBatchGet = 1000;

class ProfilesApp {
 public:
  ProfilesApp(pg::Pool& pool, redis::VersionedCache& cache, const Clock& clock)
      : pool_(pool), store_(pool), cache_(cache), clock_(clock) {}

  absl::StatusOr<Person> Create(const CallContext& call, Person person);
  absl::StatusOr<Person> Get(const CallContext& call, const std::string& person_id);
  absl::StatusOr<v1::BatchGetPeopleResponse> BatchGet(const CallContext& call, const std::vector<std::string>& ids);
  absl::StatusOr<Person> Update(const CallContext& call, Person person, int64_t expected_version);
  absl::StatusOr<std::vector<Person>> ListPage(const CallContext& call, const std::string& after_id, int limit,
                                               const ListFilter& filter);

 private:
  // The person themself, another service, HR and programme admins see the whole profile;
  // anyone else the colleague view.
  Person ViewFor(const Caller& caller, const Person& person) const;
  absl::StatusOr<Person> Load(const std::string& person_id);
  void CacheWrite(const Person& person);

  pg::Pool& pool_;
  PersonStore store_;
  redis::VersionedCache& cache_;
  const Clock& clock_;
};

}  // namespace mentoring::profiles
