#pragma once
// Scheduling's use cases, event handlers and sweeper wired as scheduling_service.cc wires
// them, on a scratch database of the test stack, with a manual clock and a fake profiles
// directory: matching's events and profiles' events go through the runtime's real
// consumers (two, as in the service: the read model of people has a consumer group of its
// own), so duplicates are skipped and early events parked exactly as in the service, but
// there is no process and no Kafka.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "availability.h"
#include "feeds_app.h"
#include "harness.h"
#include "meetings_app.h"
#include "mentoring/runtime/clock.h"
#include "mentoring/runtime/errors.h"
#include "mentoring/runtime/event_consumer.h"
#include "mentoring/runtime/event_router.h"
#include "mentoring/runtime/events.h"
#include "mentoring/runtime/ids.h"
#include "mentoring/runtime/outbox.h"
#include "mentoring/runtime/proto_time.h"
#include "pair_content_app.h"
#include "people_app.h"
#include "people_source.h"
#include "relationship_store.h"
#include "scheduling_service.h"
#include "series_app.h"
#include "sweeper.h"

namespace mentoring::scheduling {

using Window = profiles::v1::AvailabilityWindow;

// The profiles directory as the read model fetches it: what a test put there, at the
// version it says.
class FakePeopleSource final : public profiles::PeopleSource {
 public:
  absl::StatusOr<profiles::v1::Person> Fetch(const std::string& person_id) const override {
    auto it = people.find(person_id);
    if (it == people.end()) return errors::NotFound("person", person_id);
    return it->second;
  }
  absl::StatusOr<int64_t> ForEachBatch(
      const std::function<absl::Status(const std::vector<profiles::v1::Person>&)>& take) const override {
    std::vector<profiles::v1::Person> all;
    for (const auto& [id, person] : people) all.push_back(person);
    if (auto taken = take(all); !taken.ok()) return taken;
    return static_cast<int64_t>(all.size());
  }

  std::map<std::string, profiles::v1::Person> people;
};

// Monday to Friday, `from`–`to` o'clock local time.
inline std::vector<Window> Weekdays(int from_hour, int to_hour) {
  std::vector<Window> windows;
  for (int day = 1; day <= 5; ++day) {
    Window w;
    w.set_weekday(day);
    w.set_start_minute(from_hour * 60);
    w.set_end_minute(to_hour * 60);
    windows.push_back(w);
  }
  return windows;
}

class SchedulingFlowTest : public ::testing::Test {
 protected:
  using EventEnvelope = events::v1::EventEnvelope;
  // The service's two consumer groups: matching's lifecycle, and the people read model.
  static constexpr char kMatchingConsumer[] = "scheduling";
  static constexpr char kPeopleConsumer[] = "scheduling.people";
  static constexpr char kLondon[] = "Europe/London";
  static constexpr char kBerlin[] = "Europe/Berlin";

  void SetUp() override {
    ASSERT_TRUE(pg::ApplyMigrations(pool_, "runtime", RuntimeMigrations()).ok());
    ASSERT_TRUE(pg::ApplyMigrations(pool_, "scheduling", Migrations()).ok());
    matching_router_.OnBatch<events::v1::MatchMade>(std::bind_front(&SeriesApp::OnMatchMade, &series_))
        .On<events::v1::RelationshipPaused>(std::bind_front(&SeriesApp::OnPaused, &series_))
        .On<events::v1::RelationshipResumed>(std::bind_front(&SeriesApp::OnResumed, &series_))
        .On<events::v1::RelationshipAgreementAmended>(std::bind_front(&SeriesApp::OnAmended, &series_))
        .On<events::v1::RelationshipClosed>(std::bind_front(&SeriesApp::OnClosed, &series_))
        .On<events::v1::RelationshipMovedToAlumni>(std::bind_front(&SeriesApp::OnMovedToAlumni, &series_));
    people_router_.On<events::v1::ProfileCreated>(std::bind_front(&PeopleApp::OnCreated, &people_))
        .On<events::v1::ProfileUpdated>(std::bind_front(&PeopleApp::OnUpdated, &people_))
        .On<events::v1::ProfileErased>(std::bind_front(&PeopleApp::OnErased, &people_));
    ASSERT_TRUE(matching_router_.Check().ok());
    ASSERT_TRUE(people_router_.Check().ok());
  }

  // ---- callers
  static Caller As(const std::string& id) { return {id, {roles::kEmployee}}; }
  static Caller Admin() { return {"admin-1", {roles::kProgrammeAdmin, roles::kEmployee}}; }
  static CallContext Call(const Caller& caller) { return CallContext{.caller = caller}; }

  // ---- people, as profiles publishes them
  std::string Person(const std::string& tag, const std::string& zone, std::vector<Window> windows) {
    profiles::v1::Person p;
    p.set_person_id(tag + "-" + NewUuidV7().substr(24));
    p.set_time_zone(zone);
    for (auto& w : windows) *p.mutable_mentoring_profile()->add_availability() = w;
    p.set_version(1);
    source_.people[p.person_id()] = p;
    EventEnvelope e = events::NewEvent("profiles", "person", p.person_id(), p.version(), clock_);
    e.mutable_profile_created()->set_person_id(p.person_id());
    DeliverPeople(e);
    return p.person_id();
  }
  // A new zone and/or windows, and the profile.updated that says so.
  void MovePerson(const std::string& id, const std::string& zone, std::vector<Window> windows) {
    profiles::v1::Person& p = source_.people.at(id);
    p.set_time_zone(zone);
    p.mutable_mentoring_profile()->clear_availability();
    for (auto& w : windows) *p.mutable_mentoring_profile()->add_availability() = w;
    p.set_version(p.version() + 1);
    EventEnvelope e = events::NewEvent("profiles", "person", id, p.version(), clock_);
    e.mutable_profile_updated()->set_person_id(id);
    e.mutable_profile_updated()->add_changed_parts(events::v1::PROFILE_PART_LOCATION);
    e.mutable_profile_updated()->add_changed_parts(events::v1::PROFILE_PART_AVAILABILITY);
    DeliverPeople(e);
  }
  void ErasePerson(const std::string& id) {
    const int64_t version = source_.people.at(id).version() + 1;
    source_.people.erase(id);
    EventEnvelope e = events::NewEvent("profiles", "person", id, version, clock_);
    e.mutable_profile_erased()->set_person_id(id);
    DeliverPeople(e);
  }
  WeeklyAvailability AvailabilityOf(const std::string& id) {
    const auto& p = source_.people.at(id);
    auto availability = WeeklyAvailability::From(
        p.time_zone(), {p.mentoring_profile().availability().begin(), p.mentoring_profile().availability().end()});
    EXPECT_TRUE(availability.ok()) << availability.status();
    return *availability;
  }

  // ---- matching's events
  struct Pair {
    std::string id, mentee, mentor;
  };
  static events::v1::AgreementTerms Terms(const std::string& rrule, int notice_hours = 48, int version = 1,
                                          int minutes = 60) {
    events::v1::AgreementTerms terms;
    terms.set_agreement_version(version);
    terms.set_cadence_rrule(rrule);
    terms.set_meeting_minutes(minutes);
    terms.set_mode(common::v1::MEETING_MODE_VIDEO);
    terms.set_cancellation_notice_hours(notice_hours);
    return terms;
  }
  EventEnvelope Matching(const Pair& p, int64_t sequence) {
    return events::NewEvent("matching", "relationship", p.id, sequence, clock_);
  }
  EventEnvelope MatchMade(const Pair& p, const events::v1::AgreementTerms& terms, int64_t sequence = 1) {
    EventEnvelope e = Matching(p, sequence);
    auto* made = e.mutable_match_made();
    made->set_relationship_id(p.id);
    made->set_programme_id(programme_id_);
    made->set_mentee_id(p.mentee);
    made->set_mentor_id(p.mentor);
    *made->mutable_terms() = terms;
    return e;
  }
  EventEnvelope Paused(const Pair& p, int64_t sequence) {
    EventEnvelope e = Matching(p, sequence);
    e.mutable_relationship_paused()->set_relationship_id(p.id);
    return e;
  }
  EventEnvelope Resumed(const Pair& p, const events::v1::AgreementTerms& terms, int64_t sequence) {
    EventEnvelope e = Matching(p, sequence);
    e.mutable_relationship_resumed()->set_relationship_id(p.id);
    *e.mutable_relationship_resumed()->mutable_terms() = terms;
    return e;
  }
  EventEnvelope Amended(const Pair& p, const events::v1::AgreementTerms& terms, int64_t sequence) {
    EventEnvelope e = Matching(p, sequence);
    e.mutable_relationship_agreement_amended()->set_relationship_id(p.id);
    *e.mutable_relationship_agreement_amended()->mutable_terms() = terms;
    return e;
  }
  EventEnvelope Closed(const Pair& p, int64_t sequence) {
    EventEnvelope e = Matching(p, sequence);
    e.mutable_relationship_closed()->set_relationship_id(p.id);
    e.mutable_relationship_closed()->set_reason(common::v1::CLOSURE_REASON_NO_LONGER_BENEFICIAL);
    return e;
  }

  EventEnvelope MovedToAlumni(const Pair& p, int64_t sequence) {
    EventEnvelope e = Matching(p, sequence);
    e.mutable_relationship_moved_to_alumni()->set_relationship_id(p.id);
    return e;
  }

  EventEnvelope DeliverMatching(const EventEnvelope& event) {
    EXPECT_TRUE(matching_consumer_.Apply(event).ok()) << events::TypeOf(event);
    return event;
  }
  EventEnvelope DeliverPeople(const EventEnvelope& event) {
    EXPECT_TRUE(people_consumer_.Apply(event).ok()) << events::TypeOf(event);
    return event;
  }

  // A mentee in London and a mentor in Berlin, both free on weekdays (London 09:00–17:00
  // for both), known to the read model and not matched yet.
  Pair NewPair(const std::string& tag) {
    return {NewUuidV7(), Person(tag + "-mentee", kLondon, Weekdays(9, 17)),
            Person(tag + "-mentor", kBerlin, Weekdays(10, 18))};
  }
  // The same, matched with `terms`.
  Pair Matched(const std::string& tag, const events::v1::AgreementTerms& terms) {
    Pair p = NewPair(tag);
    DeliverMatching(MatchMade(p, terms));
    return p;
  }

  // ---- what is stored
  std::vector<v1::Meeting> MeetingsOf(const std::string& relationship_id,
                                      std::optional<v1::MeetingState> state = std::nullopt) {
    auto all = meeting_store_.Many(pool_,
                                   "SELECT body FROM meetings WHERE relationship_id = $1 "
                                   "ORDER BY starts_at, meeting_id",
                                   {relationship_id});
    EXPECT_TRUE(all.ok()) << all.status();
    std::vector<v1::Meeting> out;
    for (auto& m : all.ok() ? *all : std::vector<v1::Meeting>()) {
      if (!state || m.state() == *state) out.push_back(std::move(m));
    }
    return out;
  }
  std::vector<v1::Meeting> Scheduled(const Pair& p) { return MeetingsOf(p.id, v1::MEETING_STATE_SCHEDULED); }
  v1::Meeting StoredMeeting(const std::string& id) {
    auto m = meeting_store_.Get(pool_, id);
    EXPECT_TRUE(m.ok()) << m.status();
    return m.ok() ? *m : v1::Meeting();
  }
  v1::MeetingSeries StoredSeries(const std::string& id) {
    auto s = series_store_.Get(pool_, id);
    EXPECT_TRUE(s.ok()) << s.status();
    return s.ok() ? *s : v1::MeetingSeries();
  }
  RelationshipRecord StoredRelationship(const std::string& id) {
    auto r = RelationshipStore::Find(pool_, id);
    EXPECT_TRUE(r.ok() && r->has_value()) << id;
    return r.ok() && r->has_value() ? **r : RelationshipRecord();
  }

  // ---- what was published, in outbox order (of one type, or all)
  std::vector<EventEnvelope> Published(const std::string& type = "") {
    std::vector<EventEnvelope> out;
    auto rows = pool_.Exec("SELECT payload FROM outbox ORDER BY id");
    EXPECT_TRUE(rows.ok());
    for (int i = 0; rows.ok() && i < rows->rows(); ++i) {
      EventEnvelope e;
      EXPECT_TRUE(e.ParseFromString(rows->Bytes(i, 0)));
      if (type.empty() || events::TypeOf(e) == type) out.push_back(std::move(e));
    }
    return out;
  }
  // The meeting an event of scheduling is about.
  static const events::v1::MeetingRef& RefOf(const EventEnvelope& e) {
    switch (e.payload_case()) {
      case EventEnvelope::kMeetingScheduled:
        return e.meeting_scheduled().meeting();
      case EventEnvelope::kMeetingRescheduled:
        return e.meeting_rescheduled().meeting();
      case EventEnvelope::kMeetingCancelled:
        return e.meeting_cancelled().meeting();
      case EventEnvelope::kMeetingCompleted:
        return e.meeting_completed().meeting();
      case EventEnvelope::kMeetingMissed:
        return e.meeting_missed().meeting();
      case EventEnvelope::kMeetingAgendaMissing:
        return e.meeting_agenda_missing().meeting();
      default:
        return events::v1::MeetingRef::default_instance();
    }
  }
  std::vector<EventEnvelope> PublishedAbout(const std::string& meeting_id, const std::string& type = "") {
    std::vector<EventEnvelope> out;
    for (auto& e : Published(type)) {
      if (RefOf(e).meeting_id() == meeting_id) out.push_back(std::move(e));
    }
    return out;
  }
  size_t OutboxSize() { return Published().size(); }

  // ---- the pair's calls
  absl::StatusOr<v1::Meeting> CancelAs(const std::string& who, const std::string& meeting_id,
                                       v1::ChangeReason reason = v1::CHANGE_REASON_WORKLOAD) {
    v1::CancelMeetingRequest r;
    r.set_meeting_id(meeting_id);
    r.set_reason(reason);
    return meetings_.CancelMeeting(Call(As(who)), r);
  }
  absl::StatusOr<v1::RescheduleMeetingResponse> RescheduleAs(const std::string& who, const std::string& meeting_id,
                                                             absl::Time to,
                                                             v1::ChangeScope scope = v1::CHANGE_SCOPE_THIS) {
    v1::RescheduleMeetingRequest r;
    r.set_meeting_id(meeting_id);
    SetTimestamp(r.mutable_starts_at(), to);
    r.set_scope(scope);
    r.set_reason(v1::CHANGE_REASON_SCHEDULE_CONFLICT);
    return meetings_.RescheduleMeeting(Call(As(who)), r);
  }
  absl::StatusOr<v1::Meeting> CheckInAs(const std::string& who, const std::string& meeting_id, bool held) {
    v1::CheckInRequest r;
    r.set_meeting_id(meeting_id);
    r.set_held(held);
    return meetings_.CheckIn(Call(As(who)), r);
  }
  absl::StatusOr<v1::Meeting> SetAgendaAs(const Caller& caller, const std::string& meeting_id,
                                          const std::string& text) {
    v1::SetAgendaRequest r;
    r.set_meeting_id(meeting_id);
    r.set_agenda(text);
    return content_.SetAgenda(Call(caller), r);
  }
  absl::StatusOr<v1::Note> NoteAs(const Caller& caller, const std::string& meeting_id, const std::string& text) {
    v1::AddNoteRequest r;
    r.set_meeting_id(meeting_id);
    r.set_text(text);
    return content_.AddNote(Call(caller), r);
  }
  absl::StatusOr<v1::ActionItem> ActionItemAs(const Caller& caller, const std::string& meeting_id,
                                              const std::string& text, const std::string& owner = "") {
    v1::AddActionItemRequest r;
    r.set_meeting_id(meeting_id);
    r.set_text(text);
    r.set_owner_id(owner);
    return content_.AddActionItem(Call(caller), r);
  }
  absl::StatusOr<v1::Meeting> GetMeetingAs(const Caller& caller, const std::string& meeting_id) {
    v1::GetMeetingRequest r;
    r.set_meeting_id(meeting_id);
    return meetings_.GetMeeting(Call(caller), r);
  }
  absl::StatusOr<v1::CalendarFeed> FeedOf(const std::string& who) {
    v1::CreateCalendarFeedRequest r;
    r.set_person_id(who);
    return feeds_.CreateCalendarFeed(Call(As(who)), r);
  }
  absl::StatusOr<std::string> Ics(const std::string& token) {
    v1::GetCalendarFeedRequest r;
    r.set_token(token);
    auto content = feeds_.GetCalendarFeed(CallContext{}, r);
    if (!content.ok()) return content.status();
    return content->ics();
  }

  std::string Count(const std::string& sql) {
    auto rows = testing::Query(db_.url(), sql);
    return rows.empty() ? "" : rows[0];
  }

  static absl::TimeZone Zone(const std::string& name) {
    absl::TimeZone zone;
    EXPECT_TRUE(absl::LoadTimeZone(name, &zone)) << name;
    return zone;
  }
  static absl::CivilMinute LocalTime(absl::Time t, const std::string& zone_name) {
    return absl::ToCivilMinute(t, Zone(zone_name));
  }
  static absl::Time StartOf(const v1::Meeting& m) { return FromTimestamp(m.starts_at()); }

  testing::ScratchDatabase db_{"scheduling_flow"};
  pg::Pool pool_{{.conninfo = db_.url(), .size = 6}};
  // A Monday morning, three weeks before Europe's clocks change (two before New York's).
  ManualClock clock_{absl::FromCivil(absl::CivilSecond(2027, 3, 1, 8, 0, 0), absl::UTCTimeZone())};
  SchedulingOptions options_;
  const SeriesStore series_store_;
  const MeetingStore meeting_store_;
  FakePeopleSource source_;
  SeriesApp series_{pool_, series_store_, meeting_store_, clock_, options_};
  PeopleApp people_{pool_, source_, series_, meeting_store_};
  MeetingsApp meetings_{pool_, series_store_, meeting_store_, clock_, options_};
  PairContentApp content_{pool_, meeting_store_, clock_};
  FeedsApp feeds_{pool_, meeting_store_, clock_, options_};
  prometheus::Registry sweeper_metrics_;
  MeetingSweeper sweeper_{pool_, series_store_, meeting_store_, clock_, options_, sweeper_metrics_};
  EventRouter matching_router_, people_router_;
  prometheus::Registry matching_metrics_, people_metrics_;
  // As the service wires them: runs of match.made go to the batch handler.
  EventConsumer matching_consumer_{pool_, {.name = kMatchingConsumer}, matching_router_, matching_metrics_};
  EventConsumer people_consumer_{pool_, {.name = kPeopleConsumer}, people_router_, people_metrics_};
  std::string programme_id_ = NewUuidV7();
};

}  // namespace mentoring::scheduling
