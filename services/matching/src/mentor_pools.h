#pragma once
// Each programme's mentors with a free seat, as PeopleIndex indexes, kept current from the
// changes that affect them: the programme's roster (its version), the seats of mentors
// whose relationships changed anywhere (RelationshipStore::SeatChangesSince), and the
// people snapshot. Readers take the published pool and never wait for a reload; the
// background job (Refresh) updates it. A recommendation may therefore name a mentor whose
// last seat went a moment ago: taking a seat always recounts under the mentor's lock.
#include <absl/status/statusor.h>
#include <absl/synchronization/mutex.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "directory.h"
#include "enrollment_store.h"
#include "matching_rules.h"
#include "mentoring/runtime/background_job.h"
#include "mentoring/runtime/postgres.h"
#include "programme_store.h"
#include "relationship_store.h"

namespace mentoring::matching {

// What a recommendation reads: a people snapshot and, in it, the programme's mentors with
// a free seat (ascending indexes). Both come together, so the indexes always fit.
struct MentorPool {
  std::shared_ptr<const PeopleIndex> people;
  std::shared_ptr<const std::vector<int32_t>> available;
};

class MentorPools {
 public:
  MentorPools(pg::Pool& pool, Directory& directory) : pool_(pool), directory_(directory) {}

  // The programme's published pool; read now only the first time it is asked for.
  absl::StatusOr<MentorPool> Of(const std::string& programme_id);
  // The background job's tick: brings the directory, then every pool asked for so far, up
  // to date. One tick reads at most one query per programme plus one for all seat changes.
  absl::StatusOr<JobProgress> Refresh();

 private:
  // One enrolled mentor as last read.
  struct Mentor {
    std::string person_id;
    int seats = 0;  // the enrollment's seats
    SeatLoad load;
  };
  // A programme's mentors as last read, by person id (byte order, as PeopleIndex's ids).
  struct Roster {
    int64_t version = -1;
    std::vector<Mentor> mentors;
  };

  absl::StatusOr<Roster> ReadRoster(const std::string& programme_id, int64_t version) const;
  // Recounts the seats of those of `mentor_ids` in the roster. True when a count moved.
  absl::StatusOr<bool> Recount(const std::string& programme_id, const std::vector<std::string>& mentor_ids,
                               Roster& roster) const;
  void Publish(const std::string& programme_id, const Roster& roster, std::shared_ptr<const PeopleIndex> people);
  std::optional<MentorPool> Published(const std::string& programme_id) const;

  pg::Pool& pool_;
  Directory& directory_;
  ProgrammeStore programmes_;
  EnrollmentStore enrollments_;
  RelationshipStore relationships_;

  // Reads and rebuilds, one at a time; readers never take it once a pool is published.
  absl::Mutex update_mu_ ABSL_ACQUIRED_BEFORE(published_mu_);
  std::map<std::string, Roster> rosters_ ABSL_GUARDED_BY(update_mu_);
  std::optional<int64_t> seat_mark_ ABSL_GUARDED_BY(update_mu_);  // where to read seat changes from

  mutable absl::Mutex published_mu_;
  std::map<std::string, MentorPool> published_ ABSL_GUARDED_BY(published_mu_);
};

}  // namespace mentoring::matching
