#pragma once
// Use cases of recommendations: explained top-k mentors for a mentee and mentees for a
// mentor, scanned in memory over the read model's snapshot.
#include <absl/status/statusor.h>
#include <absl/synchronization/mutex.h>
#include <absl/time/time.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "directory.h"
#include "enrollment_store.h"
#include "mentee_contexts.h"
#include "mentoring/matching/v1/matching.pb.h"
#include "mentoring/runtime/call_context.h"
#include "mentoring/runtime/clock.h"
#include "mentoring/runtime/paging.h"
#include "mentoring/runtime/postgres.h"
#include "programme_store.h"
#include "relationship_store.h"

namespace mentoring::matching {

inline constexpr int kDefaultRecommendations = 10;

class RecommendationsApp {
 public:
  RecommendationsApp(pg::Pool& pool, Directory& directory, const Clock& clock)
      : pool_(pool), directory_(directory), clock_(clock) {}

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

  // The programme's enrolled mentors with a free seat, as PeopleIndex indexes: cached per
  // programme, rebuilt when the roster or the people snapshot changed, or after 2 s (seats).
  absl::StatusOr<std::shared_ptr<const std::vector<int32_t>>> AvailableMentors(
      const std::string& programme_id, const std::shared_ptr<const PeopleIndex>& people);

  pg::Pool& pool_;
  Directory& directory_;
  const Clock& clock_;
  ProgrammeStore programmes_;
  EnrollmentStore enrollments_;
  RelationshipStore relationships_;
  MenteeContexts contexts_;

  struct MentorPool {
    std::shared_ptr<const PeopleIndex> people;
    int64_t roster_version = -1;
    absl::Time built_at;
    std::shared_ptr<const std::vector<int32_t>> mentors;
  };
  absl::Mutex pools_mu_;
  std::map<std::string, MentorPool> pools_ ABSL_GUARDED_BY(pools_mu_);
};

}  // namespace mentoring::matching
