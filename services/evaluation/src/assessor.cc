#include "assessor.h"

#include <algorithm>

#include "health_rules.h"
#include "mentoring/runtime/events.h"
#include "mentoring/runtime/ids.h"
#include "mentoring/runtime/outbox.h"

namespace mentoring::evaluation {
namespace {

constexpr char kRelationship[] = "relationship";
constexpr char kPerson[] = "person";

absl::Duration AnswerPeriod(const v1::ProgrammeSettings& settings) {
  return absl::Hours(24) * settings.review_answer_days();
}

}  // namespace

EventEnvelope Assessor::RelationshipEvent(const v1::RelationshipRecord& record, const CallContext* call) const {
  EventEnvelope event = events::NewEvent(kProducer, kRelationship, record.relationship_id(), 0, clock_);
  if (call != nullptr) event.set_traceparent(call->trace.Child().ToHeader());
  for (const std::string* id : {&record.mentee_id(), &record.mentor_id()}) {
    auto* subject = event.add_subjects();
    subject->set_kind("person");
    subject->set_id(*id);
  }
  return event;
}

EventEnvelope Assessor::PersonEvent(const std::string& person_id, const CallContext* call) const {
  EventEnvelope event = events::NewEvent(kProducer, kPerson, person_id, 0, clock_);
  if (call != nullptr) event.set_traceparent(call->trace.Child().ToHeader());
  return event;
}

absl::Status Assessor::Reassess(pg::Transaction& txn, v1::RelationshipRecord& record, std::vector<EventEnvelope> events,
                                const CallContext* call) const {
  auto settings = settings_.SettingsOf(txn, record.programme_id());
  if (!settings.ok()) return settings.status();
  auto meetings = meetings_.OfRelationship(txn, record.relationship_id());
  if (!meetings.ok()) return meetings.status();
  *record.mutable_tally() = Tally(*meetings);
  if (auto checked = TakeRapportCheck(txn, record, *settings, events, call); !checked.ok()) return checked;
  if (auto raised = RaiseSignals(txn, record, *meetings, *settings, events, call); !raised.ok()) return raised;
  if (record.status() == v1::RELATIONSHIP_STATUS_ACTIVE && MeetingsReviewDue(record)) {
    if (auto opened = OpenReview(txn, record, v1::REVIEW_TRIGGER_MEETINGS); !opened.ok()) return opened.status();
    // Every N held meetings: the mark moves to the last multiple reached, so meetings
    // counted late (reordered events) never open two reviews for one trigger.
    const int every = record.terms().review_after_meetings();
    record.set_review_meetings_mark(record.review_meetings_mark() +
                                    every * ((record.tally().held() - record.review_meetings_mark()) / every));
  }
  if (auto health = RecomputeHealth(txn, record, *settings); !health.ok()) return health;
  return Commit(txn, record, std::move(events));
}

absl::Status Assessor::TakeRapportCheck(pg::Transaction& txn, v1::RelationshipRecord& record,
                                        const v1::ProgrammeSettings& settings, std::vector<EventEnvelope>& events,
                                        const CallContext* call) const {
  const auto state = record.rapport_check();
  if (state == v1::RAPPORT_CHECK_STATE_FINE || state == v1::RAPPORT_CHECK_STATE_LOW) return absl::OkStatus();
  std::optional<int> mentee, mentor;
  const std::string& meeting_id = record.tally().second_held_meeting_id();
  if (!meeting_id.empty()) {
    // Both are asked after the second completed meeting: its feedback is their answer.
    if (auto marked = asks_.MarkRapportCheck(txn, meeting_id); !marked.ok()) return marked;
    auto feedback = answers_.FeedbackOnMeeting(txn, meeting_id);
    if (!feedback.ok()) return feedback.status();
    for (const v1::Feedback& f : *feedback) {
      if (f.person_id() == record.mentee_id()) mentee = f.rapport();
      if (f.person_id() == record.mentor_id()) mentor = f.rapport();
    }
  }
  const RapportDecision decision = RapportCheck(record.tally().held(), mentee, mentor, settings.rapport_threshold());
  record.set_rapport_check(decision.state);
  if (decision.state != v1::RAPPORT_CHECK_STATE_LOW) return absl::OkStatus();
  record.set_rapport_check_score(decision.score);
  EventEnvelope event = RelationshipEvent(record, call);
  auto* at_risk = event.mutable_rapport_at_risk();
  at_risk->set_relationship_id(record.relationship_id());
  at_risk->set_mentee_id(record.mentee_id());
  at_risk->set_mentor_id(record.mentor_id());
  at_risk->set_meetings_considered(2);
  at_risk->set_rapport_score(decision.score);
  events.push_back(std::move(event));
  return absl::OkStatus();
}

absl::Status Assessor::RaiseSignals(pg::Transaction& txn, v1::RelationshipRecord& record,
                                    const std::vector<Meeting>& meetings, const v1::ProgrammeSettings& settings,
                                    std::vector<EventEnvelope>& events, const CallContext* call) const {
  const v1::MeetingTally& tally = record.tally();
  const std::optional<int> adherence = AdherencePercent(tally);
  const bool below = adherence && *adherence < settings.adherence_threshold_percent();
  if (!IsOpen(record.status())) {
    record.set_cadence_below(below);
    return absl::OkStatus();  // a nudge for a relationship that ended helps nobody
  }
  auto signal = [&](events::v1::RiskKind kind) -> events::v1::RiskRaised& {
    EventEnvelope& event = events.emplace_back(RelationshipEvent(record, call));
    auto* risk = event.mutable_risk_raised();
    risk->set_relationship_id(record.relationship_id());
    risk->set_kind(kind);
    risk->set_meetings_held(tally.held());
    risk->set_meetings_due(tally.due());
    return *risk;
  };
  for (const MissedStreak& streak : UnsignalledStreaks(meetings, record.missed_streaks_signalled())) {
    record.add_missed_streaks_signalled(streak.first_occurrence);
    signal(events::v1::RISK_KIND_TWO_MISSED_IN_A_ROW).set_missed_in_a_row(streak.length);
  }
  // Raised when adherence falls below the threshold, and again only after it recovered.
  if (below && !record.cadence_below()) {
    auto& risk = signal(events::v1::RISK_KIND_CADENCE_BELOW_THRESHOLD);
    risk.set_adherence_percent(*adherence);
    risk.set_threshold_percent(settings.adherence_threshold_percent());
  }
  record.set_cadence_below(below);
  for (const std::string* person : {&record.mentee_id(), &record.mentor_id()}) {
    const auto& done = record.feedback_missing_signalled();
    if (std::find(done.begin(), done.end(), *person) != done.end()) continue;
    auto missing = asks_.FeedbackMissing(txn, record.relationship_id(), *person, clock_.Now());
    if (!missing.ok()) return missing.status();
    if (*missing < 3) continue;
    record.add_feedback_missing_signalled(*person);
    auto& risk = signal(events::v1::RISK_KIND_FEEDBACK_MISSING);
    risk.set_person_id(*person);
    risk.set_meetings_without_feedback(*missing);
  }
  return absl::OkStatus();
}

absl::Status Assessor::RecomputeHealth(pg::Transaction& txn, v1::RelationshipRecord& record,
                                       const v1::ProgrammeSettings& settings) const {
  const std::string& id = record.relationship_id();
  auto means = answers_.MeansOf(txn, id);
  if (!means.ok()) return means.status();
  auto goals = progress_.MeanLatestProgress(txn, id);
  if (!goals.ok()) return goals.status();
  auto latest = reviews_.LatestOf(txn, id);
  if (!latest.ok()) return latest.status();
  const absl::Time now = clock_.Now();
  auto missing = asks_.FeedbackMissing(txn, id, "", now);
  if (!missing.ok()) return missing.status();
  HealthViews views = ComputeHealth(record, {.mean_rapport = means->rapport,
                                             .mean_usefulness = means->usefulness,
                                             .goals_percent = *goals,
                                             .feedback_missing = *missing,
                                             .latest_review = latest->has_value() ? &latest->value() : nullptr,
                                             .adherence_threshold = settings.adherence_threshold_percent(),
                                             .now = now});
  *record.mutable_health() = std::move(views.pair);
  *record.mutable_admin_health() = std::move(views.admin);
  return absl::OkStatus();
}

absl::Status Assessor::Commit(pg::Transaction& txn, v1::RelationshipRecord& record,
                              std::vector<EventEnvelope> events) const {
  // The record's version counts its changes; each event about the relationship takes the
  // next one (so two events of one change keep their order for consumers).
  bool versioned = false;
  for (EventEnvelope& event : events) {
    if (event.aggregate_type() == kRelationship) {
      record.set_version(record.version() + 1);
      event.set_sequence(record.version());
      versioned = true;
    }
  }
  if (!versioned) record.set_version(record.version() + 1);
  if (auto saved = relationships_.Save(txn, record); !saved.ok()) return saved;
  for (EventEnvelope& event : events) {
    if (event.aggregate_type() != kPerson) continue;
    auto sequence = relationships_.NextPersonSequence(txn, event.aggregate_id());
    if (!sequence.ok()) return sequence.status();
    event.set_sequence(*sequence);
  }
  return Outbox::AppendMany(txn, std::move(events), clock_);
}

absl::StatusOr<bool> Assessor::OpenReview(pg::Transaction& txn, const v1::RelationshipRecord& record,
                                          v1::ReviewTrigger trigger) const {
  auto open = reviews_.OpenOf(txn, record.relationship_id());
  if (!open.ok()) return open.status();
  if (open->has_value()) return false;
  auto settings = settings_.SettingsOf(txn, record.programme_id());
  if (!settings.ok()) return settings.status();
  // Whole microseconds, as PostgreSQL keeps it: the page key read back is the same.
  const absl::Time now = absl::FromUnixMicros(absl::ToUnixMicros(clock_.Now()));
  v1::Review review;
  review.set_review_id(NewUuidV7(clock_));
  review.set_relationship_id(record.relationship_id());
  review.set_programme_id(record.programme_id());
  review.set_trigger(trigger);
  review.set_meetings_held(record.tally().held());
  review.set_state(v1::REVIEW_STATE_OPEN);
  SetTimestamp(review.mutable_opened_at(), now);
  SetTimestamp(review.mutable_answer_by(), now + AnswerPeriod(*settings));
  SetTimestamp(review.mutable_undecided_after(), now + 2 * AnswerPeriod(*settings));
  review.set_version(1);
  if (auto inserted = reviews_.Insert(txn, review); !inserted.ok()) return inserted;
  for (const std::string* person : {&record.mentee_id(), &record.mentor_id()}) {
    if (auto asked = Ask(txn, record, *person, events::v1::ASK_KIND_REVIEW, review.review_id(), 0); !asked.ok()) {
      return asked;
    }
  }
  return true;
}

absl::Status Assessor::SettleReview(pg::Transaction& txn, const v1::RelationshipRecord& record, v1::Review& review,
                                    common::v1::ReviewOutcome outcome, common::v1::ClosureReason reason,
                                    std::vector<EventEnvelope>& events, const CallContext* call) const {
  review.set_state(outcome == common::v1::REVIEW_OUTCOME_UNDECIDED ? v1::REVIEW_STATE_UNDECIDED
                                                                   : v1::REVIEW_STATE_DECIDED);
  review.set_outcome(outcome);
  review.set_closure_reason(reason);
  SetTimestamp(review.mutable_settled_at(), clock_.Now());
  review.set_version(review.version() + 1);
  if (auto saved = reviews_.Save(txn, review); !saved.ok()) return saved;
  if (auto withdrawn = asks_.Withdraw(txn, events::v1::ASK_KIND_REVIEW, review.review_id()); !withdrawn.ok()) {
    return withdrawn;
  }
  EventEnvelope event = RelationshipEvent(record, call);
  auto* completed = event.mutable_review_completed();
  completed->set_relationship_id(record.relationship_id());
  completed->set_outcome(outcome);
  completed->set_meetings_held(record.tally().held());
  completed->set_closure_reason(reason);
  completed->set_review_id(review.review_id());
  events.push_back(std::move(event));
  return absl::OkStatus();
}

absl::Status Assessor::Ask(pg::Executor& db, const v1::RelationshipRecord& record, const std::string& person_id,
                           events::v1::AskKind kind, const std::string& item_id, int occurrence) const {
  auto settings = settings_.SettingsOf(db, record.programme_id());
  if (!settings.ok()) return settings.status();
  const absl::Time now = clock_.Now();
  return asks_.Open(db, {.ask_id = NewUuidV7(clock_),
                         .person_id = person_id,
                         .relationship_id = record.relationship_id(),
                         .kind = kind,
                         .item_id = item_id,
                         .occurrence = occurrence,
                         .asked_at = now,
                         .answer_by = now + AnswerPeriod(*settings)});
}

}  // namespace mentoring::evaluation
