#pragma once
// The one place a relationship's record is brought up to date after anything that concerns
// it (an event, an answer, a sweep): its meetings recounted, the rapport check taken, each
// risk signal raised once, a review opened when the meetings trigger is reached, its health
// recomputed; then the record is saved and the change's events appended in the same
// transaction, each with its aggregate's next sequence.
#include <absl/status/status.h>
#include <absl/status/statusor.h>

#include <string>
#include <vector>

#include "answer_store.h"
#include "ask_store.h"
#include "evaluation_rules.h"
#include "meeting_store.h"
#include "mentoring/events/v1/envelope.pb.h"
#include "mentoring/runtime/call_context.h"
#include "mentoring/runtime/clock.h"
#include "mentoring/runtime/postgres.h"
#include "progress_store.h"
#include "relationship_store.h"
#include "review_store.h"
#include "settings_store.h"

namespace mentoring::evaluation {

using events::v1::EventEnvelope;

class Assessor {
 public:
  explicit Assessor(const Clock& clock) : clock_(clock) {}

  // An event about the relationship, or about a person (goal.progressed, reminder.due);
  // its sequence is set when it is committed. A change made for a call continues the call's
  // trace (`call` is null for the service's own).
  EventEnvelope RelationshipEvent(const v1::RelationshipRecord& record, const CallContext* call) const;
  EventEnvelope PersonEvent(const std::string& person_id, const CallContext* call) const;

  // Brings `record` (loaded for update) up to date, saves it and appends `events` with what
  // the reassessment raised.
  absl::Status Reassess(pg::Transaction& txn, v1::RelationshipRecord& record, std::vector<EventEnvelope> events,
                        const CallContext* call) const;

  // Opens a review of the relationship now, asking both parties; false when one is open
  // already (it covers this trigger too).
  absl::StatusOr<bool> OpenReview(pg::Transaction& txn, const v1::RelationshipRecord& record,
                                  v1::ReviewTrigger trigger) const;
  // Records a review's outcome (DECIDED, or UNDECIDED) with its review.completed; questions
  // still open about it are withdrawn.
  absl::Status SettleReview(pg::Transaction& txn, const v1::RelationshipRecord& record, v1::Review& review,
                            common::v1::ReviewOutcome outcome, common::v1::ClosureReason reason,
                            std::vector<EventEnvelope>& events, const CallContext* call) const;

  // Asks a person something about the relationship, with the programme's answer period.
  absl::Status Ask(pg::Executor& db, const v1::RelationshipRecord& record, const std::string& person_id,
                   events::v1::AskKind kind, const std::string& item_id, int occurrence) const;

  const Clock& clock() const { return clock_; }
  const RelationshipStore& relationships() const { return relationships_; }
  const SettingsStore& settings() const { return settings_; }

 private:
  absl::Status RaiseSignals(pg::Transaction& txn, v1::RelationshipRecord& record, const std::vector<Meeting>& meetings,
                            const v1::ProgrammeSettings& settings, std::vector<EventEnvelope>& events,
                            const CallContext* call) const;
  absl::Status TakeRapportCheck(pg::Transaction& txn, v1::RelationshipRecord& record,
                                const v1::ProgrammeSettings& settings, std::vector<EventEnvelope>& events,
                                const CallContext* call) const;
  absl::Status RecomputeHealth(pg::Transaction& txn, v1::RelationshipRecord& record,
                               const v1::ProgrammeSettings& settings) const;
  // Saves the record, then appends the events with their sequences.
  absl::Status Commit(pg::Transaction& txn, v1::RelationshipRecord& record, std::vector<EventEnvelope> events) const;

  const Clock& clock_;
  RelationshipStore relationships_;
  MeetingStore meetings_;
  AskStore asks_;
  AnswerStore answers_;
  ProgressStore progress_;
  ReviewStore reviews_;
  SettingsStore settings_;
};

}  // namespace mentoring::evaluation
