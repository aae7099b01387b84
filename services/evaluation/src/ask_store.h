#pragma once
// Persistence of the questions evaluation asks people (feedback on a meeting, a review, the
// closure survey): the only code that knows the asks table. What is pending for a person,
// what is due a reminder and whose feedback is missing are all read from it.
#include <absl/status/statusor.h>
#include <absl/time/time.h>

#include <optional>
#include <string>
#include <vector>

#include "evaluation_rules.h"
#include "mentoring/events/v1/evaluation_events.pb.h"
#include "mentoring/runtime/postgres.h"

namespace mentoring::evaluation {

struct Ask {
  std::string ask_id;
  std::string person_id;
  std::string relationship_id;
  events::v1::AskKind kind = events::v1::ASK_KIND_UNSPECIFIED;
  std::string item_id;
  int occurrence = 0;
  bool rapport_check = false;
  absl::Time asked_at;
  absl::Time answer_by;
  bool reminded = false;
};

class AskStore {
 public:
  // Asks once per question and person: asking again does nothing, and so does asking an
  // erased person.
  absl::Status Open(pg::Executor& db, const Ask& ask) const;
  // Records the answer; false when there was no open question (never asked, or answered).
  absl::StatusOr<bool> Answer(pg::Executor& db, events::v1::AskKind kind, const std::string& item_id,
                              const std::string& person_id, absl::Time at) const;
  // The question is no longer asked (a review that settled or was withdrawn): its
  // unanswered asks go.
  absl::Status Withdraw(pg::Executor& db, events::v1::AskKind kind, const std::string& item_id) const;
  // Marks the feedback asks of a meeting as the rapport check's.
  absl::Status MarkRapportCheck(pg::Executor& db, const std::string& meeting_id) const;
  // What the person has not answered, oldest first, after `after` (asked_at in microseconds, ask id).
  absl::StatusOr<std::vector<Ask>> PendingFor(pg::Executor& db, const std::string& person_id,
                                              const std::optional<PageKey>& after, int limit) const;
  // One unanswered ask past its answer period and not reminded yet, locked (other replicas
  // skip it); nullopt when there is none.
  absl::StatusOr<std::optional<Ask>> NextReminder(pg::Transaction& txn, absl::Time now) const;
  absl::Status MarkReminded(pg::Executor& db, const std::string& ask_id, absl::Time at) const;
  // Feedback asks of the relationship unanswered past their answer period: the person's
  // (or everyone's, for an empty person).
  absl::StatusOr<int> FeedbackMissing(pg::Executor& db, const std::string& relationship_id,
                                      const std::string& person_id, absl::Time now) const;
  // Everything asked of the person goes, and they are never asked again (an erasure).
  absl::Status DeleteAllOf(pg::Executor& db, const std::string& person_id) const;
};

}  // namespace mentoring::evaluation
