#include "sweeper.h"

#include <functional>

namespace mentoring::evaluation {

absl::StatusOr<JobProgress> Sweeper::Tick() {
  const absl::Time now = assessor_.clock().Now();
  JobProgress progress = JobProgress::kDone;
  const std::function<absl::StatusOr<bool>(absl::Time)> steps[] = {
      [this](absl::Time t) { return OpenOneDatedReview(t); }, [this](absl::Time t) { return RemindOne(t); },
      [this](absl::Time t) { return SettleOneUndecided(t); }, [this](absl::Time t) { return SignalOneOverrun(t); }};
  for (const auto& step : steps) {
    int handled = 0;
    while (handled < kBatch) {
      auto done = step(now);
      if (!done.ok()) return done.status();
      if (!*done) break;
      ++handled;
    }
    if (handled == kBatch) progress = JobProgress::kMoreDue;
  }
  return progress;
}

absl::StatusOr<bool> Sweeper::RemindOne(absl::Time now) {
  return pg::InTransaction(pool_, [&](pg::Transaction& txn) -> absl::StatusOr<bool> {
    auto ask = asks_.NextReminder(txn, now);
    if (!ask.ok()) return ask.status();
    if (!ask->has_value()) return false;
    const Ask& due = **ask;
    if (auto marked = asks_.MarkReminded(txn, due.ask_id, now); !marked.ok()) return marked;
    auto record = relationships_.GetForUpdate(txn, due.relationship_id);
    if (!record.ok()) return record.status();
    EventEnvelope event = assessor_.PersonEvent(due.person_id, nullptr);
    auto* reminder = event.mutable_reminder_due();
    reminder->set_person_id(due.person_id);
    reminder->set_relationship_id(due.relationship_id);
    reminder->set_kind(due.kind);
    reminder->set_item_id(due.item_id);
    SetTimestamp(reminder->mutable_asked_at(), due.asked_at);
    if (due.kind == events::v1::ASK_KIND_REVIEW) {
      auto review = reviews_.GetForUpdate(txn, due.item_id);
      if (!review.ok()) return review.status();
      *reminder->mutable_undecided_after() = review->undecided_after();
      if (!review->reminded()) {
        review->set_reminded(true);
        review->set_version(review->version() + 1);
        if (auto saved = reviews_.Save(txn, *review); !saved.ok()) return saved;
      }
    }
    std::vector<EventEnvelope> events;
    events.push_back(std::move(event));
    // Health sees the overdue answer; a third missing feedback raises its signal.
    if (auto reassessed = assessor_.Reassess(txn, *record, std::move(events), nullptr); !reassessed.ok()) {
      return reassessed;
    }
    return true;
  });
}

absl::StatusOr<bool> Sweeper::SettleOneUndecided(absl::Time now) {
  return pg::InTransaction(pool_, [&](pg::Transaction& txn) -> absl::StatusOr<bool> {
    auto review = reviews_.NextUndecided(txn, now);
    if (!review.ok()) return review.status();
    if (!review->has_value()) return false;
    auto record = relationships_.GetForUpdate(txn, (*review)->relationship_id());
    if (!record.ok()) return record.status();
    // An END would have settled it when it was given: what is left did not decide anything.
    std::vector<EventEnvelope> events;
    if (auto settled = assessor_.SettleReview(txn, *record, **review, common::v1::REVIEW_OUTCOME_UNDECIDED,
                                              common::v1::CLOSURE_REASON_UNSPECIFIED, events, nullptr);
        !settled.ok()) {
      return settled;
    }
    if (auto reassessed = assessor_.Reassess(txn, *record, std::move(events), nullptr); !reassessed.ok()) {
      return reassessed;
    }
    return true;
  });
}

absl::StatusOr<bool> Sweeper::OpenOneDatedReview(absl::Time now) {
  return pg::InTransaction(pool_, [&](pg::Transaction& txn) -> absl::StatusOr<bool> {
    auto record = relationships_.NextReviewDateDue(txn, Today(now));
    if (!record.ok()) return record.status();
    if (!record->has_value()) return false;
    v1::RelationshipRecord& r = **record;
    if (auto opened = assessor_.OpenReview(txn, r, v1::REVIEW_TRIGGER_DATE); !opened.ok()) return opened.status();
    *r.mutable_review_date_used() = r.terms().review_date();
    if (auto reassessed = assessor_.Reassess(txn, r, {}, nullptr); !reassessed.ok()) return reassessed;
    return true;
  });
}

absl::StatusOr<bool> Sweeper::SignalOneOverrun(absl::Time now) {
  return pg::InTransaction(pool_, [&](pg::Transaction& txn) -> absl::StatusOr<bool> {
    auto record = relationships_.NextOverrun(txn, Today(now));
    if (!record.ok()) return record.status();
    if (!record->has_value()) return false;
    v1::RelationshipRecord& r = **record;
    *r.mutable_overrun_signalled_for() = r.terms().end_date();
    EventEnvelope event = assessor_.RelationshipEvent(r, nullptr);
    auto* risk = event.mutable_risk_raised();
    risk->set_relationship_id(r.relationship_id());
    risk->set_kind(events::v1::RISK_KIND_OVERRAN_END_WITHOUT_REVIEW);
    risk->set_meetings_held(r.tally().held());
    risk->set_meetings_due(r.tally().due());
    *risk->mutable_end_date() = r.terms().end_date();
    std::vector<EventEnvelope> events;
    events.push_back(std::move(event));
    if (auto reassessed = assessor_.Reassess(txn, r, std::move(events), nullptr); !reassessed.ok()) {
      return reassessed;
    }
    return true;
  });
}

}  // namespace mentoring::evaluation
