#include "events_app.h"

#include <spdlog/spdlog.h>

#include <map>

#include "mentoring/runtime/event_consumer.h"

namespace mentoring::evaluation {

absl::Status EventsApp::OnMatchMade(pg::Transaction& txn, const EventEnvelope& event,
                                    const events::v1::MatchMade& made) {
  auto fresh = EventConsumer::AcceptSequence(txn, consumer_, event);
  if (!fresh.ok()) return fresh.status();
  if (!*fresh) return absl::OkStatus();
  auto known = relationships_.Find(txn, made.relationship_id());
  if (!known.ok()) return known.status();
  if (known->has_value()) return absl::OkStatus();  // made once; a replay changes nothing
  v1::RelationshipRecord record;
  record.set_relationship_id(made.relationship_id());
  record.set_programme_id(made.programme_id());
  record.set_mentee_id(made.mentee_id());
  record.set_mentor_id(made.mentor_id());
  *record.mutable_focus_areas() = made.focus_areas();
  *record.mutable_terms() = made.terms();
  record.set_status(v1::RELATIONSHIP_STATUS_ACTIVE);
  record.set_rapport_check(v1::RAPPORT_CHECK_STATE_NOT_DUE);
  SetTimestamp(record.mutable_made_at(), FromTimestamp(event.occurred_at()));
  // Meetings parked before this event are retried once it is applied.
  return assessor_.Reassess(txn, record, {}, nullptr);
}

absl::StatusOr<std::optional<v1::RelationshipRecord>> EventsApp::Concerned(pg::Transaction& txn,
                                                                           const EventEnvelope& event,
                                                                           const std::string& relationship_id) {
  auto record = relationships_.GetForUpdate(txn, relationship_id);
  if (record.status().code() == absl::StatusCode::kNotFound) {
    spdlog::info("{} for relationship {} skipped: evaluation never saw it made", event.type(), relationship_id);
    return std::optional<v1::RelationshipRecord>();
  }
  if (!record.ok()) return record.status();
  auto fresh = EventConsumer::AcceptSequence(txn, consumer_, event);
  if (!fresh.ok()) return fresh.status();
  if (!*fresh) return std::optional<v1::RelationshipRecord>();
  return std::optional<v1::RelationshipRecord>(std::move(*record));
}

absl::Status EventsApp::OnRelationshipPaused(pg::Transaction& txn, const EventEnvelope& event,
                                             const events::v1::RelationshipPaused& paused) {
  auto record = Concerned(txn, event, paused.relationship_id());
  if (!record.ok() || !record->has_value()) return record.status();
  (*record)->set_status(v1::RELATIONSHIP_STATUS_PAUSED);
  return assessor_.Reassess(txn, **record, {}, nullptr);
}

absl::Status EventsApp::OnRelationshipResumed(pg::Transaction& txn, const EventEnvelope& event,
                                              const events::v1::RelationshipResumed& resumed) {
  auto record = Concerned(txn, event, resumed.relationship_id());
  if (!record.ok() || !record->has_value()) return record.status();
  (*record)->set_status(v1::RELATIONSHIP_STATUS_ACTIVE);
  *(*record)->mutable_terms() = resumed.terms();
  return assessor_.Reassess(txn, **record, {}, nullptr);
}

absl::Status EventsApp::OnRelationshipAgreementAmended(pg::Transaction& txn, const EventEnvelope& event,
                                                       const events::v1::RelationshipAgreementAmended& amended) {
  auto record = Concerned(txn, event, amended.relationship_id());
  if (!record.ok() || !record->has_value()) return record.status();
  // New terms may bring a new review date and end date: their triggers apply afresh.
  *(*record)->mutable_terms() = amended.terms();
  return assessor_.Reassess(txn, **record, {}, nullptr);
}

absl::Status EventsApp::OnRelationshipClosed(pg::Transaction& txn, const EventEnvelope& event,
                                             const events::v1::RelationshipClosed& closed) {
  auto found = Concerned(txn, event, closed.relationship_id());
  if (!found.ok() || !found->has_value()) return found.status();
  v1::RelationshipRecord& record = **found;
  record.set_status(v1::RELATIONSHIP_STATUS_CLOSED);
  *record.mutable_closed_on() = closed.closed_on();
  // A review still open has nothing left to decide.
  auto open = reviews_.OpenOf(txn, record.relationship_id());
  if (!open.ok()) return open.status();
  if (open->has_value()) {
    v1::Review& review = **open;
    review.set_state(v1::REVIEW_STATE_WITHDRAWN);
    SetTimestamp(review.mutable_settled_at(), assessor_.clock().Now());
    review.set_version(review.version() + 1);
    if (auto saved = reviews_.Save(txn, review); !saved.ok()) return saved;
    if (auto withdrawn = asks_.Withdraw(txn, events::v1::ASK_KIND_REVIEW, review.review_id()); !withdrawn.ok()) {
      return withdrawn;
    }
  }
  for (const std::string* person : {&record.mentee_id(), &record.mentor_id()}) {
    auto asked = assessor_.Ask(txn, record, *person, events::v1::ASK_KIND_CLOSURE_SURVEY, record.relationship_id(), 0);
    if (!asked.ok()) return asked;
  }
  return assessor_.Reassess(txn, record, {}, nullptr);
}

absl::Status EventsApp::OnRelationshipMovedToAlumni(pg::Transaction& txn, const EventEnvelope& event,
                                                    const events::v1::RelationshipMovedToAlumni& moved) {
  auto record = Concerned(txn, event, moved.relationship_id());
  if (!record.ok() || !record->has_value()) return record.status();
  (*record)->set_status(v1::RELATIONSHIP_STATUS_ALUMNI);
  return assessor_.Reassess(txn, **record, {}, nullptr);
}

absl::Status EventsApp::OnMeetingCompleted(pg::Transaction& txn, const EventEnvelope& event,
                                           const events::v1::MeetingCompleted& completed) {
  return OnMeeting(txn, event, completed.meeting(), MeetingOutcome::kHeld, completed.held_at());
}

absl::Status EventsApp::OnMeetingMissed(pg::Transaction& txn, const EventEnvelope& event,
                                        const events::v1::MeetingMissed& missed) {
  return OnMeeting(txn, event, missed.meeting(), MeetingOutcome::kMissed, missed.was_due_at());
}

absl::Status EventsApp::OnMeetingCancelled(pg::Transaction& txn, const EventEnvelope& event,
                                           const events::v1::MeetingCancelled& cancelled) {
  // Cancelled by the system (the relationship closed): not a meeting the pair let go.
  const MeetingOutcome outcome =
      cancelled.cancelled_by().empty() ? MeetingOutcome::kCancelledBySystem : MeetingOutcome::kCancelledByParty;
  return OnMeeting(txn, event, cancelled.meeting(), outcome, event.occurred_at());
}

absl::Status EventsApp::OnMeeting(pg::Transaction& txn, const EventEnvelope& event, const events::v1::MeetingRef& ref,
                                  MeetingOutcome outcome, const google::protobuf::Timestamp& at) {
  auto record = relationships_.GetForUpdate(txn, ref.relationship_id());
  if (record.status().code() == absl::StatusCode::kNotFound) {
    // Scheduling's and matching's events are not ordered against each other: this meeting
    // waits for the match.made that opened its relationship.
    return EventConsumer::Park("a meeting of a relationship whose match.made has not arrived yet");
  }
  if (!record.ok()) return record.status();
  MeetingRow row{.meeting = {ref.meeting_id(), ref.occurrence(), outcome},
                 .relationship_id = ref.relationship_id(),
                 .series_id = ref.series_id(),
                 .happened_at = FromTimestamp(at),
                 .sequence = event.sequence()};
  auto kept = meetings_.Record(txn, row);
  if (!kept.ok()) return kept.status();
  if (!*kept) return absl::OkStatus();  // a duplicate, or older than what is kept
  if (outcome == MeetingOutcome::kHeld) {
    for (const std::string* person : {&record->mentee_id(), &record->mentor_id()}) {
      auto asked =
          assessor_.Ask(txn, *record, *person, events::v1::ASK_KIND_FEEDBACK, ref.meeting_id(), ref.occurrence());
      if (!asked.ok()) return asked;
    }
  } else if (auto withdrawn = asks_.Withdraw(txn, events::v1::ASK_KIND_FEEDBACK, ref.meeting_id()); !withdrawn.ok()) {
    return withdrawn;  // a meeting that turned out not held asks nothing any more
  }
  return assessor_.Reassess(txn, *record, {}, nullptr);
}

absl::Status EventsApp::OnProfileErased(pg::Transaction& txn, const EventEnvelope&,
                                        const events::v1::ProfileErased& erased) {
  const std::string& person_id = erased.person_id();
  auto records = relationships_.InvolvingForUpdate(txn, person_id);
  if (!records.ok()) return records.status();
  if (auto deleted = answers_.DeleteAllOf(txn, person_id); !deleted.ok()) return deleted;
  if (auto deleted = progress_.DeleteAllOf(txn, person_id); !deleted.ok()) return deleted;
  if (auto deleted = asks_.DeleteAllOf(txn, person_id); !deleted.ok()) return deleted;
  // Their review answers go too; what the reviews came to stays (it is the relationship's).
  std::map<std::string, Party> party_of;
  std::vector<std::string> ids;
  for (const auto& r : *records) {
    ids.push_back(r.relationship_id());
    party_of[r.relationship_id()] = r.mentee_id() == person_id ? Party::kMentee : Party::kMentor;
  }
  auto reviews = reviews_.OfRelationshipsForUpdate(txn, ids);
  if (!reviews.ok()) return reviews.status();
  for (v1::Review& review : *reviews) {
    if (party_of[review.relationship_id()] == Party::kMentee) {
      review.clear_mentee_answer();
    } else {
      review.clear_mentor_answer();
    }
    review.set_version(review.version() + 1);
    if (auto saved = reviews_.Save(txn, review); !saved.ok()) return saved;
  }
  for (v1::RelationshipRecord& record : *records) {
    record.clear_rapport_check_score();  // one of the ratings may have been theirs
    if (auto reassessed = assessor_.Reassess(txn, record, {}, nullptr); !reassessed.ok()) return reassessed;
  }
  return absl::OkStatus();
}

}  // namespace mentoring::evaluation
