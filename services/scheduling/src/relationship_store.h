#pragma once
// Relationships as scheduling knows them, from matching's events: who organises and who
// attends, the agreement's terms, the series that carry them, and the version of the last
// event applied (older events are stale). The only code that knows the relationships table.
#include <absl/status/statusor.h>

#include <optional>
#include <string>
#include <vector>

#include "mentoring/events/v1/matching_events.pb.h"
#include "mentoring/runtime/postgres.h"

namespace mentoring::scheduling {

enum class RelationshipState { kActive = 1, kPaused = 2, kClosed = 3, kAlumni = 4 };

struct RelationshipRecord {
  std::string relationship_id;
  int64_t matching_sequence = 0;
  RelationshipState state = RelationshipState::kActive;
  std::string mentee_id;  // empty until match.made has been seen
  std::string mentor_id;
  std::string programme_id;
  events::v1::AgreementTerms terms;
  std::string current_series_id;
  std::string adhoc_series_id;
  int next_occurrence = 1;

  bool knows_people() const { return !mentee_id.empty() && !mentor_id.empty(); }
  bool is_party(const std::string& person_id) const { return person_id == mentee_id || person_id == mentor_id; }
};

class RelationshipStore {
 public:
  // The relationship, locked for the transaction; nullopt when unknown.
  static absl::StatusOr<std::optional<RelationshipRecord>> FindForUpdate(pg::Transaction& txn,
                                                                         const std::string& relationship_id);
  static absl::StatusOr<std::optional<RelationshipRecord>> Find(pg::Executor& db, const std::string& relationship_id);
  // Several, locked, in id order (a batch of match.made).
  static absl::StatusOr<std::vector<RelationshipRecord>> FindManyForUpdate(pg::Transaction& txn,
                                                                           std::vector<std::string> ids);
  // The relationships a person is a party to, with known people, in a state that plans meetings.
  static absl::StatusOr<std::vector<RelationshipRecord>> ActiveOf(pg::Executor& db, const std::string& person_id);
  static absl::Status Save(pg::Executor& db, const RelationshipRecord& relationship);
  static absl::Status SaveMany(pg::Executor& db, const std::vector<RelationshipRecord>& relationships);
};

}  // namespace mentoring::scheduling
