#pragma once
// Use cases of recommendations: explained top-k mentors for a mentee and mentees for a
// mentor, scanned in memory over the read model's published snapshot (directory.h,
// mentor_pools.h): a request never waits for a rebuild.
#include <absl/status/statusor.h>

#include <optional>
#include <string>
#include <vector>

#include "directory.h"
#include "enrollment_store.h"
#include "mentee_contexts.h"
#include "mentor_pools.h"
#include "mentoring/matching/v1/matching.pb.h"
#include "mentoring/runtime/call_context.h"
#include "mentoring/runtime/clock.h"
#include "mentoring/runtime/paging.h"
#include "mentoring/runtime/postgres.h"
#include "people_store.h"
#include "programme_store.h"

namespace mentoring::matching {

inline constexpr int kDefaultRecommendations = 10;

class RecommendationsApp {
 public:
  RecommendationsApp(pg::Pool& pool, Directory& directory, MentorPools& mentor_pools)
      : pool_(pool), directory_(directory), mentor_pools_(mentor_pools) {}

  absl::StatusOr<v1::RecommendResponse> RecommendMentors(const CallContext& call, const v1::RecommendRequest& request);
  absl::StatusOr<v1::RecommendResponse> RecommendMentees(const CallContext& call, const v1::RecommendRequest& request);

  // The best `limit` mentors with a free seat for the mentee in the programme. When there
  // is none and `diagnostics` is given, its ruled_out says which rules excluded whom. The
  // open relationship `being_replaced` (a rematch) leaves its focus areas open.
  // `after` (a page token's key: the last score and person id given) asks for the ones
  // ranked after it.
  absl::StatusOr<std::vector<v1::Recommendation>> MentorsFor(const v1::Programme& programme,
                                                             const std::string& mentee_id, int limit,
                                                             v1::RecommendResponse* diagnostics,
                                                             const std::string& being_replaced = "",
                                                             const std::optional<PageKey>& after = std::nullopt);

 private:
  struct Admitted {
    v1::Programme programme;
    int limit = 0;                 // the page size
    std::optional<PageKey> after;  // where the page starts
  };
  // The programme, the page asked for, once the caller may ask.
  absl::StatusOr<Admitted> Admit(const CallContext& call, const v1::RecommendRequest& request);

  // Why a person is not in the snapshot read: unknown (FAILED_PRECONDITION), or known but
  // not published yet (UNAVAILABLE, DIRECTORY_CATCHING_UP: a retry succeeds in seconds).
  absl::Status NotInSnapshot(const std::string& person_id, const std::string& who);

  pg::Pool& pool_;
  Directory& directory_;
  MentorPools& mentor_pools_;
  ProgrammeStore programmes_;
  EnrollmentStore enrollments_;
  MenteeContexts contexts_;
  PeopleStore people_;
};

}  // namespace mentoring::matching
