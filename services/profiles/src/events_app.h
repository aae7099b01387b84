#pragma once
// What profiles does with matching's events: it keeps who mentors whom (mentorship_store.h),
// so that a mentor reads the goals their relationship covers without a call to matching on
// every read. Each handler runs in the transaction that records the event as consumed, and
// ignores an event older than one applied to its relationship (a republished copy, a
// dead letter retried late), so replays and a match.made arriving after its close change
// nothing:
//   match.made                        opens the mentorship with its focus areas, unless
//                                     either person was erased meanwhile
//   relationship.agreement_amended,   what it covers: the focus areas of the terms (an
//   relationship.resumed              amendment may change them)
//   relationship.closed,              ends it: the former mentor reads no goal from then on
//   relationship.moved_to_alumni
// A paused relationship stays open: its mentor is still the mentor, and it resumes with the
// same goals.
#include <absl/status/status.h>

#include <string>

#include "mentoring/events/v1/envelope.pb.h"
#include "mentoring/runtime/postgres.h"

namespace mentoring::profiles {

using events::v1::EventEnvelope;

class EventsApp {
 public:
  // `consumer`: the consumer group's name, which keys the sequences applied per relationship.
  explicit EventsApp(std::string consumer) : consumer_(std::move(consumer)) {}

  absl::Status OnMatchMade(pg::Transaction& txn, const EventEnvelope& event, const events::v1::MatchMade& made);
  absl::Status OnRelationshipAgreementAmended(pg::Transaction& txn, const EventEnvelope& event,
                                              const events::v1::RelationshipAgreementAmended& amended);
  absl::Status OnRelationshipResumed(pg::Transaction& txn, const EventEnvelope& event,
                                     const events::v1::RelationshipResumed& resumed);
  absl::Status OnRelationshipClosed(pg::Transaction& txn, const EventEnvelope& event,
                                    const events::v1::RelationshipClosed& closed);
  absl::Status OnRelationshipMovedToAlumni(pg::Transaction& txn, const EventEnvelope& event,
                                           const events::v1::RelationshipMovedToAlumni& moved);

 private:
  // New terms of an open relationship; terms without focus areas (from a matching older than
  // the field) leave what it covers as it was.
  absl::Status OnTerms(pg::Transaction& txn, const EventEnvelope& event, const std::string& relationship_id,
                       const events::v1::AgreementTerms& terms);
  absl::Status OnEnded(pg::Transaction& txn, const EventEnvelope& event, const std::string& relationship_id);
  // True (and recorded) when `event` is newer than any applied to its relationship.
  absl::StatusOr<bool> Fresh(pg::Transaction& txn, const EventEnvelope& event) const;

  std::string consumer_;
};

}  // namespace mentoring::profiles
