#pragma once
// The profiles use cases: who may do what, the rules, the transaction that writes a person
// together with its events, and the cache kept in step. No gRPC here.
#include <absl/status/statusor.h>

#include <string>
#include <vector>

#include "mentoring/profiles/v1/profiles.pb.h"
#include "mentoring/runtime/call_context.h"
#include "mentoring/runtime/clock.h"
#include "mentoring/runtime/redis.h"
#include "mentoring/runtime/streams.h"
#include "mentoring/runtime/worker_pool.h"
#include "mentorship_store.h"
#include "person_store.h"
#include "person_writes.h"

namespace mentoring::profiles {

inline constexpr int kMaxBatchGet = 1000;
inline constexpr int kListPageSize = 500;  // people per page of the ListPeople stream

using ImportSink = StreamSink<v1::ImportPeopleChunk, v1::ImportReport>;

class ProfilesApp {
 public:
  // `workers` runs what blocks (PostgreSQL) for the calls that do not start on it (GetAsync).
  ProfilesApp(pg::Pool& pool, redis::VersionedCache& cache, WorkerPool& workers, const Clock& clock)
      : pool_(pool), store_(pool), mentorships_(pool), cache_(cache), workers_(workers), clock_(clock) {}
  ProfilesApp(const ProfilesApp&) = delete;
  ProfilesApp& operator=(const ProfilesApp&) = delete;

  // One use case per method of ProfilesService, named after it.
  absl::StatusOr<Person> CreatePerson(const CallContext& call, const v1::CreatePersonRequest& request);
  // Reads a person without blocking the calling thread and calls `done` once with the
  // serialized Person as the caller may see it: a cache hit is answered from the Redis
  // client's thread with the cached bytes as they are (no parse and re-serialise unless
  // the caller's view hides something), a miss reads PostgreSQL on the worker pool and
  // fills the cache. Whether the caller mentors a person with goals is read from
  // PostgreSQL, on the worker pool too.
  void GetPerson(const CallContext& call, const v1::GetPersonRequest& request, SerializedDone done);
  absl::StatusOr<v1::BatchGetPeopleResponse> BatchGetPeople(const CallContext& call,
                                                            const v1::BatchGetPeopleRequest& request);
  // One page of the ListPeople stream, after `cursor` (a person id; empty: the first page).
  absl::StatusOr<StreamPage<Person>> ListPeople(const CallContext& call, const v1::ListPeopleRequest& request,
                                                const std::string& cursor);
  absl::StatusOr<Person> UpdatePerson(const CallContext& call, const v1::UpdatePersonRequest& request);
  absl::StatusOr<Person> DeactivatePerson(const CallContext& call, const v1::DeactivatePersonRequest& request);
  absl::StatusOr<v1::ErasePersonResponse> ErasePerson(const CallContext& call, const v1::ErasePersonRequest& request);
  absl::StatusOr<v1::SearchPeopleResponse> SearchPeople(const CallContext& call,
                                                        const v1::SearchPeopleRequest& request);
  absl::StatusOr<v1::GetReportingChainResponse> GetReportingChain(const CallContext& call,
                                                                  const v1::GetReportingChainRequest& request);
  absl::StatusOr<Person> SetGoalStatus(const CallContext& call, const v1::SetGoalStatusRequest& request);
  absl::StatusOr<v1::GetExclusionsResponse> GetExclusions(const CallContext& call,
                                                          const v1::GetExclusionsRequest& request);
  // An HR import for a caller with the hr_integration role: the stream's first message
  // carries the options, the rest the file (hr_importer.h).
  absl::StatusOr<std::unique_ptr<ImportSink>> ImportPeople(const CallContext& call);

  // After a committed write: the cache takes the new version (or a tombstone).
  void CacheWrite(const Person& person, bool erased = false);

 private:
  // The person themself and other services see the whole profile; anyone else what the
  // rules let them see (ViewOf): as HR or a programme admin or not, and as their mentor in
  // the focus areas of `mentored` (MentoredBy).
  Person ViewFor(const Caller& caller, const Person& person, const MentoredAreas& mentored) const;
  // The focus areas in which `caller` mentors each of `people`, read only for a person
  // caller reading someone else's goals.
  absl::StatusOr<MentoredAreas> MentoredBy(const Caller& caller, const std::vector<Person>& people);
  // The same people as `caller` may see each of them.
  absl::StatusOr<std::vector<Person>> ViewsFor(const Caller& caller, std::vector<Person> people);
  // Calls `done` with a cache entry serialized as `caller` may see it, on the calling thread
  // unless the view depends on the mentorships (then on the worker pool).
  void ReplyWith(const Caller& caller, const std::string& person_id, redis::VersionedCache::Entry entry,
                 SerializedDone done);
  WriteContext Context(const CallContext& call) const { return {clock_, call.trace.ToHeader(), "api"}; }
  // Locks the person, checks the version, lets `change` edit a copy, validates, writes.
  absl::StatusOr<Person> Change(const CallContext& call, const std::string& person_id, int64_t expected_version,
                                const std::function<absl::Status(Person&)>& change);

  pg::Pool& pool_;
  PersonStore store_;
  MentorshipStore mentorships_;
  redis::VersionedCache& cache_;
  WorkerPool& workers_;
  const Clock& clock_;
};

// True for callers that may act on anyone's profile.
bool IsAdministrative(const Caller& caller);

}  // namespace mentoring::profiles
