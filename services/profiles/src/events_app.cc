#include "events_app.h"

#include "mentoring/runtime/event_consumer.h"
#include "mentorship_store.h"
#include "person_store.h"

namespace mentoring::profiles {
namespace {

FocusAreas AreasOf(const google::protobuf::RepeatedField<int>& areas) {
  FocusAreas out;
  for (int area : areas) out.push_back(static_cast<common::v1::FocusArea>(area));
  return out;
}

}  // namespace

absl::StatusOr<bool> EventsApp::Fresh(pg::Transaction& txn, const EventEnvelope& event) const {
  return EventConsumer::AcceptSequence(txn, consumer_, event);
}

absl::Status EventsApp::OnMatchMade(pg::Transaction& txn, const EventEnvelope& event,
                                    const events::v1::MatchMade& made) {
  auto fresh = Fresh(txn, event);
  if (!fresh.ok() || !*fresh) return fresh.status();
  // An erasure deleted the person's mentorships; one made before it and heard after it is
  // not kept (matching closes it on hearing of the erasure).
  auto erased = PersonStore::AnyErased(txn, {made.mentee_id(), made.mentor_id()});
  if (!erased.ok() || *erased) return erased.status();
  return MentorshipStore::Open(txn, made.relationship_id(), made.mentee_id(), made.mentor_id(),
                               AreasOf(made.focus_areas()));
}

absl::Status EventsApp::OnRelationshipAgreementAmended(pg::Transaction& txn, const EventEnvelope& event,
                                                       const events::v1::RelationshipAgreementAmended& amended) {
  return OnTerms(txn, event, amended.relationship_id(), amended.terms());
}

absl::Status EventsApp::OnRelationshipResumed(pg::Transaction& txn, const EventEnvelope& event,
                                              const events::v1::RelationshipResumed& resumed) {
  return OnTerms(txn, event, resumed.relationship_id(), resumed.terms());
}

absl::Status EventsApp::OnRelationshipClosed(pg::Transaction& txn, const EventEnvelope& event,
                                             const events::v1::RelationshipClosed& closed) {
  return OnEnded(txn, event, closed.relationship_id());
}

absl::Status EventsApp::OnRelationshipMovedToAlumni(pg::Transaction& txn, const EventEnvelope& event,
                                                    const events::v1::RelationshipMovedToAlumni& moved) {
  return OnEnded(txn, event, moved.relationship_id());
}

absl::Status EventsApp::OnTerms(pg::Transaction& txn, const EventEnvelope& event, const std::string& relationship_id,
                                const events::v1::AgreementTerms& terms) {
  auto fresh = Fresh(txn, event);
  if (!fresh.ok() || !*fresh || terms.focus_areas().empty()) return fresh.status();
  return MentorshipStore::Cover(txn, relationship_id, AreasOf(terms.focus_areas()));
}

absl::Status EventsApp::OnEnded(pg::Transaction& txn, const EventEnvelope& event, const std::string& relationship_id) {
  auto fresh = Fresh(txn, event);
  if (!fresh.ok() || !*fresh) return fresh.status();
  return MentorshipStore::End(txn, relationship_id);
}

}  // namespace mentoring::profiles
