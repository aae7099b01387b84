#pragma once
// What evaluation does with other services' events, one handler per event type, each run in
// the transaction that records the event as consumed:
//   match.made                 opens the relationship's evaluation: its people, terms and
//                              review plan (review after N meetings, on the review date)
//   relationship.*             keeps its status and terms; closed: an open review is
//                              withdrawn and both are asked the closure survey
//   meeting.completed/missed/  counts the meeting (the latest event of each meeting wins);
//   meeting.cancelled          a held one asks both for feedback; then the relationship is
//                              reassessed (rapport check, signals, review trigger, health).
//                              Before its match.made has arrived, the event is parked.
//   profile.erased             the person's answers, comments, evidence notes and surveys go
#include <absl/status/status.h>
#include <absl/status/statusor.h>

#include <optional>
#include <string>

#include "answer_store.h"
#include "ask_store.h"
#include "assessor.h"
#include "meeting_store.h"
#include "mentoring/events/v1/envelope.pb.h"
#include "mentoring/runtime/postgres.h"
#include "progress_store.h"
#include "relationship_store.h"
#include "review_store.h"

namespace mentoring::evaluation {

class EventsApp {
 public:
  // `consumer`: the consumer group's name, which keys the sequences applied per aggregate.
  EventsApp(const Assessor& assessor, std::string consumer) : assessor_(assessor), consumer_(std::move(consumer)) {}

  absl::Status OnMatchMade(pg::Transaction& txn, const EventEnvelope& event, const events::v1::MatchMade& made);
  absl::Status OnRelationshipPaused(pg::Transaction& txn, const EventEnvelope& event,
                                    const events::v1::RelationshipPaused& paused);
  absl::Status OnRelationshipResumed(pg::Transaction& txn, const EventEnvelope& event,
                                     const events::v1::RelationshipResumed& resumed);
  absl::Status OnRelationshipAgreementAmended(pg::Transaction& txn, const EventEnvelope& event,
                                              const events::v1::RelationshipAgreementAmended& amended);
  absl::Status OnRelationshipClosed(pg::Transaction& txn, const EventEnvelope& event,
                                    const events::v1::RelationshipClosed& closed);
  absl::Status OnRelationshipMovedToAlumni(pg::Transaction& txn, const EventEnvelope& event,
                                           const events::v1::RelationshipMovedToAlumni& moved);
  absl::Status OnMeetingCompleted(pg::Transaction& txn, const EventEnvelope& event,
                                  const events::v1::MeetingCompleted& completed);
  absl::Status OnMeetingMissed(pg::Transaction& txn, const EventEnvelope& event,
                               const events::v1::MeetingMissed& missed);
  absl::Status OnMeetingCancelled(pg::Transaction& txn, const EventEnvelope& event,
                                  const events::v1::MeetingCancelled& cancelled);
  absl::Status OnProfileErased(pg::Transaction& txn, const EventEnvelope& event,
                               const events::v1::ProfileErased& erased);

 private:
  // The relationship a matching event is about, locked; nullopt when the event is to be
  // skipped: a relationship evaluation never saw made (matching's events of one
  // relationship arrive in order, so its match.made was not published), or an event older
  // than one applied.
  absl::StatusOr<std::optional<v1::RelationshipRecord>> Concerned(pg::Transaction& txn, const EventEnvelope& event,
                                                                  const std::string& relationship_id);
  absl::Status OnMeeting(pg::Transaction& txn, const EventEnvelope& event, const events::v1::MeetingRef& ref,
                         MeetingOutcome outcome, const google::protobuf::Timestamp& at);

  const Assessor& assessor_;
  std::string consumer_;
  RelationshipStore relationships_;
  MeetingStore meetings_;
  AskStore asks_;
  AnswerStore answers_;
  ProgressStore progress_;
  ReviewStore reviews_;
};

}  // namespace mentoring::evaluation
