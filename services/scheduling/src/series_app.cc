#include "series_app.h"

#include <absl/strings/str_cat.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <set>

#include "meeting_rules.h"
#include "mentoring/runtime/errors.h"
#include "mentoring/runtime/event_consumer.h"
#include "mentoring/runtime/ids.h"
#include "mentoring/runtime/proto_time.h"
#include "people_store.h"
#include "series_rules.h"

namespace mentoring::scheduling {
namespace {

using People = std::map<std::string, PersonSchedule>;

}  // namespace

// The two people's availability, or the issue that stops planning for them.
struct SeriesApp::Pair {
  std::optional<WeeklyAvailability> organiser, attendee;
  std::optional<v1::PlanningIssue> issue;
};

namespace {

// From people already read; parks when one of them is not in the read model yet (it is
// still loading, or the profile event is behind): better to wait than plan without them.
absl::StatusOr<SeriesApp::Pair> PairOf(const People& people, const std::string& organiser_id,
                                       const std::string& attendee_id) {
  SeriesApp::Pair pair;
  for (const std::string* id : {&organiser_id, &attendee_id}) {
    auto person = people.find(*id);
    if (person == people.end()) return EventConsumer::Park("person " + *id + " is not in the directory yet");
    if (person->second.erased) {
      v1::PlanningIssue issue;
      issue.set_kind(v1::PLANNING_ISSUE_KIND_UNKNOWN_PERSON);
      issue.set_detail(
          absl::StrCat(*id == organiser_id ? "the mentee" : "the mentor", " is no longer in the directory"));
      pair.issue = issue;
      return pair;
    }
    auto availability = WeeklyAvailability::From(person->second.time_zone, person->second.windows);
    if (!availability.ok()) {
      v1::PlanningIssue issue;
      issue.set_kind(v1::PLANNING_ISSUE_KIND_UNKNOWN_PERSON);
      issue.set_detail(std::string(availability.status().message()));
      pair.issue = issue;
      return pair;
    }
    (*id == organiser_id ? pair.organiser : pair.attendee) = std::move(*availability);
  }
  return pair;
}

absl::StatusOr<SeriesApp::Pair> LoadPair(pg::Transaction& txn, const std::string& organiser_id,
                                         const std::string& attendee_id) {
  auto people = PeopleStore::Get(txn, {organiser_id, attendee_id});
  if (!people.ok()) return people.status();
  return PairOf(*people, organiser_id, attendee_id);
}

absl::CivilDay WindowEnd(const SchedulingOptions& options, absl::Time now) {
  return absl::ToCivilDay(now, absl::UTCTimeZone()) + options.window_days;
}

}  // namespace

absl::StatusOr<std::optional<RelationshipRecord>> SeriesApp::Fresh(pg::Transaction& txn,
                                                                   const events::v1::EventEnvelope& event,
                                                                   const std::string& relationship_id) {
  auto relationship = RelationshipStore::FindForUpdate(txn, relationship_id);
  if (!relationship.ok()) return relationship.status();
  if (*relationship && (*relationship)->matching_sequence >= event.sequence()) {
    return std::optional<RelationshipRecord>();  // old news: a later event was applied first
  }
  if (!*relationship) {
    RelationshipRecord unknown;
    unknown.relationship_id = relationship_id;
    return std::optional<RelationshipRecord>(unknown);
  }
  return relationship;
}

absl::Status SeriesApp::Save(pg::Transaction& txn, const RelationshipRecord& relationship, ScheduleChanges& changes,
                             const events::v1::EventEnvelope& cause) {
  changes.SetTraceparent(cause.traceparent());
  if (auto saved = RelationshipStore::Save(txn, relationship); !saved.ok()) return saved;
  return changes.Flush(txn);
}

absl::StatusOr<std::vector<absl::Status>> SeriesApp::OnMatchMade(
    pg::Transaction& txn, const std::vector<EventRouter::Item<events::v1::MatchMade>>& made) {
  // A cohort's matches arrive by the thousand: everything is read in two statements and
  // written in a few, whatever the number of events.
  std::vector<std::string> relationship_ids, people_ids;
  for (const auto& [event, m] : made) {
    relationship_ids.push_back(m.relationship_id());
    people_ids.push_back(m.mentee_id());
    people_ids.push_back(m.mentor_id());
  }
  auto locked = RelationshipStore::FindManyForUpdate(txn, relationship_ids);
  if (!locked.ok()) return locked.status();
  auto people = PeopleStore::Get(txn, people_ids);
  if (!people.ok()) return people.status();
  std::map<std::string, RelationshipRecord> relationships;
  for (auto& r : *locked) relationships.emplace(r.relationship_id, std::move(r));

  ScheduleChanges changes(series_, meetings_, clock_);
  std::set<std::string> changed;
  std::vector<absl::Status> outcome;
  for (const auto& [event, m] : made) {
    auto kept = relationships.find(m.relationship_id());
    if (kept != relationships.end() && kept->second.matching_sequence >= event.sequence()) {
      // Old news: a later event was applied first. It plans nothing, but see LearnPeople.
      if (LearnPeople(kept->second, m)) changed.insert(m.relationship_id());
      outcome.push_back(absl::OkStatus());
      continue;
    }
    RelationshipRecord r = kept != relationships.end() ? kept->second : RelationshipRecord{};
    r.relationship_id = m.relationship_id();
    r.matching_sequence = event.sequence();
    r.state = RelationshipState::kActive;
    r.mentee_id = m.mentee_id();
    r.mentor_id = m.mentor_id();
    r.programme_id = m.programme_id();
    r.terms = m.terms();
    auto pair = PairOf(*people, r.mentee_id, r.mentor_id);
    if (!pair.ok()) {
      outcome.push_back(pair.status());  // parked, with nothing written for it
      continue;
    }
    PlanSeries(*pair, r, changes);
    changes.SetTraceparent(event.traceparent());
    changed.insert(r.relationship_id);
    relationships.insert_or_assign(r.relationship_id, std::move(r));
    outcome.push_back(absl::OkStatus());
  }
  std::vector<RelationshipRecord> to_save;
  for (const auto& id : changed) to_save.push_back(relationships.at(id));
  if (auto saved = RelationshipStore::SaveMany(txn, to_save); !saved.ok()) return saved;
  if (auto flushed = changes.Flush(txn); !flushed.ok()) return flushed;
  return outcome;
}

bool SeriesApp::LearnPeople(RelationshipRecord& relationship, const events::v1::MatchMade& made) {
  // A relationship seen first through a later event (paused, closed) knows its state but
  // not its people. Without them a resume or an amendment that comes after is parked for
  // good (it waits for a match.made that has already been and gone), so the people, the
  // programme and the first terms are kept from this stale match.made; its state and plan
  // stay what the later event made them.
  if (relationship.knows_people()) return false;
  relationship.mentee_id = made.mentee_id();
  relationship.mentor_id = made.mentor_id();
  relationship.programme_id = made.programme_id();
  if (relationship.terms.agreement_version() == 0) relationship.terms = made.terms();
  return true;
}

absl::Status SeriesApp::StartSeries(pg::Transaction& txn, RelationshipRecord& relationship, ScheduleChanges& changes) {
  auto pair = LoadPair(txn, relationship.mentee_id, relationship.mentor_id);
  if (!pair.ok()) return pair.status();
  PlanSeries(*pair, relationship, changes);
  return absl::OkStatus();
}

void SeriesApp::PlanSeries(const Pair& pair, RelationshipRecord& relationship, ScheduleChanges& changes) {
  const absl::Time now = clock_.Now();
  const std::string series_id = NewUuidV7(clock_);
  v1::MeetingSeries series;
  if (pair.issue) {
    // Nothing can be planned for someone who is not there: the series says so.
    series.set_series_id(series_id);
    series.set_relationship_id(relationship.relationship_id);
    series.set_kind(v1::SERIES_KIND_CADENCE);
    series.set_state(v1::SERIES_STATE_ACTIVE);
    series.set_agreement_version(relationship.terms.agreement_version());
    series.set_cadence_rrule(relationship.terms.cadence_rrule());
    series.set_organiser_id(relationship.mentee_id);
    series.set_attendee_id(relationship.mentor_id);
    series.set_version(1);
    SetTimestamp(series.mutable_created_at(), now);
    *series.add_issues() = *pair.issue;
  } else {
    const SeriesPlanner planner(*pair.organiser, *pair.attendee, relationship.terms.meeting_minutes());
    series = NewCadenceSeries(series_id, relationship.relationship_id, relationship.mentee_id, relationship.mentor_id,
                              relationship.terms, planner, now);
    PlannedStretch stretch = PlanThrough(series, planner, WindowEnd(options_, now), now + kFirstMeetingLead);
    for (const auto& occurrence : stretch.occurrences) {
      v1::Meeting meeting = NewMeeting(series, NewUuidV7(clock_), relationship.next_occurrence++, occurrence.starts_at,
                                       occurrence.moved, pair.attendee->zone_name(), options_.timings, now);
      *meeting.mutable_series_date() = ToDate(occurrence.series_date);
      changes.NewMeeting(std::move(meeting));
    }
  }
  relationship.current_series_id = series_id;
  changes.NewSeries(std::move(series));
}

absl::Status SeriesApp::StopSeries(pg::Transaction& txn, RelationshipRecord& relationship, v1::ChangeReason reason,
                                   ScheduleChanges& changes, bool with_adhoc) {
  const absl::Time now = clock_.Now();
  for (const std::string* series_id : {&relationship.current_series_id, &relationship.adhoc_series_id}) {
    if (series_id->empty()) continue;
    // A meeting the pair booked on its own is no part of the cadence a new agreement
    // replaces: before, an amendment cancelled it with the cadence's meetings.
    if (series_id == &relationship.adhoc_series_id && !with_adhoc) continue;
    // Meetings first, then their series: every writer locks in that order.
    auto ahead = meetings_.ScheduledOfSeriesForUpdate(txn, *series_id, now);
    if (!ahead.ok()) return ahead.status();
    for (v1::Meeting& meeting : *ahead) {
      Cancel(meeting, "", reason, /*late=*/false, now);
      auto event = CancelledEvent(meeting, clock_);
      changes.ChangedMeeting(std::move(meeting), std::move(event));
    }
  }
  if (!relationship.current_series_id.empty()) {
    auto series = series_.GetForUpdate(txn, relationship.current_series_id);
    if (!series.ok()) return series.status();
    EndSeries(*series, now);
    changes.ChangedSeries(std::move(*series));
    relationship.current_series_id.clear();
  }
  return absl::OkStatus();
}

absl::Status SeriesApp::EndPlanning(pg::Transaction& txn, const events::v1::EventEnvelope& event,
                                    const std::string& relationship_id, RelationshipState state,
                                    v1::ChangeReason reason) {
  auto relationship = Fresh(txn, event, relationship_id);
  if (!relationship.ok()) return relationship.status();
  if (!*relationship) return absl::OkStatus();
  RelationshipRecord& r = **relationship;
  r.matching_sequence = event.sequence();
  r.state = state;
  ScheduleChanges changes(series_, meetings_, clock_);
  // A relationship first seen here (its match.made is behind) has nothing planned; its
  // state is recorded, so the match.made, older, only tells who its people are when it
  // comes (LearnPeople).
  if (auto stopped = StopSeries(txn, r, reason, changes, /*with_adhoc=*/true); !stopped.ok()) return stopped;
  return Save(txn, r, changes, event);
}

absl::Status SeriesApp::OnPaused(pg::Transaction& txn, const events::v1::EventEnvelope& event,
                                 const events::v1::RelationshipPaused& paused) {
  return EndPlanning(txn, event, paused.relationship_id(), RelationshipState::kPaused,
                     v1::CHANGE_REASON_RELATIONSHIP_PAUSED);
}

absl::Status SeriesApp::OnClosed(pg::Transaction& txn, const events::v1::EventEnvelope& event,
                                 const events::v1::RelationshipClosed& closed) {
  return EndPlanning(txn, event, closed.relationship_id(), RelationshipState::kClosed,
                     v1::CHANGE_REASON_RELATIONSHIP_ENDED);
}

absl::Status SeriesApp::OnMovedToAlumni(pg::Transaction& txn, const events::v1::EventEnvelope& event,
                                        const events::v1::RelationshipMovedToAlumni& alumni) {
  return EndPlanning(txn, event, alumni.relationship_id(), RelationshipState::kAlumni,
                     v1::CHANGE_REASON_RELATIONSHIP_ENDED);
}

absl::Status SeriesApp::OnResumed(pg::Transaction& txn, const events::v1::EventEnvelope& event,
                                  const events::v1::RelationshipResumed& resumed) {
  auto relationship = Fresh(txn, event, resumed.relationship_id());
  if (!relationship.ok()) return relationship.status();
  if (!*relationship) return absl::OkStatus();
  RelationshipRecord& r = **relationship;
  if (!r.knows_people()) return EventConsumer::Park("relationship.resumed before its match.made");
  r.matching_sequence = event.sequence();
  r.state = RelationshipState::kActive;
  r.terms = resumed.terms();
  ScheduleChanges changes(series_, meetings_, clock_);
  if (auto stopped = StopSeries(txn, r, v1::CHANGE_REASON_AGREEMENT_CHANGED, changes, /*with_adhoc=*/false);
      !stopped.ok())
    return stopped;
  if (auto started = StartSeries(txn, r, changes); !started.ok()) return started;
  return Save(txn, r, changes, event);
}

absl::Status SeriesApp::OnAmended(pg::Transaction& txn, const events::v1::EventEnvelope& event,
                                  const events::v1::RelationshipAgreementAmended& amended) {
  auto relationship = Fresh(txn, event, amended.relationship_id());
  if (!relationship.ok()) return relationship.status();
  if (!*relationship) return absl::OkStatus();
  RelationshipRecord& r = **relationship;
  if (!r.knows_people()) return EventConsumer::Park("relationship.agreement_amended before its match.made");
  r.matching_sequence = event.sequence();
  r.terms = amended.terms();
  ScheduleChanges changes(series_, meetings_, clock_);
  // A paused relationship keeps the new terms for when it resumes.
  if (r.state == RelationshipState::kActive) {
    if (auto stopped = StopSeries(txn, r, v1::CHANGE_REASON_AGREEMENT_CHANGED, changes, /*with_adhoc=*/false);
        !stopped.ok())
      return stopped;
    if (auto started = StartSeries(txn, r, changes); !started.ok()) return started;
  }
  return Save(txn, r, changes, event);
}

absl::StatusOr<JobProgress> SeriesApp::ExtendWindows() {
  int taken = 0;
  auto status = pool_.InTransaction([&](pg::Transaction& txn) -> absl::Status {
    const absl::Time now = clock_.Now();
    const absl::CivilDay through = WindowEnd(options_, now);
    auto due = series_.ToExtendForUpdate(txn, through, options_.extend_batch);
    if (!due.ok()) return due.status();
    taken = static_cast<int>(due->size());
    ScheduleChanges changes(series_, meetings_, clock_);
    std::vector<std::string> ids;
    for (const auto& series : *due) ids.push_back(series.relationship_id());
    auto relationships = RelationshipStore::FindManyForUpdate(txn, ids);
    if (!relationships.ok()) return relationships.status();
    std::vector<std::string> people_ids;
    for (const auto& series : *due) {
      people_ids.push_back(series.organiser_id());
      people_ids.push_back(series.attendee_id());
    }
    auto people = PeopleStore::Get(txn, people_ids);
    if (!people.ok()) return people.status();
    for (v1::MeetingSeries& series : *due) {
      auto r = std::find_if(relationships->begin(), relationships->end(),
                            [&](const auto& x) { return x.relationship_id == series.relationship_id(); });
      auto pair = PairOf(*people, series.organiser_id(), series.attendee_id());
      if (r == relationships->end() || !pair.ok() || pair->issue) {
        // Nothing can be planned now (a person erased, or not in the read model). The series
        // still moves past this window: left behind, it would stay first in line and the
        // job would take it again and again, never reaching the others. It says why when
        // the reason is known; a re-plan or a new series picks it up again.
        *series.mutable_planned_through() = ToDate(through);
        if (pair.ok() && pair->issue &&
            std::none_of(series.issues().begin(), series.issues().end(),
                         [&](const v1::PlanningIssue& i) { return i.kind() == pair->issue->kind(); })) {
          *series.add_issues() = *pair->issue;
        }
        series.set_version(series.version() + 1);
        changes.ChangedSeries(series);
        continue;
      }
      const SeriesPlanner planner(*pair->organiser, *pair->attendee, series.meeting_minutes());
      PlannedStretch stretch = PlanThrough(series, planner, through, now + kFirstMeetingLead);
      for (const auto& occurrence : stretch.occurrences) {
        v1::Meeting meeting = NewMeeting(series, NewUuidV7(clock_), r->next_occurrence++, occurrence.starts_at,
                                         occurrence.moved, pair->attendee->zone_name(), options_.timings, now);
        *meeting.mutable_series_date() = ToDate(occurrence.series_date);
        changes.NewMeeting(std::move(meeting));
      }
      series.set_version(series.version() + 1);
      changes.ChangedSeries(series);
    }
    if (auto saved = RelationshipStore::SaveMany(txn, *relationships); !saved.ok()) return saved;
    return changes.Flush(txn);
  });
  if (!status.ok()) return status;
  return taken == options_.extend_batch ? JobProgress::kMoreDue : JobProgress::kDone;
}

absl::Status SeriesApp::Replan(pg::Transaction& txn, const std::string& person_id, const std::string& traceparent) {
  auto relationships = RelationshipStore::ActiveOf(txn, person_id);
  if (!relationships.ok()) return relationships.status();
  const absl::Time now = clock_.Now();
  ScheduleChanges changes(series_, meetings_, clock_);
  changes.SetTraceparent(traceparent);
  for (const RelationshipRecord& r : *relationships) {
    if (r.current_series_id.empty()) continue;
    auto ahead = meetings_.ScheduledOfSeriesForUpdate(txn, r.current_series_id, now);
    if (!ahead.ok()) return ahead.status();
    auto series = series_.GetForUpdate(txn, r.current_series_id);
    if (!series.ok()) return series.status();
    auto pair = LoadPair(txn, series->organiser_id(), series->attendee_id());
    if (!pair.ok()) return pair.status();
    if (pair->issue) continue;
    const SeriesPlanner planner(*pair->organiser, *pair->attendee, series->meeting_minutes());
    // The series' own time and zone follow the people first: what comes later is planned
    // with them, and what exists is compared with them.
    const bool zone_moved = series->time_zone() != pair->organiser->zone_name();
    series->set_time_zone(pair->organiser->zone_name());
    std::vector<absl::CivilDay> next_dates;
    for (const auto& meeting : *ahead) {
      if (IsSet(meeting.series_date())) next_dates.push_back(FromDate(meeting.series_date()));
      if (next_dates.size() == kFirstDatesConsidered) break;
    }
    if (auto minute = planner.SeriesMinute(next_dates); minute) series->set_local_start_minute(*minute);
    const absl::Time notice = now + absl::Hours(series->cancellation_notice_hours());
    for (v1::Meeting& meeting : *ahead) {
      const absl::Time starts = FromTimestamp(meeting.starts_at());
      const bool zones_shown_changed = meeting.organiser_time_zone() != pair->organiser->zone_name() ||
                                       meeting.attendee_time_zone() != pair->attendee->zone_name();
      meeting.set_organiser_time_zone(pair->organiser->zone_name());
      meeting.set_attendee_time_zone(pair->attendee->zone_name());
      // A meeting flagged by an earlier change that fits both people again where it is
      // needs nobody's attention now (before, the flag stayed until someone moved it).
      const bool unflagged = meeting.needs_attention() &&
                             meeting.attention_reason() == v1::CHANGE_REASON_AVAILABILITY_CHANGED &&
                             planner.Fits(starts);
      if (unflagged) {
        meeting.set_needs_attention(false);
        meeting.set_attention_reason(v1::CHANGE_REASON_UNSPECIFIED);
      }
      if (planner.Fits(starts) && !zone_moved) {
        if (zones_shown_changed || unflagged) {
          meeting.set_version(meeting.version() + 1);
          changes.ChangedMeeting(std::move(meeting), std::nullopt);
        }
        continue;
      }
      std::optional<Placement> placement;
      if (starts > notice && IsSet(meeting.series_date())) {
        placement = Replace(*series, planner, FromDate(meeting.series_date()), notice);
      }
      if (placement && placement->starts_at != starts) {
        Move(meeting, placement->starts_at, "", v1::CHANGE_REASON_AVAILABILITY_CHANGED, /*late=*/false,
             placement->moved, options_.timings, now);
        auto event = RescheduledEvent(meeting, clock_);
        changes.ChangedMeeting(std::move(meeting), std::move(event));
      } else if (!planner.Fits(starts)) {
        // Too near to move without breaking the notice, or nowhere to go: the pair decides.
        meeting.set_needs_attention(true);
        meeting.set_attention_reason(v1::CHANGE_REASON_AVAILABILITY_CHANGED);
        meeting.set_version(meeting.version() + 1);
        changes.ChangedMeeting(std::move(meeting), std::nullopt);
      } else if (zones_shown_changed || unflagged) {
        // It stays where it is (the new zone keeps its time, or it is near and still fits),
        // yet it is now read in the new zones: saved like the unchanged case above. Without
        // this, a move to a zone with the same clock (New York to Toronto) left every meeting
        // showing, and its calendar entry's TZID naming, the organiser's old zone.
        meeting.set_version(meeting.version() + 1);
        changes.ChangedMeeting(std::move(meeting), std::nullopt);
      }
    }
    series->set_version(series->version() + 1);
    changes.ChangedSeries(std::move(*series));
  }
  return changes.Flush(txn);
}

}  // namespace mentoring::scheduling
