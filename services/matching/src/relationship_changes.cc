#include "relationship_changes.h"

#include "mentoring/runtime/events.h"
#include "mentoring/runtime/ids.h"

namespace mentoring::matching {

void SetTimestamp(google::protobuf::Timestamp* timestamp, absl::Time time) {
  timestamp->set_seconds(absl::ToUnixSeconds(time));
  timestamp->set_nanos(
      static_cast<int32_t>((time - absl::FromUnixSeconds(timestamp->seconds())) / absl::Nanoseconds(1)));
}

absl::CivilDay Today(const Clock& clock) { return absl::ToCivilDay(clock.Now(), absl::UTCTimeZone()); }

events::v1::EventEnvelope NewEvent(const CallContext* call, const char* aggregate, const std::string& id,
                                   int64_t sequence, const Clock& clock) {
  auto event = events::NewEvent(kProducer, aggregate, id, sequence, clock);
  if (call != nullptr) event.set_traceparent(call->trace.Child().ToHeader());
  return event;
}

events::v1::AgreementTerms TermsOf(const v1::Agreement& a) {
  events::v1::AgreementTerms t;
  t.set_agreement_version(a.version());
  t.set_cadence_rrule(a.cadence_rrule());
  t.set_meeting_minutes(a.meeting_minutes());
  t.set_mode(a.mode());
  t.set_cancellation_notice_hours(a.cancellation_notice_hours());
  *t.mutable_start_date() = a.start_date();
  *t.mutable_end_date() = a.end_date();
  t.set_review_after_meetings(a.review_after_meetings());
  *t.mutable_review_date() = a.review_date();
  t.set_mentee_time_share_percent(a.mentee_time_share_percent());
  t.set_confidential(a.confidential());
  *t.mutable_focus_areas() = a.focus_areas();
  return t;
}

v1::Relationship ProposedRelationship(const CallContext* call, const v1::Programme* programme,
                                      const std::string& mentee_id, const std::string& mentor_id,
                                      const std::vector<common::v1::FocusArea>& focus_areas, const char* origin,
                                      const Clock& clock, std::vector<events::v1::EventEnvelope>& out) {
  v1::Relationship r;
  r.set_relationship_id(NewUuidV7(clock));
  if (programme != nullptr) r.set_programme_id(programme->programme_id());
  r.set_mentee_id(mentee_id);
  r.set_mentor_id(mentor_id);
  r.set_state(v1::RELATIONSHIP_STATE_PROPOSED);
  *r.mutable_agreement() = DefaultAgreement(programme, Today(clock), focus_areas);
  r.set_origin(origin);
  r.set_version(1);
  SetTimestamp(r.mutable_created_at(), clock.Now());
  *r.mutable_updated_at() = r.created_at();
  auto event = NewEvent(call, "relationship", r.relationship_id(), 1, clock);
  auto* proposed = event.mutable_match_proposed();
  proposed->set_relationship_id(r.relationship_id());
  proposed->set_programme_id(r.programme_id());
  proposed->set_mentee_id(mentee_id);
  proposed->set_mentor_id(mentor_id);
  for (auto area : focus_areas) proposed->add_focus_areas(area);
  proposed->set_origin(origin);
  out.push_back(std::move(event));
  return r;
}

void CloseRelationship(v1::Relationship& r, common::v1::ClosureReason reason, const std::string& closed_by,
                       const std::string& note, const CallContext* call, const Clock& clock,
                       std::vector<events::v1::EventEnvelope>& out) {
  r.set_state(v1::RELATIONSHIP_STATE_CLOSED);
  r.set_closure_reason(reason);
  r.set_closure_note(note);
  r.set_closed_by(closed_by);
  *r.mutable_closed_on() = ToDate(Today(clock));
  r.clear_pending_amendment();
  r.set_version(r.version() + 1);
  SetTimestamp(r.mutable_updated_at(), clock.Now());
  auto event = NewEvent(call, "relationship", r.relationship_id(), r.version(), clock);
  auto* closed = event.mutable_relationship_closed();
  closed->set_relationship_id(r.relationship_id());
  closed->set_reason(reason);
  closed->set_closed_by(closed_by);
  *closed->mutable_closed_on() = r.closed_on();
  out.push_back(std::move(event));
}

void WithdrawAutomatically(v1::MentorshipRequest& request, const CallContext* call, const Clock& clock,
                           std::vector<events::v1::EventEnvelope>& out) {
  request.set_state(v1::REQUEST_STATE_WITHDRAWN);
  request.set_version(request.version() + 1);
  auto withdrawn = NewEvent(call, "request", request.request_id(), request.version(), clock);
  withdrawn.mutable_request_withdrawn()->set_request_id(request.request_id());
  withdrawn.mutable_request_withdrawn()->set_automatic(true);
  out.push_back(std::move(withdrawn));
}

}  // namespace mentoring::matching
