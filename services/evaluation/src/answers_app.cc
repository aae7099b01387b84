#include "answers_app.h"

#include "mentoring/runtime/errors.h"

namespace mentoring::evaluation {

absl::StatusOr<v1::ListPendingItemsResponse> AnswersApp::ListPendingItems(const CallContext& call,
                                                                          const v1::ListPendingItemsRequest& request) {
  if (request.person_id().empty()) return errors::InvalidArgument("person_id", "required", "name the person");
  if (call.caller.id != request.person_id() && !call.caller.IsService()) {
    return errors::PermissionDenied("what is pending for a person is theirs to see");
  }
  auto size = PageSize(request.page_size());
  if (!size.ok()) return size.status();
  auto after = ParsePageToken(request.page_token());
  if (!after.ok()) return after.status();
  auto asks = asks_.PendingFor(pool_, request.person_id(), *after, *size + 1);
  if (!asks.ok()) return asks.status();
  v1::ListPendingItemsResponse response;
  for (size_t i = 0; i < asks->size() && i < static_cast<size_t>(*size); ++i) {
    const Ask& ask = (*asks)[i];
    v1::PendingItem* item = response.add_items();
    item->set_kind(ask.kind);
    item->set_relationship_id(ask.relationship_id);
    item->set_item_id(ask.item_id);
    item->set_occurrence(ask.occurrence);
    item->set_rapport_check(ask.rapport_check);
    SetTimestamp(item->mutable_asked_at(), ask.asked_at);
    SetTimestamp(item->mutable_answer_by(), ask.answer_by);
    item->set_reminded(ask.reminded);
  }
  if (asks->size() > static_cast<size_t>(*size)) {
    const Ask& last = (*asks)[*size - 1];
    response.set_next_page_token(PageToken({Micros(last.asked_at), last.ask_id}));
  }
  return response;
}

absl::StatusOr<v1::Feedback> AnswersApp::SubmitFeedback(const CallContext& call,
                                                        const v1::SubmitFeedbackRequest& request) {
  if (auto valid = ValidateFeedback(request); !valid.ok()) return valid;
  auto meeting = meetings_.Find(pool_, request.meeting_id());
  if (!meeting.ok()) return meeting.status();
  if (!meeting->has_value()) return errors::NotFound("meeting", request.meeting_id());
  return pg::InTransaction(pool_, [&](pg::Transaction& txn) -> absl::StatusOr<v1::Feedback> {
    auto record = relationships_.GetForUpdate(txn, (*meeting)->relationship_id);
    if (!record.ok()) return record.status();
    if (auto allowed = RequirePair(*record, call.caller, "feedback on a meeting"); !allowed.ok()) return allowed;
    if ((*meeting)->meeting.outcome != MeetingOutcome::kHeld) {
      return errors::FailedPrecondition("MEETING_NOT_HELD", "only a meeting that was held can be rated");
    }
    v1::Feedback feedback;
    feedback.set_relationship_id(record->relationship_id());
    feedback.set_meeting_id(request.meeting_id());
    feedback.set_occurrence((*meeting)->meeting.occurrence);
    feedback.set_person_id(call.caller.id);
    feedback.set_rapport(request.rapport());
    feedback.set_usefulness(request.usefulness());
    feedback.set_comment(request.comment());
    SetTimestamp(feedback.mutable_submitted_at(), assessor_.clock().Now());
    if (auto inserted = answers_.InsertFeedback(txn, feedback); !inserted.ok()) return inserted;
    auto answered =
        asks_.Answer(txn, events::v1::ASK_KIND_FEEDBACK, request.meeting_id(), call.caller.id, assessor_.clock().Now());
    if (!answered.ok()) return answered.status();
    if (auto counted = answers_.CountFeedback(txn, record->programme_id(), feedback); !counted.ok()) return counted;
    record->set_feedback_contributed(true);
    EventEnvelope event = assessor_.RelationshipEvent(*record, &call);
    auto* submitted = event.mutable_feedback_submitted();
    submitted->set_relationship_id(record->relationship_id());
    submitted->set_meeting_id(request.meeting_id());
    submitted->set_submitted_by(call.caller.id);
    submitted->set_rating(request.rapport());
    submitted->set_usefulness(request.usefulness());
    // The rapport check reads this answer when the meeting is the second held one.
    std::vector<EventEnvelope> events;
    events.push_back(std::move(event));
    if (auto reassessed = assessor_.Reassess(txn, *record, std::move(events), &call); !reassessed.ok()) {
      return reassessed;
    }
    return feedback;
  });
}

absl::StatusOr<v1::ListFeedbackResponse> AnswersApp::ListFeedback(const CallContext& call,
                                                                  const v1::ListFeedbackRequest& request) {
  auto size = PageSize(request.page_size());
  if (!size.ok()) return size.status();
  auto after = ParsePageToken(request.page_token());
  if (!after.ok()) return after.status();
  auto record = relationships_.Get(pool_, request.relationship_id());
  if (!record.ok()) return record.status();
  if (auto allowed = RequirePair(*record, call.caller, "feedback"); !allowed.ok()) return allowed;
  // Only the caller's own: the other party's ratings and comment are theirs.
  auto feedback = answers_.FeedbackOf(pool_, request.relationship_id(), call.caller.id, *after, *size + 1);
  if (!feedback.ok()) return feedback.status();
  v1::ListFeedbackResponse response;
  for (size_t i = 0; i < feedback->size() && i < static_cast<size_t>(*size); ++i) {
    *response.add_feedback() = std::move((*feedback)[i]);
  }
  if (feedback->size() > static_cast<size_t>(*size)) {
    const v1::Feedback& last = response.feedback(*size - 1);
    response.set_next_page_token(PageToken({last.occurrence(), last.meeting_id()}));
  }
  return response;
}

absl::StatusOr<v1::ClosureSurvey> AnswersApp::SubmitClosureSurvey(const CallContext& call,
                                                                  const v1::SubmitClosureSurveyRequest& request) {
  if (auto valid = ValidateSurvey(request); !valid.ok()) return valid;
  return pg::InTransaction(pool_, [&](pg::Transaction& txn) -> absl::StatusOr<v1::ClosureSurvey> {
    auto record = relationships_.GetForUpdate(txn, request.relationship_id());
    if (!record.ok()) return record.status();
    if (auto allowed = RequirePair(*record, call.caller, "the closure survey"); !allowed.ok()) return allowed;
    if (IsOpen(record->status())) {
      return errors::FailedPrecondition("NOT_CLOSED", "the closure survey is for a relationship that has ended");
    }
    v1::ClosureSurvey survey;
    survey.set_relationship_id(record->relationship_id());
    survey.set_person_id(call.caller.id);
    survey.set_outcome_rating(request.outcome_rating());
    survey.set_satisfaction(request.satisfaction());
    survey.set_goals_achieved(request.goals_achieved());
    survey.set_would_recommend(request.would_recommend());
    survey.set_comment(request.comment());
    SetTimestamp(survey.mutable_submitted_at(), assessor_.clock().Now());
    if (auto inserted = answers_.InsertSurvey(txn, survey); !inserted.ok()) return inserted;
    auto answered = asks_.Answer(txn, events::v1::ASK_KIND_CLOSURE_SURVEY, record->relationship_id(), call.caller.id,
                                 assessor_.clock().Now());
    if (!answered.ok()) return answered.status();
    if (auto counted = answers_.CountSurvey(txn, record->programme_id(), survey); !counted.ok()) return counted;
    EventEnvelope event = assessor_.RelationshipEvent(*record, &call);
    auto* completed = event.mutable_survey_completed();
    completed->set_relationship_id(record->relationship_id());
    completed->set_submitted_by(call.caller.id);
    completed->set_outcome_rating(survey.outcome_rating());
    completed->set_satisfaction(survey.satisfaction());
    completed->set_goals_achieved(survey.goals_achieved());
    completed->set_would_recommend(survey.would_recommend());
    std::vector<EventEnvelope> events;
    events.push_back(std::move(event));
    if (auto reassessed = assessor_.Reassess(txn, *record, std::move(events), &call); !reassessed.ok()) {
      return reassessed;
    }
    return survey;
  });
}

absl::StatusOr<v1::ClosureSurvey> AnswersApp::GetClosureSurvey(const CallContext& call,
                                                               const v1::GetClosureSurveyRequest& request) {
  auto record = relationships_.Get(pool_, request.relationship_id());
  if (!record.ok()) return record.status();
  if (auto allowed = RequirePair(*record, call.caller, "the closure survey"); !allowed.ok()) return allowed;
  auto survey = answers_.FindSurvey(pool_, request.relationship_id(), call.caller.id);
  if (!survey.ok()) return survey.status();
  if (!survey->has_value()) return errors::NotFound("closure survey answer", request.relationship_id());
  return std::move(**survey);
}

}  // namespace mentoring::evaluation
