#include "meeting_rules.h"

#include "mentoring/runtime/errors.h"
#include "mentoring/runtime/events.h"
#include "mentoring/runtime/proto_time.h"

namespace mentoring::scheduling {
namespace {

void Touch(v1::Meeting& meeting, absl::Time now) {
  meeting.set_version(meeting.version() + 1);
  SetTimestamp(meeting.mutable_updated_at(), now);
}

events::v1::EventEnvelope EventAbout(const v1::Meeting& meeting, const Clock& clock) {
  auto event = events::NewEvent(kProducer, "meeting_series", meeting.series_id(), 0, clock);
  auto* subject = event.add_subjects();
  subject->set_kind("relationship");
  subject->set_id(meeting.relationship_id());
  return event;
}

void FillRef(const v1::Meeting& meeting, events::v1::MeetingRef* ref) {
  ref->set_series_id(meeting.series_id());
  ref->set_meeting_id(meeting.meeting_id());
  ref->set_relationship_id(meeting.relationship_id());
  ref->set_occurrence(meeting.occurrence());
}

}  // namespace

absl::Time AgendaDue(absl::Time starts_at, absl::Time booked_at, const MeetingTimings& timings) {
  const absl::Time due = starts_at - timings.agenda_lead;
  return due >= booked_at ? due : booked_at + (starts_at - booked_at) / 2;
}

v1::Meeting NewMeeting(const v1::MeetingSeries& series, const std::string& meeting_id, int occurrence,
                       absl::Time starts_at, bool moved, const std::string& attendee_time_zone,
                       const MeetingTimings& timings, absl::Time now) {
  v1::Meeting m;
  m.set_meeting_id(meeting_id);
  m.set_series_id(series.series_id());
  m.set_relationship_id(series.relationship_id());
  m.set_occurrence(occurrence);
  m.set_state(v1::MEETING_STATE_SCHEDULED);
  SetTimestamp(m.mutable_starts_at(), starts_at);
  m.set_duration_minutes(series.meeting_minutes());
  m.set_mode(series.mode());
  m.set_organiser_id(series.organiser_id());
  m.set_attendee_id(series.attendee_id());
  m.set_organiser_time_zone(series.time_zone());
  m.set_attendee_time_zone(attendee_time_zone);
  m.set_moved_from_series_time(moved);
  SetTimestamp(m.mutable_agenda_due_at(), AgendaDue(starts_at, now, timings));
  SetTimestamp(m.mutable_missed_after(), starts_at + absl::Minutes(series.meeting_minutes()) + timings.missed_grace);
  m.set_version(1);
  SetTimestamp(m.mutable_updated_at(), now);
  return m;
}

bool IsLate(const v1::Meeting& meeting, int notice_hours, absl::Time now) {
  return now > FromTimestamp(meeting.starts_at()) - absl::Hours(notice_hours);
}

bool IsPersonReason(v1::ChangeReason reason) {
  return reason >= v1::CHANGE_REASON_SCHEDULE_CONFLICT && reason <= v1::CHANGE_REASON_OTHER;
}

void Move(v1::Meeting& meeting, absl::Time starts_at, const std::string& by, v1::ChangeReason reason, bool late,
          bool moved_from_series_time, const MeetingTimings& timings, absl::Time now) {
  auto* change = meeting.add_reschedules();
  *change->mutable_previous_starts_at() = meeting.starts_at();
  SetTimestamp(change->mutable_starts_at(), starts_at);
  change->set_requested_by(by);
  change->set_reason(reason);
  change->set_late(late);
  SetTimestamp(change->mutable_at(), now);
  SetTimestamp(meeting.mutable_starts_at(), starts_at);
  meeting.set_moved_from_series_time(moved_from_series_time);
  SetTimestamp(meeting.mutable_missed_after(),
               starts_at + absl::Minutes(meeting.duration_minutes()) + timings.missed_grace);
  // The agenda is due again before the new time (a reminder already sent stays sent).
  SetTimestamp(meeting.mutable_agenda_due_at(), AgendaDue(starts_at, now, timings));
  meeting.set_needs_attention(false);
  meeting.set_attention_reason(v1::CHANGE_REASON_UNSPECIFIED);
  Touch(meeting, now);
}

void Cancel(v1::Meeting& meeting, const std::string& by, v1::ChangeReason reason, bool late, absl::Time now) {
  meeting.set_state(v1::MEETING_STATE_CANCELLED);
  meeting.set_cancelled_by(by);
  meeting.set_cancel_reason(reason);
  meeting.set_late_cancellation(late);
  Touch(meeting, now);
}

absl::StatusOr<CheckInOutcome> CheckIn(v1::Meeting& meeting, const std::string& person_id, bool held, absl::Time now) {
  if (meeting.state() == v1::MEETING_STATE_CANCELLED) {
    return errors::FailedPrecondition("MEETING_CANCELLED", "a cancelled meeting takes no check-in");
  }
  if (meeting.state() == v1::MEETING_STATE_MISSED) {
    return errors::FailedPrecondition("CHECK_IN_CLOSED",
                                      "the check-in period has ended and the meeting was counted as missed");
  }
  if (now < FromTimestamp(meeting.starts_at())) {
    return errors::FailedPrecondition("MEETING_NOT_STARTED", "check in once the meeting has started");
  }
  // Past the grace period with no "held" the meeting is missed, whether or not a sweeper
  // has marked it yet: a check-in then would race the sweep and decide by luck.
  if (meeting.state() == v1::MEETING_STATE_SCHEDULED && meeting.has_missed_after() &&
      now >= FromTimestamp(meeting.missed_after())) {
    return errors::FailedPrecondition("CHECK_IN_CLOSED",
                                      "the check-in period has ended; the meeting is counted as missed");
  }
  for (const auto& check_in : meeting.check_ins()) {
    if (check_in.person_id() == person_id) {
      return errors::FailedPrecondition("ALREADY_CHECKED_IN", "each person checks in once per meeting");
    }
  }
  auto* check_in = meeting.add_check_ins();
  check_in->set_person_id(person_id);
  check_in->set_held(held);
  SetTimestamp(check_in->mutable_at(), now);
  int held_count = 0, not_held_count = 0;
  for (const auto& c : meeting.check_ins()) ++(c.held() ? held_count : not_held_count);
  meeting.set_check_ins_disagree(held_count > 0 && not_held_count > 0);
  CheckInOutcome outcome = CheckInOutcome::kRecorded;
  if (meeting.state() == v1::MEETING_STATE_SCHEDULED && held) {
    meeting.set_state(v1::MEETING_STATE_COMPLETED);
    outcome = CheckInOutcome::kCompleted;
  } else if (meeting.state() == v1::MEETING_STATE_SCHEDULED && not_held_count == 2) {
    meeting.set_state(v1::MEETING_STATE_MISSED);
    outcome = CheckInOutcome::kMissed;
  }
  Touch(meeting, now);
  return outcome;
}

void MarkMissed(v1::Meeting& meeting, absl::Time now) {
  meeting.set_state(v1::MEETING_STATE_MISSED);
  Touch(meeting, now);
}

absl::StatusOr<Viewer> ViewerOf(const Caller& caller, const std::string& organiser_id, const std::string& attendee_id,
                                bool pair_only) {
  if (caller.id == organiser_id || caller.id == attendee_id) return Viewer::kParty;
  if (pair_only) return errors::PermissionDenied("only the two people in the relationship see this");
  if (caller.Has(roles::kProgrammeAdmin) || caller.IsService()) return Viewer::kAdmin;
  return errors::PermissionDenied("only the two people in the relationship and programme admins see its schedule");
}

v1::Meeting AdminView(v1::Meeting meeting) {
  meeting.clear_agenda();
  meeting.clear_open_action_items();
  // Who said held and who said not held is the pair's: an admin sees the meeting's state
  // and that the two disagreed, never which of them said what.
  meeting.clear_check_ins();
  return meeting;
}

events::v1::EventEnvelope ScheduledEvent(const v1::Meeting& meeting, const Clock& clock) {
  auto event = EventAbout(meeting, clock);
  auto* scheduled = event.mutable_meeting_scheduled();
  FillRef(meeting, scheduled->mutable_meeting());
  *scheduled->mutable_starts_at() = meeting.starts_at();
  scheduled->set_duration_minutes(meeting.duration_minutes());
  scheduled->set_mode(meeting.mode());
  return event;
}

events::v1::EventEnvelope RescheduledEvent(const v1::Meeting& meeting, const Clock& clock) {
  auto event = EventAbout(meeting, clock);
  auto* moved = event.mutable_meeting_rescheduled();
  FillRef(meeting, moved->mutable_meeting());
  const auto& change = meeting.reschedules(meeting.reschedules_size() - 1);
  *moved->mutable_previous_starts_at() = change.previous_starts_at();
  *moved->mutable_starts_at() = change.starts_at();
  moved->set_requested_by(change.requested_by());
  moved->set_late(change.late());
  return event;
}

events::v1::EventEnvelope CancelledEvent(const v1::Meeting& meeting, const Clock& clock) {
  auto event = EventAbout(meeting, clock);
  auto* cancelled = event.mutable_meeting_cancelled();
  FillRef(meeting, cancelled->mutable_meeting());
  cancelled->set_cancelled_by(meeting.cancelled_by());
  cancelled->set_late(meeting.late_cancellation());
  return event;
}

events::v1::EventEnvelope CompletedEvent(const v1::Meeting& meeting, const Clock& clock) {
  auto event = EventAbout(meeting, clock);
  auto* completed = event.mutable_meeting_completed();
  FillRef(meeting, completed->mutable_meeting());
  *completed->mutable_held_at() = meeting.starts_at();
  completed->set_duration_minutes(meeting.duration_minutes());
  return event;
}

events::v1::EventEnvelope MissedEvent(const v1::Meeting& meeting, const Clock& clock) {
  auto event = EventAbout(meeting, clock);
  auto* missed = event.mutable_meeting_missed();
  FillRef(meeting, missed->mutable_meeting());
  *missed->mutable_was_due_at() = meeting.starts_at();
  return event;
}

events::v1::EventEnvelope AgendaMissingEvent(const v1::Meeting& meeting, const Clock& clock) {
  auto event = EventAbout(meeting, clock);
  auto* missing = event.mutable_meeting_agenda_missing();
  FillRef(meeting, missing->mutable_meeting());
  *missing->mutable_agenda_due_at() = meeting.agenda_due_at();
  return event;
}

}  // namespace mentoring::scheduling
