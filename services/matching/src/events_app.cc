#include "events_app.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "matching_rules.h"
#include "mentoring/runtime/errors.h"
#include "mentoring/runtime/event_consumer.h"
#include "mentoring/runtime/outbox.h"
#include "relationship_changes.h"

namespace mentoring::matching {

using events::v1::EventEnvelope;

absl::StatusOr<int64_t> EventsApp::LoadPeople() {
  return source_.ForEachBatch([&](const std::vector<profiles::v1::Person>& batch) {
    return pool_.InTransaction([&](pg::Transaction& txn) -> absl::Status {
      for (const auto& person : batch) {
        if (auto kept = people_.Upsert(txn, person); !kept.ok()) return kept.status();
      }
      return absl::OkStatus();
    });
  });
}

absl::Status EventsApp::OnProfileCreated(pg::Transaction& txn, const EventEnvelope& event,
                                         const events::v1::ProfileCreated&) {
  return OnProfileChanged(txn, event);
}

absl::Status EventsApp::OnProfileUpdated(pg::Transaction& txn, const EventEnvelope& event,
                                         const events::v1::ProfileUpdated&) {
  return OnProfileChanged(txn, event);
}

absl::Status EventsApp::OnProfileDeactivated(pg::Transaction& txn, const EventEnvelope& event,
                                             const events::v1::ProfileDeactivated&) {
  return OnProfileChanged(txn, event);
}

absl::Status EventsApp::OnProfileChanged(pg::Transaction& txn, const EventEnvelope& event) {
  const std::string& person_id = event.aggregate_id();
  auto kept = people_.KeptVersion(txn, person_id);
  if (!kept.ok()) return kept.status();
  if (*kept >= event.sequence()) {
    // Old news (a replay, a duplicate): what is kept decides, never the old payload, or a
    // departure replayed after a rehire would close the new relationships.
    auto status_now = people_.KeptStatus(txn, person_id);
    if (!status_now.ok()) return status_now.status();
    if (*status_now != common::v1::EMPLOYMENT_STATUS_DEPARTED) return absl::OkStatus();
    return EndWhatTheyWereIn(txn, person_id);
  }
  // The event says what changed, never the facts: fetch them (profiles reads are never
  // stale after a write, so this is at least the event's version).
  auto person = source_.Fetch(person_id);
  if (!person.ok()) {
    const auto code = person.status().code();
    if (code == absl::StatusCode::kNotFound || code == absl::StatusCode::kInvalidArgument) {
      // A definite answer (erased since, or not a person id at all): nothing to keep.
      spdlog::warn("profile event for {} skipped: {}", person_id, person.status().ToString());
      return absl::OkStatus();
    }
    if (code == absl::StatusCode::kInternal || code == absl::StatusCode::kUnknown) {
      return person.status();  // a bug somewhere: retried a few times, then parked
    }
    // Outages and refusals (a rotated token secret) are waited out: nothing is lost.
    return errors::Unavailable("profiles", person.status().ToString());
  }
  if (auto stored = people_.Upsert(txn, *person); !stored.ok()) return stored.status();
  if (person->employment_status() != common::v1::EMPLOYMENT_STATUS_DEPARTED) return absl::OkStatus();
  return EndWhatTheyWereIn(txn, person_id);
}

absl::Status EventsApp::EndWhatTheyWereIn(pg::Transaction& txn, const std::string& person_id) {
  if (auto locked = relationships_.LockPeople(txn, {person_id}); !locked.ok()) return locked;
  auto pending = requests_.InvolvingForUpdate(txn, person_id, /*pending_only=*/true);
  if (!pending.ok()) return pending.status();
  std::vector<EventEnvelope> batch;
  for (v1::MentorshipRequest& request : *pending) {
    WithdrawAutomatically(request, nullptr, clock_, batch);
    if (auto saved = requests_.Save(txn, request); !saved.ok()) return saved;
  }
  if (auto closed = CloseRelationshipsOf(txn, person_id, /*erased=*/false, batch); !closed.ok()) return closed;
  return Outbox::AppendMany(txn, std::move(batch), clock_);
}

absl::Status EventsApp::OnProfileErased(pg::Transaction& txn, const EventEnvelope&,
                                        const events::v1::ProfileErased& erased) {
  const std::string& person_id = erased.person_id();
  if (auto locked = relationships_.LockPeople(txn, {person_id}); !locked.ok()) return locked;
  if (auto forgotten = people_.Erase(txn, person_id); !forgotten.ok()) return forgotten;
  if (auto unenrolled = EraseEnrollments(txn, person_id); !unenrolled.ok()) return unenrolled;
  // Free text they wrote or that is about them goes too; ids stay (opaque).
  auto requests = requests_.InvolvingForUpdate(txn, person_id, /*pending_only=*/false);
  if (!requests.ok()) return requests.status();
  std::vector<EventEnvelope> batch;
  for (v1::MentorshipRequest& request : *requests) {
    RedactRequest(request);
    if (request.state() == v1::REQUEST_STATE_PENDING) WithdrawAutomatically(request, nullptr, clock_, batch);
    if (auto saved = requests_.Save(txn, request); !saved.ok()) return saved;
  }
  if (auto removed = rematches_.DeleteOffersFor(txn, person_id); !removed.ok()) return removed;
  if (auto closed = CloseRelationshipsOf(txn, person_id, /*erased=*/true, batch); !closed.ok()) return closed;
  return Outbox::AppendMany(txn, std::move(batch), clock_);
}

absl::Status EventsApp::EraseEnrollments(pg::Transaction& txn, const std::string& person_id) {
  // Their enrollments (time commitment, consent) go, and with them their place in drafts
  // (whose explanations were built from their facts).
  auto programmes = enrollments_.DeleteAllOf(txn, person_id);
  if (!programmes.ok()) return programmes.status();
  for (const std::string& programme_id : *programmes) {
    if (auto bumped = programmes_.BumpRoster(txn, programme_id); !bumped.ok()) return bumped;
    auto drafts = drafts_.OfProgrammeForUpdate(txn, programme_id);
    if (!drafts.ok()) return drafts.status();
    for (v1::MatchDraft& draft : *drafts) {
      auto& pairs = *draft.mutable_pairs();
      pairs.erase(
          std::remove_if(pairs.begin(), pairs.end(),
                         [&](const auto& p) { return p.mentee_id() == person_id || p.mentor_id() == person_id; }),
          pairs.end());
      auto& unmatched = *draft.mutable_unmatched();
      unmatched.erase(
          std::remove_if(unmatched.begin(), unmatched.end(), [&](const auto& u) { return u.mentee_id() == person_id; }),
          unmatched.end());
      if (auto saved = drafts_.Save(txn, draft); !saved.ok()) return saved;
    }
  }
  return absl::OkStatus();
}

absl::Status EventsApp::CloseRelationshipsOf(pg::Transaction& txn, const std::string& person_id, bool erased,
                                             std::vector<EventEnvelope>& batch) {
  auto relationships = relationships_.InvolvingForUpdate(txn, person_id, /*include_closed=*/erased);
  if (!relationships.ok()) return relationships.status();
  for (v1::Relationship& r : *relationships) {
    if (IsOpen(r.state())) {
      CloseRelationship(r, common::v1::CLOSURE_REASON_LEFT_ORGANISATION, "", "", nullptr, clock_, batch);
    }
    if (erased) {
      r.clear_closure_note();
      r.mutable_agreement()->clear_expectations();
      r.mutable_agreement()->clear_mentee_role();
      r.mutable_agreement()->clear_mentor_role();
      r.mutable_agreement()->clear_goal_ids();
      r.clear_pending_amendment();
    }
    SetTimestamp(r.mutable_updated_at(), clock_.Now());
    if (auto saved = relationships_.Save(txn, r); !saved.ok()) return saved;
  }
  return absl::OkStatus();
}

absl::Status EventsApp::OnRapportAtRisk(pg::Transaction& txn, const EventEnvelope&,
                                        const events::v1::RapportAtRisk& at_risk) {
  auto r = relationships_.GetForUpdate(txn, at_risk.relationship_id());
  if (r.status().code() == absl::StatusCode::kNotFound) {
    return EventConsumer::Park("rapport.at_risk for a relationship not known yet");
  }
  if (!r.ok()) return r.status();
  if (!IsOpen(r->state())) return absl::OkStatus();
  return rematches_.Offer(txn, *r, "rapport.at_risk", clock_.Now());
}

absl::Status EventsApp::OnReviewCompleted(pg::Transaction& txn, const EventEnvelope&,
                                          const events::v1::ReviewCompleted& review) {
  // Continue, amend (the parties then agree new terms here) and undecided change nothing.
  if (review.outcome() != common::v1::REVIEW_OUTCOME_END) return absl::OkStatus();
  auto r = relationships_.GetForUpdate(txn, review.relationship_id());
  if (r.status().code() == absl::StatusCode::kNotFound) {
    return EventConsumer::Park("review.completed for a relationship not known yet");
  }
  if (!r.ok()) return r.status();
  if (!IsOpen(r->state())) return absl::OkStatus();  // closed already (by a party, or a replay)
  // A review always says why it ends; an older producer that did not is told apart.
  const common::v1::ClosureReason reason = common::v1::ClosureReason_IsValid(review.closure_reason()) &&
                                                   review.closure_reason() != common::v1::CLOSURE_REASON_UNSPECIFIED
                                               ? review.closure_reason()
                                               : common::v1::CLOSURE_REASON_OTHER;
  std::vector<EventEnvelope> batch;
  CloseRelationship(*r, reason, "", "", nullptr, clock_, batch);
  if (auto saved = relationships_.Save(txn, *r); !saved.ok()) return saved;
  if (auto appended = Outbox::AppendMany(txn, std::move(batch), clock_); !appended.ok()) return appended;
  // Ended for no rapport: the mentee is offered someone new, as when a party closes it so.
  if (reason == common::v1::CLOSURE_REASON_NO_RAPPORT)
    return rematches_.Offer(txn, *r, "review.completed", clock_.Now());
  return absl::OkStatus();
}

}  // namespace mentoring::matching
