#include "mentoring/runtime/events.h"

#include <absl/time/time.h>

#include "mentoring/runtime/ids.h"

namespace mentoring::events {

std::string TopicFor(std::string_view producer) { return "mentoring." + std::string(producer) + ".v1"; }

std::string TypeOf(const EventEnvelope& event) {
  using P = EventEnvelope::PayloadCase;
  switch (event.payload_case()) {
    case P::kProfileCreated:
      return "profile.created";
    case P::kProfileUpdated:
      return "profile.updated";
    case P::kProfileDeactivated:
      return "profile.deactivated";
    case P::kProfileErased:
      return "profile.erased";
    case P::kRequestCreated:
      return "request.created";
    case P::kRequestWithdrawn:
      return "request.withdrawn";
    case P::kRequestAccepted:
      return "request.accepted";
    case P::kRequestDeclined:
      return "request.declined";
    case P::kMatchProposed:
      return "match.proposed";
    case P::kMatchMade:
      return "match.made";
    case P::kMatchDeclined:
      return "match.declined";
    case P::kRelationshipPaused:
      return "relationship.paused";
    case P::kRelationshipResumed:
      return "relationship.resumed";
    case P::kRelationshipAgreementAmended:
      return "relationship.agreement_amended";
    case P::kRelationshipClosed:
      return "relationship.closed";
    case P::kRelationshipMovedToAlumni:
      return "relationship.moved_to_alumni";
    case P::kMeetingScheduled:
      return "meeting.scheduled";
    case P::kMeetingRescheduled:
      return "meeting.rescheduled";
    case P::kMeetingCancelled:
      return "meeting.cancelled";
    case P::kMeetingCompleted:
      return "meeting.completed";
    case P::kMeetingMissed:
      return "meeting.missed";
    case P::kMeetingAgendaMissing:
      return "meeting.agenda_missing";
    case P::kFeedbackSubmitted:
      return "feedback.submitted";
    case P::kRapportAtRisk:
      return "rapport.at_risk";
    case P::kReviewCompleted:
      return "review.completed";
    case P::kGoalProgressed:
      return "goal.progressed";
    case P::PAYLOAD_NOT_SET:
      return "";
  }
  return "";
}

EventEnvelope NewEvent(std::string_view producer, std::string_view aggregate_type, std::string_view aggregate_id,
                       int64_t sequence, const Clock& clock) {
  EventEnvelope event;
  const absl::Time now = clock.Now();
  event.set_event_id(NewUuidV7(clock));
  event.mutable_occurred_at()->set_seconds(absl::ToUnixSeconds(now));
  event.mutable_occurred_at()->set_nanos(
      static_cast<int32_t>(absl::ToInt64Nanoseconds(now - absl::FromUnixSeconds(absl::ToUnixSeconds(now)))));
  event.set_producer(std::string(producer));
  event.set_aggregate_type(std::string(aggregate_type));
  event.set_aggregate_id(std::string(aggregate_id));
  event.set_sequence(sequence);
  event.set_schema_version(kSchemaVersion);
  return event;
}

std::vector<std::pair<std::string, std::string>> KafkaHeaders(const EventEnvelope& event) {
  const absl::Time time =
      absl::FromUnixSeconds(event.occurred_at().seconds()) + absl::Nanoseconds(event.occurred_at().nanos());
  std::vector<std::pair<std::string, std::string>> headers = {
      {"ce_specversion", "1.0"},
      {"ce_id", event.event_id()},
      {"ce_type", event.type()},
      {"ce_source", "/mentoring/" + event.producer()},
      {"ce_time", absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", time, absl::UTCTimeZone())},
      {"ce_subject", event.aggregate_id()},
      {"ce_sequence", std::to_string(event.sequence())},
      {"content-type", "application/protobuf; messageType=mentoring.events.v1.EventEnvelope"},
  };
  if (!event.traceparent().empty()) headers.emplace_back("traceparent", event.traceparent());
  return headers;
}

}  // namespace mentoring::events
