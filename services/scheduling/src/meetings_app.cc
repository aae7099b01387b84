#include "meetings_app.h"

#include <absl/strings/str_cat.h>

#include <algorithm>

#include "availability.h"
#include "meeting_rules.h"
#include "mentoring/runtime/errors.h"
#include "mentoring/runtime/ids.h"
#include "mentoring/runtime/paging.h"
#include "mentoring/runtime/proto_time.h"
#include "pair_content_store.h"
#include "people_store.h"
#include "relationship_store.h"
#include "schedule_changes.h"
#include "series_rules.h"

namespace mentoring::scheduling {
namespace {

constexpr int kDefaultMeetingsPage = 100;
constexpr int kMaxMeetingsPage = 500;
constexpr int kDefaultSeriesPage = 20;
constexpr int kMaxSeriesPage = 100;

absl::Status RequireId(const std::string& field, const std::string& value) {
  return value.empty() ? errors::InvalidArgument(field, "required", "name it") : absl::OkStatus();
}

absl::Status CheckVersion(const v1::Meeting& meeting, int64_t expected) {
  if (expected > 0 && expected != meeting.version())
    return errors::VersionConflict("meeting", expected, meeting.version());
  return absl::OkStatus();
}

absl::Status RequireScheduled(const v1::Meeting& meeting, const char* action) {
  if (meeting.state() == v1::MEETING_STATE_SCHEDULED) return absl::OkStatus();
  return errors::FailedPrecondition("MEETING_NOT_SCHEDULED", absl::StrCat("only a scheduled meeting can be ", action));
}

absl::Status CheckChangeReason(v1::ChangeReason reason) {
  if (IsPersonReason(reason)) return absl::OkStatus();
  return errors::InvalidArgument("reason", "change_reason",
                                 "say why with SCHEDULE_CONFLICT, ILLNESS, WORKLOAD, TRAVEL, PERSONAL or OTHER");
}

// The agreement's cancellation notice for a meeting of `series`. An ad-hoc series has no
// terms of its own (it is made at the first booking and outlives amendments), so its
// meetings are held to the relationship's current agreement; before this, an ad-hoc meeting
// cancelled or moved an hour before it started was never late.
absl::StatusOr<int> NoticeHours(pg::Executor& db, const v1::MeetingSeries& series) {
  if (series.kind() != v1::SERIES_KIND_AD_HOC) return series.cancellation_notice_hours();
  auto relationship = RelationshipStore::Find(db, series.relationship_id());
  if (!relationship.ok()) return relationship.status();
  return *relationship ? (*relationship)->terms.cancellation_notice_hours() : 0;
}

}  // namespace

absl::Status MeetingsApp::CheckAvailability(pg::Executor& db, const std::string& organiser_id,
                                            const std::string& attendee_id, absl::Time starts_at, int minutes) {
  auto people = PeopleStore::Get(db, {organiser_id, attendee_id});
  if (!people.ok()) return people.status();
  errors::Violations violations;
  for (const auto& [id, who] : {std::pair{organiser_id, "the mentee"}, std::pair{attendee_id, "the mentor"}}) {
    auto person = people->find(id);
    if (person == people->end() || person->second.erased) {
      return errors::FailedPrecondition("UNKNOWN_PERSON", absl::StrCat(who, " is not in the directory"));
    }
    auto availability = WeeklyAvailability::From(person->second.time_zone, person->second.windows);
    if (!availability.ok()) return availability.status();
    if (!availability->Fits(starts_at, minutes)) {
      violations.Add("starts_at", "outside_availability",
                     absl::StrCat("outside ", who, "'s weekly availability (", person->second.time_zone, ")"));
    }
  }
  return violations.ToStatus();
}

absl::StatusOr<v1::Meeting> MeetingsApp::AsSeenBy(pg::Executor& db, const CallContext& call, v1::Meeting meeting) {
  auto viewer = ViewerOf(call.caller, meeting.organiser_id(), meeting.attendee_id());
  if (!viewer.ok()) return viewer.status();
  if (*viewer == Viewer::kAdmin) return AdminView(std::move(meeting));
  auto agenda = AgendaStore::Get(db, meeting.meeting_id());
  if (!agenda.ok()) return agenda.status();
  if (*agenda) meeting.set_agenda(**agenda);
  // What was agreed in earlier meetings and is still open comes along to this one.
  auto items = ActionItemStore().OfRelationship(db, meeting.relationship_id(), /*open_only=*/true, "", 200);
  if (!items.ok()) return items.status();
  for (auto& item : *items) {
    if (item.meeting_id() != meeting.meeting_id()) *meeting.add_open_action_items() = std::move(item);
  }
  auto notes = NoteCounts(db, {meeting.meeting_id()});
  if (!notes.ok()) return notes.status();
  meeting.set_notes((*notes)[meeting.meeting_id()]);
  return meeting;
}

absl::StatusOr<v1::MeetingSeries> MeetingsApp::GetSeries(const CallContext& call, const v1::GetSeriesRequest& request) {
  auto series = series_.Get(pool_, request.series_id());
  if (!series.ok()) return series.status();
  if (auto viewer = ViewerOf(call.caller, series->organiser_id(), series->attendee_id()); !viewer.ok()) {
    return viewer.status();
  }
  return series;
}

absl::StatusOr<v1::ListSeriesResponse> MeetingsApp::ListSeries(const CallContext& call,
                                                               const v1::ListSeriesRequest& request) {
  if (auto valid = RequireId("relationship_id", request.relationship_id()); !valid.ok()) return valid;
  auto limit = PageSize(request.page_size(), {.fallback = kDefaultSeriesPage, .max = kMaxSeriesPage});
  if (!limit.ok()) return limit.status();
  auto relationship = RelationshipStore::Find(pool_, request.relationship_id());
  if (!relationship.ok()) return relationship.status();
  if (!*relationship) return errors::NotFound("relationship", request.relationship_id());
  if (auto viewer = ViewerOf(call.caller, (*relationship)->mentee_id, (*relationship)->mentor_id); !viewer.ok()) {
    return viewer.status();
  }
  auto series = series_.OfRelationship(pool_, request.relationship_id(), request.page_token(), *limit + 1);
  if (!series.ok()) return series.status();
  v1::ListSeriesResponse response;
  for (int i = 0; i < static_cast<int>(series->size()) && i < *limit; ++i) *response.add_series() = (*series)[i];
  if (static_cast<int>(series->size()) > *limit) {
    const auto& last = response.series(response.series_size() - 1);
    response.set_next_page_token(
        absl::StrCat(absl::ToUnixMicros(FromTimestamp(last.created_at())), "/", last.series_id()));
  }
  return response;
}

absl::StatusOr<v1::Meeting> MeetingsApp::GetMeeting(const CallContext& call, const v1::GetMeetingRequest& request) {
  auto meeting = meetings_.Get(pool_, request.meeting_id());
  if (!meeting.ok()) return meeting.status();
  return AsSeenBy(pool_, call, std::move(*meeting));
}

absl::StatusOr<v1::ListMeetingsResponse> MeetingsApp::ListMeetings(const CallContext& call,
                                                                   const v1::ListMeetingsRequest& request) {
  if (request.person_id().empty() == request.relationship_id().empty()) {
    return errors::InvalidArgument("person_id", "one_of", "name either a person or a relationship");
  }
  auto limit = PageSize(request.page_size(), {.fallback = kDefaultMeetingsPage, .max = kMaxMeetingsPage});
  if (!limit.ok()) return limit.status();
  const absl::Time now = clock_.Now();
  const absl::Time from = request.has_from() ? FromTimestamp(request.from()) : now - absl::Hours(24 * 30);
  const absl::Time to = request.has_to() ? FromTimestamp(request.to()) : from + absl::Hours(24 * 120);
  if (to <= from) return errors::InvalidArgument("to", "after_from", "must be after `from`");
  std::vector<int> states;
  for (int state : request.states()) states.push_back(state);
  absl::StatusOr<MeetingPage> page;
  if (!request.person_id().empty()) {
    if (call.caller.id != request.person_id() && !call.caller.Has(roles::kProgrammeAdmin) && !call.caller.IsService()) {
      return errors::PermissionDenied("a person's meetings are for them and programme admins");
    }
    page = meetings_.OfPerson(pool_, request.person_id(), from, to, states, request.page_token(), *limit);
  } else {
    auto relationship = RelationshipStore::Find(pool_, request.relationship_id());
    if (!relationship.ok()) return relationship.status();
    if (!*relationship) return errors::NotFound("relationship", request.relationship_id());
    if (auto viewer = ViewerOf(call.caller, (*relationship)->mentee_id, (*relationship)->mentor_id); !viewer.ok()) {
      return viewer.status();
    }
    page = meetings_.OfRelationship(pool_, request.relationship_id(), from, to, states, request.page_token(), *limit);
  }
  if (!page.ok()) return page.status();
  v1::ListMeetingsResponse response;
  for (auto& meeting : page->meetings) {
    // A list carries no pair-only text: the pair reads a meeting's agenda with GetMeeting.
    *response.add_meetings() = AdminView(std::move(meeting));
  }
  response.set_next_page_token(page->next_cursor);
  return response;
}

absl::StatusOr<v1::RescheduleMeetingResponse> MeetingsApp::RescheduleMeeting(
    const CallContext& call, const v1::RescheduleMeetingRequest& request) {
  errors::Violations violations;
  if (request.meeting_id().empty()) violations.Add("meeting_id", "required", "name the meeting");
  if (!request.has_starts_at()) violations.Add("starts_at", "required", "the new start");
  if (!IsPersonReason(request.reason())) {
    violations.Add("reason", "change_reason",
                   "say why with SCHEDULE_CONFLICT, ILLNESS, WORKLOAD, TRAVEL, PERSONAL or OTHER");
  }
  if (!violations.empty()) return violations.ToStatus();
  const absl::Time now = clock_.Now();
  const absl::Time starts_at = FromTimestamp(request.starts_at());
  if (starts_at <= now) return errors::InvalidArgument("starts_at", "future", "must be in the future");
  const bool following = request.scope() == v1::CHANGE_SCOPE_THIS_AND_FOLLOWING;
  return pg::InTransaction(pool_, [&](pg::Transaction& txn) -> absl::StatusOr<v1::RescheduleMeetingResponse> {
    auto found = meetings_.Get(txn, request.meeting_id());
    if (!found.ok()) return found.status();
    if (auto viewer = ViewerOf(call.caller, found->organiser_id(), found->attendee_id(), true); !viewer.ok()) {
      return viewer.status();
    }
    // This meeting and, for "this and following", the series' later ones: locked before
    // their series (the order every writer keeps).
    std::vector<v1::Meeting> locked;
    if (following) {
      auto rest = meetings_.ScheduledOfSeriesForUpdate(txn, found->series_id(), FromTimestamp(found->starts_at()));
      if (!rest.ok()) return rest.status();
      locked = std::move(*rest);
      if (locked.empty() || locked.front().meeting_id() != found->meeting_id()) {
        return errors::FailedPrecondition("MEETING_NOT_SCHEDULED", "only a scheduled meeting can be moved");
      }
    } else {
      auto one = meetings_.GetForUpdate(txn, request.meeting_id());
      if (!one.ok()) return one.status();
      locked.push_back(std::move(*one));
    }
    v1::Meeting& meeting = locked.front();
    if (auto scheduled = RequireScheduled(meeting, "moved"); !scheduled.ok()) return scheduled;
    if (auto version = CheckVersion(meeting, request.expected_version()); !version.ok()) return version;
    auto series = series_.GetForUpdate(txn, meeting.series_id());
    if (!series.ok()) return series.status();
    if (following && series->kind() != v1::SERIES_KIND_CADENCE) {
      return errors::InvalidArgument("scope", "cadence_only", "an ad-hoc meeting moves alone");
    }
    if (auto fits = CheckAvailability(txn, meeting.organiser_id(), meeting.attendee_id(), starts_at,
                                      meeting.duration_minutes());
        !fits.ok()) {
      return fits;
    }
    auto notice_hours = NoticeHours(txn, *series);
    if (!notice_hours.ok()) return notice_hours.status();
    ScheduleChanges changes(series_, meetings_, clock_);
    changes.SetTraceparent(call.trace.ToHeader());
    v1::RescheduleMeetingResponse response;
    const auto move = [&](v1::Meeting& m, absl::Time to, bool moved_from_series_time) {
      Move(m, to, call.caller.id, request.reason(), IsLate(m, *notice_hours, now), moved_from_series_time,
           options_.timings, now);
      *response.add_meetings() = AdminView(m);
      auto event = RescheduledEvent(m, clock_);
      changes.ChangedMeeting(m, std::move(event));
    };
    const absl::Time old_start = FromTimestamp(meeting.starts_at());
    move(meeting, starts_at, /*moved_from_series_time=*/!following);
    if (following) {
      // The series' time moves: its later meetings follow to the same local time (and day
      // shift), each where both people's windows hold it.
      const absl::TimeZone zone = [&] {
        absl::TimeZone z;
        return absl::LoadTimeZone(series->time_zone(), &z) ? z : absl::UTCTimeZone();
      }();
      const absl::CivilMinute old_local = absl::ToCivilMinute(old_start, zone);
      const absl::CivilMinute new_local = absl::ToCivilMinute(starts_at, zone);
      series->set_local_start_minute(new_local.hour() * 60 + new_local.minute());
      series->set_day_offset(series->day_offset() +
                             static_cast<int>(absl::CivilDay(new_local) - absl::CivilDay(old_local)));
      series->set_version(series->version() + 1);
      auto people = PeopleStore::Get(txn, {series->organiser_id(), series->attendee_id()});
      if (!people.ok()) return people.status();
      const auto& o = (*people)[series->organiser_id()];
      const auto& a = (*people)[series->attendee_id()];
      auto organiser = WeeklyAvailability::From(o.time_zone, o.windows);
      auto attendee = WeeklyAvailability::From(a.time_zone, a.windows);
      if (organiser.ok() && attendee.ok()) {
        const SeriesPlanner planner(*organiser, *attendee, series->meeting_minutes());
        for (size_t i = 1; i < locked.size(); ++i) {
          v1::Meeting& later = locked[i];
          if (!IsSet(later.series_date())) continue;
          auto placement = Replace(*series, planner, FromDate(later.series_date()), now);
          if (placement && placement->starts_at != FromTimestamp(later.starts_at())) {
            move(later, placement->starts_at, placement->moved);
          }
        }
      }
      changes.ChangedSeries(*series);
    }
    if (auto flushed = changes.Flush(txn); !flushed.ok()) return flushed;
    return response;
  });
}

absl::StatusOr<v1::Meeting> MeetingsApp::CancelMeeting(const CallContext& call,
                                                       const v1::CancelMeetingRequest& request) {
  if (auto valid = RequireId("meeting_id", request.meeting_id()); !valid.ok()) return valid;
  if (auto reason = CheckChangeReason(request.reason()); !reason.ok()) return reason;
  return pg::InTransaction(pool_, [&](pg::Transaction& txn) -> absl::StatusOr<v1::Meeting> {
    auto meeting = meetings_.GetForUpdate(txn, request.meeting_id());
    if (!meeting.ok()) return meeting.status();
    if (auto viewer = ViewerOf(call.caller, meeting->organiser_id(), meeting->attendee_id(), true); !viewer.ok()) {
      return viewer.status();
    }
    if (auto scheduled = RequireScheduled(*meeting, "cancelled"); !scheduled.ok()) return scheduled;
    if (auto version = CheckVersion(*meeting, request.expected_version()); !version.ok()) return version;
    auto series = series_.Get(txn, meeting->series_id());
    if (!series.ok()) return series.status();
    const absl::Time now = clock_.Now();
    auto notice_hours = NoticeHours(txn, *series);
    if (!notice_hours.ok()) return notice_hours.status();
    Cancel(*meeting, call.caller.id, request.reason(), IsLate(*meeting, *notice_hours, now), now);
    ScheduleChanges changes(series_, meetings_, clock_);
    changes.SetTraceparent(call.trace.ToHeader());
    changes.ChangedMeeting(*meeting, CancelledEvent(*meeting, clock_));
    if (auto flushed = changes.Flush(txn); !flushed.ok()) return flushed;
    return AdminView(std::move(*meeting));
  });
}

absl::StatusOr<v1::Meeting> MeetingsApp::CheckIn(const CallContext& call, const v1::CheckInRequest& request) {
  if (auto valid = RequireId("meeting_id", request.meeting_id()); !valid.ok()) return valid;
  return pg::InTransaction(pool_, [&](pg::Transaction& txn) -> absl::StatusOr<v1::Meeting> {
    auto meeting = meetings_.GetForUpdate(txn, request.meeting_id());
    if (!meeting.ok()) return meeting.status();
    if (auto viewer = ViewerOf(call.caller, meeting->organiser_id(), meeting->attendee_id(), true); !viewer.ok()) {
      return viewer.status();
    }
    auto outcome = scheduling::CheckIn(*meeting, call.caller.id, request.held(), clock_.Now());
    if (!outcome.ok()) return outcome.status();
    ScheduleChanges changes(series_, meetings_, clock_);
    changes.SetTraceparent(call.trace.ToHeader());
    std::optional<events::v1::EventEnvelope> event;
    if (*outcome == CheckInOutcome::kCompleted) event = CompletedEvent(*meeting, clock_);
    if (*outcome == CheckInOutcome::kMissed) event = MissedEvent(*meeting, clock_);
    changes.ChangedMeeting(*meeting, std::move(event));
    if (auto flushed = changes.Flush(txn); !flushed.ok()) return flushed;
    return AsSeenBy(txn, call, std::move(*meeting));
  });
}

absl::StatusOr<v1::Meeting> MeetingsApp::BookMeeting(const CallContext& call, const v1::BookMeetingRequest& request) {
  errors::Violations violations;
  if (request.relationship_id().empty()) violations.Add("relationship_id", "required", "name the relationship");
  if (!request.has_starts_at()) violations.Add("starts_at", "required", "when it starts");
  if (request.duration_minutes() != 0 && (request.duration_minutes() < 15 || request.duration_minutes() > 240)) {
    violations.Add("duration_minutes", "range_15_240", "between 15 and 240 minutes (0: the agreement's)");
  }
  if (!common::v1::MeetingMode_IsValid(request.mode())) violations.Add("mode", "enum", "a known meeting mode");
  if (!violations.empty()) return violations.ToStatus();
  const absl::Time now = clock_.Now();
  const absl::Time starts_at = FromTimestamp(request.starts_at());
  if (starts_at <= now) return errors::InvalidArgument("starts_at", "future", "must be in the future");
  return pg::InTransaction(pool_, [&](pg::Transaction& txn) -> absl::StatusOr<v1::Meeting> {
    auto relationship = RelationshipStore::FindForUpdate(txn, request.relationship_id());
    if (!relationship.ok()) return relationship.status();
    if (!*relationship || !(*relationship)->knows_people()) {
      return errors::NotFound("relationship", request.relationship_id());
    }
    RelationshipRecord& r = **relationship;
    if (auto viewer = ViewerOf(call.caller, r.mentee_id, r.mentor_id, true); !viewer.ok()) return viewer.status();
    if (r.state != RelationshipState::kActive && r.state != RelationshipState::kAlumni) {
      return errors::FailedPrecondition("RELATIONSHIP_NOT_MEETING",
                                        "meetings are booked for active relationships and alumni only");
    }
    const int minutes =
        request.duration_minutes() != 0 ? request.duration_minutes() : std::max(15, r.terms.meeting_minutes());
    if (auto fits = CheckAvailability(txn, r.mentee_id, r.mentor_id, starts_at, minutes); !fits.ok()) return fits;
    auto people = PeopleStore::Get(txn, {r.mentee_id, r.mentor_id});
    if (!people.ok()) return people.status();
    ScheduleChanges changes(series_, meetings_, clock_);
    changes.SetTraceparent(call.trace.ToHeader());
    v1::MeetingSeries series;
    if (r.adhoc_series_id.empty()) {
      series = NewAdHocSeries(NewUuidV7(clock_), r.relationship_id, r.mentee_id, r.mentor_id,
                              (*people)[r.mentee_id].time_zone, now);
      r.adhoc_series_id = series.series_id();
      changes.NewSeries(series);
    } else {
      auto existing = series_.Get(txn, r.adhoc_series_id);
      if (!existing.ok()) return existing.status();
      series = std::move(*existing);
    }
    series.set_meeting_minutes(minutes);
    series.set_mode(request.mode() != common::v1::MEETING_MODE_UNSPECIFIED ? request.mode() : r.terms.mode());
    v1::Meeting meeting = NewMeeting(series, NewUuidV7(clock_), r.next_occurrence++, starts_at, /*moved=*/false,
                                     (*people)[r.mentor_id].time_zone, options_.timings, now);
    changes.NewMeeting(meeting);
    if (auto saved = RelationshipStore::Save(txn, r); !saved.ok()) return saved;
    if (auto flushed = changes.Flush(txn); !flushed.ok()) return flushed;
    return AsSeenBy(txn, call, std::move(meeting));
  });
}

absl::StatusOr<v1::ScheduleSummary> MeetingsApp::GetScheduleSummary(const CallContext& call,
                                                                    const v1::GetScheduleSummaryRequest& request) {
  if (auto valid = RequireId("relationship_id", request.relationship_id()); !valid.ok()) return valid;
  auto relationship = RelationshipStore::Find(pool_, request.relationship_id());
  if (!relationship.ok()) return relationship.status();
  if (!*relationship) return errors::NotFound("relationship", request.relationship_id());
  if (auto viewer = ViewerOf(call.caller, (*relationship)->mentee_id, (*relationship)->mentor_id); !viewer.ok()) {
    return viewer.status();
  }
  auto counts = meetings_.Counts(pool_, request.relationship_id());
  if (!counts.ok()) return counts.status();
  v1::ScheduleSummary summary;
  summary.set_relationship_id(request.relationship_id());
  summary.set_scheduled(counts->scheduled);
  summary.set_completed(counts->completed);
  summary.set_missed(counts->missed);
  summary.set_cancelled(counts->cancelled);
  summary.set_late_cancellations(counts->late_cancellations);
  summary.set_late_reschedules(counts->late_reschedules);
  summary.set_check_in_disagreements(counts->disagreements);
  if (!(*relationship)->current_series_id.empty()) {
    auto series = series_.Get(pool_, (*relationship)->current_series_id);
    if (!series.ok()) return series.status();
    *summary.mutable_issues() = series->issues();
  }
  return summary;
}

}  // namespace mentoring::scheduling
