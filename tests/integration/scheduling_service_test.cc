// The scheduling service as real processes beside real profiles and matching services, on
// the real stack. Two scheduling replicas share one database and one consumer group, both
// sweeping; their clocks are moved (AdvanceClock) instead of anyone waiting for meetings.
// Relationships come from matching's cohort draft, published and accepted by both people:
// match.made reaches scheduling through Kafka and nothing else. Checked: the series planned
// in both people's zones and windows and visible to both; one meeting.missed per missed
// meeting and one meeting.agenda_missing per late agenda however many replicas sweep; a
// late cancellation says late; closure cancels what is ahead for good, through replays and
// duplicates; pair-only text stays with the pair (never in an event or a calendar feed);
// and a new time zone in profiles re-plans far meetings and flags near ones (or, a zone
// with the same clock, keeps every meeting and shows the new zone).
#include <absl/strings/ascii.h>
#include <absl/strings/str_join.h>
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <set>

#include "event_checks.h"
#include "harness.h"
#include "mentoring/matching/v1/matching.grpc.pb.h"
#include "mentoring/runtime/clock.h"
#include "mentoring/runtime/events.h"
#include "mentoring/runtime/ids.h"
#include "mentoring/runtime/kafka.h"
#include "mentoring/runtime/proto_time.h"
#include "mentoring/scheduling/v1/scheduling.grpc.pb.h"

namespace mentoring::testing {
namespace {

namespace mv1 = matching::v1;
namespace sv1 = scheduling::v1;
using common::v1::FocusArea;
using events::v1::EventEnvelope;
using profiles::v1::Person;

Caller Admin() { return {"sched-admin", {roles::kProgrammeAdmin}}; }
Caller As(const std::string& id) { return {id, {roles::kEmployee}}; }

absl::Status Check(const grpc::Status& status, const std::string& what) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()), what + ": " + status.error_message());
}

// Everyone's weekly availability, Monday to Friday, in their own zone. The mentees' morning
// in New York (14:00-17:00 in London in winter, 13:00-16:00 in the weeks of March when only
// New York has moved its clocks) lies inside the mentors' London afternoon.
struct Hours {
  int begin = 0;  // minutes after local midnight
  int end = 0;    // exclusive
};
constexpr char kMenteeZone[] = "America/New_York";
constexpr char kMentorZone[] = "Europe/London";
constexpr Hours kMenteeHours{9 * 60, 12 * 60};
constexpr Hours kMentorHours{13 * 60, 18 * 60};
constexpr int kMeetingMinutes = 60;
constexpr int kNoticeHours = 24;
constexpr absl::Duration kMissedGrace = absl::Hours(1);  // the replicas' MISSED_GRACE

absl::TimeZone Zone(const std::string& name) {
  absl::TimeZone zone;
  EXPECT_TRUE(absl::LoadTimeZone(name, &zone)) << name;
  return zone;
}

// Whether a meeting at `start` lies inside `hours` on a weekday, read in `zone`.
bool Inside(absl::Time start, int minutes, const std::string& zone, Hours hours) {
  const absl::CivilMinute local = absl::ToCivilMinute(start, Zone(zone));
  const absl::Weekday day = absl::GetWeekday(absl::CivilDay(local));
  if (day == absl::Weekday::saturday || day == absl::Weekday::sunday) return false;
  const int minute = local.hour() * 60 + local.minute();
  return minute >= hours.begin && minute + minutes <= hours.end;
}

absl::Time StartOf(const sv1::Meeting& m) { return FromTimestamp(m.starts_at()); }

std::string Show(const sv1::Meeting& m) {
  return absl::StrCat("meeting ", m.occurrence(), " (", m.meeting_id(), ") ",
                      absl::FormatTime("%a %Y-%m-%d %H:%M %Z", StartOf(m), Zone(m.organiser_time_zone())), " / ",
                      absl::FormatTime("%H:%M %Z", StartOf(m), Zone(m.attendee_time_zone())), " ",
                      sv1::MeetingState_Name(m.state()));
}

// One relationship of a published cohort draft, as the two people and scheduling know it.
struct Pair {
  Person mentee, mentor;
  std::string relationship_id;
  std::string series_id;
};

class SchedulingServiceTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    profiles_db_ = new ScratchDatabase("sprof");
    matching_db_ = new ScratchDatabase("smatch");
    scheduling_db_ = new ScratchDatabase("sched");
    profiles_ =
        new ServiceProcess(ServiceBinary("profiles"), ServiceEnv("profiles", {{"DATABASE_URL", profiles_db_->url()}}));
    if (!(started_ = profiles_->Start()).ok()) return;
    const std::string profiles_addr = absl::StrCat("127.0.0.1:", profiles_->grpc_port());
    matching_ = new ServiceProcess(
        ServiceBinary("matching"),
        ServiceEnv("matching", {{"DATABASE_URL", matching_db_->url()}, {"PROFILES_ADDR", profiles_addr}}));
    if (!(started_ = matching_->Start()).ok()) return;
    // Two replicas: one database, one consumer group (one environment for both), both
    // sweeping often, clocks the tests move. The outbox keeps what it published for longer
    // than the tests move the clock, so a test can compare it with what Kafka delivered.
    const auto env = ServiceEnv("scheduling", {{"DATABASE_URL", scheduling_db_->url()},
                                               {"PROFILES_ADDR", profiles_addr},
                                               {"TEST_CLOCK", "true"},
                                               {"MISSED_GRACE", "1h"},
                                               {"SWEEP_INTERVAL", "200ms"},
                                               {"OUTBOX_RETENTION", "8760h"}});
    for (auto*& replica : replicas_) {
      replica = new ServiceProcess(ServiceBinary("scheduling"), env);
      if (!(started_ = replica->Start()).ok()) return;
    }
    profiles_stub_ = profiles::v1::ProfilesService::NewStub(profiles_->channel()).release();
    matching_stub_ = mv1::MatchingService::NewStub(matching_->channel()).release();
    for (int i = 0; i < 2; ++i) sched_[i] = sv1::SchedulingService::NewStub(replicas_[i]->channel()).release();
    auto producer = kafka::Producer::Create(StackValue("KAFKA_BOOTSTRAP"), absl::Seconds(10));
    if (!(started_ = producer.status()).ok()) return;
    producer_ = producer->release();
  }
  static void TearDownTestSuite() {
    delete producer_;
    for (auto*& stub : sched_) delete stub;
    delete matching_stub_;
    delete profiles_stub_;
    for (auto*& replica : replicas_) delete replica;
    delete matching_;
    delete profiles_;
    delete scheduling_db_;
    delete matching_db_;
    delete profiles_db_;
  }
  void SetUp() override { ASSERT_TRUE(started_.ok()) << started_; }

  // ---------------------------------------------------------------- people and relationships

  static absl::StatusOr<Person> NewPerson(const std::string& tag, int level, const std::string& zone, Hours hours,
                                          bool mentor) {
    Person p = SamplePerson(tag);
    p.set_career_level(level);
    p.set_time_zone(zone);
    p.set_matching_consent(true);
    auto* profile = p.mutable_mentoring_profile();
    profile->set_role(common::v1::MENTORING_ROLE_BOTH);
    profile->add_meeting_modes(common::v1::MEETING_MODE_VIDEO);
    // One mentee per mentor: the cohort pairs distinct people (scheduling does not yet keep
    // a mentor's relationships apart in time: see the report of this test).
    profile->mutable_capacity()->set_max_active_mentees(1);
    profile->mutable_capacity()->set_hours_per_month(10);
    for (int weekday = 1; weekday <= 5; ++weekday) {
      auto* window = profile->add_availability();
      window->set_weekday(weekday);
      window->set_start_minute(hours.begin);
      window->set_end_minute(hours.end);
    }
    if (mentor) {
      profile->add_expertise()->set_focus_area(FocusArea::FOCUS_AREA_TECHNICAL);
    } else {
      auto* goal = p.add_goals();
      goal->set_focus_area(FocusArea::FOCUS_AREA_TECHNICAL);
      goal->set_description("private goal text " + tag);
      goal->set_status(common::v1::GOAL_STATUS_ACTIVE);
    }
    profiles::v1::CreatePersonRequest request;
    *request.mutable_person() = p;
    Person created;
    if (auto s = Check(profiles_stub_->CreatePerson(ContextAs(HrCaller()).get(), request, &created), "create " + tag);
        !s.ok()) {
      return s;
    }
    return created;
  }

  static bool KnownToMatching(const Person& p) {
    return !Query(matching_db_->url(), absl::StrCat("SELECT 1 FROM people WHERE person_id = '", p.person_id(),
                                                    "' AND NOT erased AND profile_version >= ", p.version()))
                .empty();
  }

  // A programme with weekly hour-long meetings and a day's notice, `n` mentees in New York
  // and `n` mentors in London enrolled, the cohort draft run and published, and every
  // relationship of it accepted by both people; returns once scheduling has each one's
  // series.
  static absl::StatusOr<std::vector<Pair>> Cohort(const std::string& tag, int n) {
    std::vector<Person> mentees, mentors;
    for (int i = 0; i < n; ++i) {
      auto mentee = NewPerson(absl::StrCat(tag, "-mentee", i), 3, kMenteeZone, kMenteeHours, false);
      if (!mentee.ok()) return mentee.status();
      mentees.push_back(*mentee);
      auto mentor = NewPerson(absl::StrCat(tag, "-mentor", i), 9, kMentorZone, kMentorHours, true);
      if (!mentor.ok()) return mentor.status();
      mentors.push_back(*mentor);
    }
    for (const auto* group : {&mentees, &mentors}) {
      for (const Person& p : *group) {
        if (!Eventually([&] { return KnownToMatching(p); })) {
          return absl::DeadlineExceededError("matching never learned " + p.person_id());
        }
      }
    }
    const absl::CivilDay today = absl::ToCivilDay(absl::Now(), absl::UTCTimeZone());
    mv1::CreateProgrammeRequest create;
    auto* programme = create.mutable_programme();
    programme->set_name("Scheduling cohort " + tag);
    programme->set_type(common::v1::PROGRAMME_TYPE_ONE_TO_ONE);
    *programme->mutable_start_date() = ToDate(today);
    *programme->mutable_end_date() = ToDate(today + 365);
    programme->mutable_agreement_defaults()->set_cadence_rrule("FREQ=WEEKLY");
    programme->mutable_agreement_defaults()->set_meeting_minutes(kMeetingMinutes);
    programme->mutable_agreement_defaults()->set_mode(common::v1::MEETING_MODE_VIDEO);
    programme->mutable_agreement_defaults()->set_cancellation_notice_hours(kNoticeHours);
    programme->mutable_policy()->set_max_time_zone_difference_hours(6);  // New York to London: 5
    programme->mutable_policy()->set_min_level_gap(2);
    mv1::Programme made;
    if (auto s = Check(matching_stub_->CreateProgramme(ContextAs(Admin()).get(), create, &made), "programme");
        !s.ok()) {
      return s;
    }
    for (const auto* group : {&mentees, &mentors}) {
      for (const Person& p : *group) {
        mv1::EnrollRequest enroll;
        auto* e = enroll.mutable_enrollment();
        e->set_programme_id(made.programme_id());
        e->set_person_id(p.person_id());
        e->set_role(group == &mentees ? mv1::PARTICIPANT_ROLE_MENTEE : mv1::PARTICIPANT_ROLE_MENTOR);
        e->set_consent(true);
        e->set_hours_per_month(10);
        mv1::Enrollment enrolled;
        if (auto s = Check(matching_stub_->Enroll(ContextAs(As(p.person_id())).get(), enroll, &enrolled), "enroll");
            !s.ok()) {
          return s;
        }
      }
    }
    mv1::RunCohortMatchingRequest run;
    run.set_programme_id(made.programme_id());
    mv1::MatchDraft draft;
    if (auto s = Check(matching_stub_->RunCohortMatching(ContextAs(Admin()).get(), run, &draft), "cohort"); !s.ok()) {
      return s;
    }
    if (draft.pairs_size() != n) {
      return absl::InternalError(absl::StrCat("the draft paired ", draft.pairs_size(), " of ", n, " mentees"));
    }
    mv1::PublishDraftRequest publish;
    publish.set_draft_id(draft.draft_id());
    publish.set_expected_version(draft.version());
    mv1::MatchDraft published;
    if (auto s = Check(matching_stub_->PublishDraft(ContextAs(Admin()).get(), publish, &published), "publish");
        !s.ok()) {
      return s;
    }
    std::map<std::string, Person> by_id;
    for (const auto* group : {&mentees, &mentors}) {
      for (const Person& p : *group) by_id[p.person_id()] = p;
    }
    std::vector<Pair> pairs;
    for (const std::string& id : published.relationship_ids()) {
      mv1::GetRelationshipRequest get;
      get.set_relationship_id(id);
      mv1::Relationship r;
      if (auto s = Check(matching_stub_->GetRelationship(ContextAs(Admin()).get(), get, &r), "relationship"); !s.ok()) {
        return s;
      }
      Pair pair{.mentee = by_id[r.mentee_id()], .mentor = by_id[r.mentor_id()], .relationship_id = id};
      // Both accept the agreement: then, and only then, match.made.
      for (const Person* who : {&pair.mentee, &pair.mentor}) {
        mv1::AcceptAgreementRequest agree;
        agree.set_relationship_id(id);
        agree.set_agreement_version(r.agreement().version());
        if (auto s = Check(matching_stub_->AcceptAgreement(ContextAs(As(who->person_id())).get(), agree, &r), "agree");
            !s.ok()) {
          return s;
        }
      }
      if (r.state() != mv1::RELATIONSHIP_STATE_ACTIVE) {
        return absl::InternalError("accepted by both, the relationship is " + mv1::RelationshipState_Name(r.state()));
      }
      pairs.push_back(std::move(pair));
    }
    for (Pair& pair : pairs) {
      sv1::ListSeriesResponse series;
      const bool planned = Eventually([&] {
        sv1::ListSeriesRequest list;
        list.set_relationship_id(pair.relationship_id);
        return sched_[0]->ListSeries(ContextAs(As(pair.mentee.person_id())).get(), list, &series).ok() &&
               series.series_size() > 0;
      });
      if (!planned) {
        const std::string log = replicas_[0]->log() + replicas_[1]->log();
        return absl::DeadlineExceededError(absl::StrCat("scheduling never planned a series for ", pair.relationship_id,
                                                        "; replicas' logs end:\n",
                                                        log.substr(log.size() > 4000 ? log.size() - 4000 : 0)));
      }
      pair.series_id = series.series(0).series_id();
    }
    return pairs;
  }

  // ---------------------------------------------------------------- scheduling's side

  static std::vector<sv1::Meeting> Meetings(const Pair& pair, const Caller& caller, int replica = 0) {
    const absl::Time now = Now();
    sv1::ListMeetingsRequest request;
    request.set_relationship_id(pair.relationship_id);
    SetTimestamp(request.mutable_from(), now - absl::Hours(24 * 60));
    SetTimestamp(request.mutable_to(), now + absl::Hours(24 * 400));
    request.set_page_size(500);
    std::vector<sv1::Meeting> out;
    do {
      sv1::ListMeetingsResponse page;
      const auto status = sched_[replica]->ListMeetings(ContextAs(caller).get(), request, &page);
      EXPECT_TRUE(status.ok()) << status.error_message();
      if (!status.ok()) break;
      for (const auto& m : page.meetings()) out.push_back(m);
      request.set_page_token(page.next_page_token());
    } while (!request.page_token().empty());
    return out;
  }

  static grpc::Status GetMeeting(const std::string& id, const Caller& caller, sv1::Meeting* out, int replica = 0) {
    sv1::GetMeetingRequest request;
    request.set_meeting_id(id);
    return sched_[replica]->GetMeeting(ContextAs(caller).get(), request, out);
  }

  static std::vector<sv1::MeetingSeries> Series(const Pair& pair, const Caller& caller) {
    sv1::ListSeriesRequest request;
    request.set_relationship_id(pair.relationship_id);
    sv1::ListSeriesResponse response;
    const auto status = sched_[0]->ListSeries(ContextAs(caller).get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return {response.series().begin(), response.series().end()};
  }

  // Scheduling's "now" (both replicas' clocks are moved together, so they agree).
  static absl::Time Now() {
    auto now = AdvanceClock(*replicas_[0], absl::ZeroDuration());
    EXPECT_TRUE(now.ok()) << now.status();
    return now.ok() ? *now : absl::Now();
  }

  // Moves both replicas' clocks to just after `t` (never back); returns the new now.
  static absl::Time AdvanceTo(absl::Time t) {
    const absl::Duration by = absl::Ceil(t - Now(), absl::Seconds(1)) + absl::Seconds(1);
    absl::Time now = absl::InfinitePast();
    for (auto* replica : replicas_) {
      auto moved = AdvanceClock(*replica, std::max(by, absl::ZeroDuration()));
      EXPECT_TRUE(moved.ok()) << moved.status();
      if (moved.ok()) now = std::max(now, *moved);
    }
    return now;
  }

  static double SweeperTicks(const ServiceProcess& replica) {
    return MetricValue(HttpGet(replica.admin_port(), "/metrics"),
                       R"(mentoring_job_runs_total{job="meeting_sweeper",outcome="ok"})");
  }

  // Waits until each replica's sweeper has finished two more passes: one of them started
  // after now, with the clock as it is.
  static void WaitForBothSweepers() {
    double before[2];
    for (int i = 0; i < 2; ++i) before[i] = SweeperTicks(*replicas_[i]);
    for (int i = 0; i < 2; ++i) {
      ASSERT_GE(before[i], 0) << "no sweeper metric on replica " << i;
      EXPECT_TRUE(Eventually([&] { return SweeperTicks(*replicas_[i]) >= before[i] + 2; }))
          << "replica " << i << "'s sweeper did not run";
    }
  }

  // Everything scheduling stored in its outbox about these series, as delivered by Kafka to
  // `collector` (made before any of them existed): waits until every stored event is
  // published and collected, and returns the collected events about these series.
  static std::vector<EventEnvelope> Published(EventCollector& collector, const std::vector<std::string>& series_ids) {
    std::vector<std::string> quoted;
    for (const auto& id : series_ids) quoted.push_back("'" + id + "'");
    const std::string keys = absl::StrJoin(quoted, ",");
    EXPECT_TRUE(Eventually([&] {
      return Query(scheduling_db_->url(), absl::StrCat("SELECT 1 FROM outbox WHERE published_at IS NULL AND "
                                                       "partition_key IN (",
                                                       keys, ") LIMIT 1"))
          .empty();
    })) << "scheduling's outbox was not relayed";
    std::set<std::string> stored;
    for (auto& id : Query(scheduling_db_->url(),
                          absl::StrCat("SELECT event_id::text FROM outbox WHERE partition_key IN (", keys, ")"))) {
      stored.insert(absl::AsciiStrToLower(id));
    }
    std::set<std::string> missing;
    const auto all = collector.CollectUntil(
        [&](const std::vector<EventEnvelope>& got) {
          missing = stored;
          for (const auto& e : got) missing.erase(absl::AsciiStrToLower(e.event_id()));
          return missing.empty();
        },
        absl::Seconds(60));
    EXPECT_TRUE(missing.empty()) << missing.size() << " of " << stored.size()
                                 << " stored events never reached Kafka, e.g. " << *missing.begin();
    const std::set<std::string> wanted(series_ids.begin(), series_ids.end());
    std::vector<EventEnvelope> out;
    for (const auto& e : all) {
      if (wanted.contains(e.aggregate_id())) out.push_back(e);
    }
    return out;
  }

  // Distinct events (by id) of `type` about `meeting_id`.
  static std::vector<EventEnvelope> About(const std::vector<EventEnvelope>& all, const std::string& type,
                                          const std::string& meeting_id) {
    std::set<std::string> seen;
    std::vector<EventEnvelope> out;
    for (const auto& e : all) {
      if (events::TypeOf(e) != type) continue;
      const events::v1::MeetingRef* ref = nullptr;
      if (e.has_meeting_scheduled()) ref = &e.meeting_scheduled().meeting();
      if (e.has_meeting_rescheduled()) ref = &e.meeting_rescheduled().meeting();
      if (e.has_meeting_cancelled()) ref = &e.meeting_cancelled().meeting();
      if (e.has_meeting_completed()) ref = &e.meeting_completed().meeting();
      if (e.has_meeting_missed()) ref = &e.meeting_missed().meeting();
      if (e.has_meeting_agenda_missing()) ref = &e.meeting_agenda_missing().meeting();
      if (ref == nullptr || ref->meeting_id() != meeting_id) continue;
      if (seen.insert(e.event_id()).second) out.push_back(e);
    }
    return out;
  }

  static grpc::Status SetAgenda(const std::string& meeting_id, const Caller& caller, const std::string& agenda) {
    sv1::SetAgendaRequest request;
    request.set_meeting_id(meeting_id);
    request.set_agenda(agenda);
    sv1::Meeting out;
    return sched_[0]->SetAgenda(ContextAs(caller).get(), request, &out);
  }

  static grpc::Status CheckIn(const std::string& meeting_id, const Caller& caller, bool held, sv1::Meeting* out) {
    sv1::CheckInRequest request;
    request.set_meeting_id(meeting_id);
    request.set_held(held);
    return sched_[1]->CheckIn(ContextAs(caller).get(), request, out);
  }

  static grpc::Status Cancel(const std::string& meeting_id, const Caller& caller, sv1::ChangeReason reason,
                             sv1::Meeting* out) {
    sv1::CancelMeetingRequest request;
    request.set_meeting_id(meeting_id);
    request.set_reason(reason);
    return sched_[0]->CancelMeeting(ContextAs(caller).get(), request, out);
  }

  // HR moves `person` to `zone` in profiles (a time zone is HR's field: a person's own
  // edit keeps the one HR gave them). Read as the person: HR does not see their goals'
  // text, which the whole-profile update must carry.
  static absl::Status MoveToZone(const Person& person, const std::string& zone) {
    profiles::v1::GetPersonRequest get;
    get.set_person_id(person.person_id());
    Person current;
    if (auto s = Check(profiles_stub_->GetPerson(ContextAs(As(person.person_id())).get(), get, &current), "get");
        !s.ok()) {
      return s;
    }
    current.set_time_zone(zone);
    profiles::v1::UpdatePersonRequest update;
    *update.mutable_person() = current;
    update.set_expected_version(current.version());
    Person updated;
    return Check(profiles_stub_->UpdatePerson(ContextAs(HrCaller()).get(), update, &updated), "update");
  }

  // Polls the pair's meetings until every one is shown in the organiser's `zone`.
  static std::vector<sv1::Meeting> ShownIn(const Pair& pair, const std::string& zone) {
    std::vector<sv1::Meeting> meetings;
    const bool shown = Eventually([&] {
      meetings = Meetings(pair, As(pair.mentee.person_id()));
      return std::all_of(meetings.begin(), meetings.end(),
                         [&](const auto& m) { return m.organiser_time_zone() == zone; });
    });
    EXPECT_TRUE(shown) << "scheduling never showed the meetings in the mentee's new zone " << zone;
    return meetings;
  }

  static inline absl::Status started_;
  static inline ScratchDatabase* profiles_db_ = nullptr;
  static inline ScratchDatabase* matching_db_ = nullptr;
  static inline ScratchDatabase* scheduling_db_ = nullptr;
  static inline ServiceProcess* profiles_ = nullptr;
  static inline ServiceProcess* matching_ = nullptr;
  static inline ServiceProcess* replicas_[2] = {nullptr, nullptr};
  static inline profiles::v1::ProfilesService::Stub* profiles_stub_ = nullptr;
  static inline mv1::MatchingService::Stub* matching_stub_ = nullptr;
  static inline sv1::SchedulingService::Stub* sched_[2] = {nullptr, nullptr};
  static inline kafka::Producer* producer_ = nullptr;
};

// ---------------------------------------------------------------- the choreography

TEST_F(SchedulingServiceTest, APublishedCohortGetsItsSeriesInBothZonesVisibleToBothPeople) {
  EventCollector events(events::TopicFor("scheduling"));
  auto pairs = Cohort("cohort", 2);
  ASSERT_TRUE(pairs.ok()) << pairs.status();
  ASSERT_EQ(pairs->size(), 2u);
  std::map<std::string, std::vector<int64_t>> expected;  // series -> its events' sequences
  std::map<std::string, absl::Time> planned_start;       // meeting -> start, as the API says
  for (const Pair& pair : *pairs) {
    SCOPED_TRACE(pair.relationship_id);
    // The series, seen alike by both people.
    for (const Person* who : {&pair.mentee, &pair.mentor}) {
      const auto series = Series(pair, As(who->person_id()));
      ASSERT_EQ(series.size(), 1u);
      const sv1::MeetingSeries& s = series[0];
      EXPECT_EQ(s.series_id(), pair.series_id);
      EXPECT_EQ(s.kind(), sv1::SERIES_KIND_CADENCE);
      EXPECT_EQ(s.state(), sv1::SERIES_STATE_ACTIVE);
      EXPECT_EQ(s.cadence_rrule(), "FREQ=WEEKLY");
      EXPECT_EQ(s.meeting_minutes(), kMeetingMinutes);
      EXPECT_EQ(s.cancellation_notice_hours(), kNoticeHours);
      EXPECT_EQ(s.organiser_id(), pair.mentee.person_id()) << "the mentee organises";
      EXPECT_EQ(s.attendee_id(), pair.mentor.person_id());
      EXPECT_EQ(s.time_zone(), kMenteeZone);
      EXPECT_TRUE(s.has_local_start_minute());
      EXPECT_EQ(s.issues_size(), 0) << s.issues(0).detail();
    }
    // Weekly through the 90-day window, each meeting inside both people's windows.
    const auto meetings = Meetings(pair, As(pair.mentee.person_id()), 1);
    ASSERT_GE(meetings.size(), 10u) << "weekly for 90 days";
    ASSERT_LE(meetings.size(), 14u) << "weekly for 90 days";
    const absl::Time now = Now();
    for (size_t i = 0; i < meetings.size(); ++i) {
      const sv1::Meeting& m = meetings[i];
      SCOPED_TRACE(Show(m));
      EXPECT_EQ(m.occurrence(), static_cast<int>(i) + 1);
      EXPECT_EQ(m.series_id(), pair.series_id);
      EXPECT_EQ(m.state(), sv1::MEETING_STATE_SCHEDULED);
      EXPECT_EQ(m.duration_minutes(), kMeetingMinutes);
      EXPECT_EQ(m.organiser_id(), pair.mentee.person_id());
      EXPECT_EQ(m.attendee_id(), pair.mentor.person_id());
      EXPECT_EQ(m.organiser_time_zone(), kMenteeZone);
      EXPECT_EQ(m.attendee_time_zone(), kMentorZone);
      EXPECT_GT(StartOf(m), now);
      EXPECT_TRUE(Inside(StartOf(m), kMeetingMinutes, kMenteeZone, kMenteeHours)) << "outside the mentee's window";
      EXPECT_TRUE(Inside(StartOf(m), kMeetingMinutes, kMentorZone, kMentorHours)) << "outside the mentor's window";
      if (i > 0) {
        // A week apart (the same wall-clock time in New York, whatever London does).
        const absl::CivilMinute here = absl::ToCivilMinute(StartOf(m), Zone(kMenteeZone));
        const absl::CivilMinute before = absl::ToCivilMinute(StartOf(meetings[i - 1]), Zone(kMenteeZone));
        if (!m.moved_from_series_time() && !meetings[i - 1].moved_from_series_time()) {
          EXPECT_EQ(here - before, 7 * 24 * 60);
        }
      }
      planned_start[m.meeting_id()] = StartOf(m);
      expected[pair.series_id].push_back(static_cast<int64_t>(i) + 1);
    }
    // Each person sees the relationship's meetings among their own, and each one in full.
    std::vector<std::string> ids;
    for (const auto& m : meetings) ids.push_back(m.meeting_id());
    for (const Person* who : {&pair.mentee, &pair.mentor}) {
      sv1::ListMeetingsRequest mine;
      mine.set_person_id(who->person_id());
      SetTimestamp(mine.mutable_from(), now - absl::Hours(24));
      SetTimestamp(mine.mutable_to(), now + absl::Hours(24 * 400));
      mine.set_page_size(500);
      sv1::ListMeetingsResponse listed;
      ASSERT_TRUE(sched_[0]->ListMeetings(ContextAs(As(who->person_id())).get(), mine, &listed).ok());
      std::vector<std::string> theirs;
      for (const auto& m : listed.meetings()) {
        if (m.relationship_id() == pair.relationship_id) theirs.push_back(m.meeting_id());
      }
      EXPECT_EQ(theirs, ids) << "their meetings hold the relationship's, in the same order";
      sv1::Meeting seen;
      ASSERT_TRUE(GetMeeting(ids.front(), As(who->person_id()), &seen, 1).ok());
      EXPECT_EQ(seen.relationship_id(), pair.relationship_id);
    }
  }
  // Each meeting announced once on the scheduling topic, in order per series, at the time
  // the API shows.
  std::vector<std::string> series_ids;
  for (const Pair& pair : *pairs) series_ids.push_back(pair.series_id);
  const auto received = Published(events, series_ids);
  EXPECT_TRUE(DeliveredExactlyAsPromised(received, expected));
  for (const auto& [meeting_id, starts] : planned_start) {
    const auto scheduled = About(received, "meeting.scheduled", meeting_id);
    ASSERT_EQ(scheduled.size(), 1u) << meeting_id;
    EXPECT_EQ(FromTimestamp(scheduled[0].meeting_scheduled().starts_at()), starts);
    EXPECT_EQ(scheduled[0].meeting_scheduled().duration_minutes(), kMeetingMinutes);
  }
}

// ---------------------------------------------------------------- two sweepers

TEST_F(SchedulingServiceTest, TwoSweepingReplicasPublishOneMissedAndOneAgendaMissingPerMeeting) {
  EventCollector events(events::TopicFor("scheduling"));
  auto pairs = Cohort("sweep", 2);
  ASSERT_TRUE(pairs.ok()) << pairs.status();
  const Pair& a = (*pairs)[0];
  std::map<std::string, sv1::Meeting> meetings;  // the model: what each meeting should become
  std::vector<std::string> order;
  for (const Pair& pair : *pairs) {
    for (const auto& m : Meetings(pair, As(pair.mentee.person_id()))) {
      meetings[m.meeting_id()] = m;
      order.push_back(m.meeting_id());
    }
  }
  const auto a_meetings = Meetings(a, As(a.mentee.person_id()));
  ASSERT_GE(a_meetings.size(), 4u);
  const std::string a1 = a_meetings[0].meeting_id();
  const std::string a2 = a_meetings[1].meeting_id();
  // The second meeting of the first pair has its agenda in time.
  ASSERT_TRUE(SetAgenda(a2, As(a.mentee.person_id()), "what I want from the quarter").ok());
  meetings[a2].set_has_agenda(true);

  // What each step should do, by the rules: a scheduled meeting past its grace period is
  // missed; one without an agenda past its due time has meeting.agenda_missing, once, even
  // when both times passed in the same step (no sweeper ran in between).
  std::map<std::string, int> want_missed, want_agenda;
  std::set<std::string> reminded, both_at_once;
  const auto expect_step = [&](absl::Time now) {
    for (auto& [id, m] : meetings) {
      if (m.state() != sv1::MEETING_STATE_SCHEDULED) continue;
      const bool agenda_due = !m.has_agenda() && !reminded.contains(id) && FromTimestamp(m.agenda_due_at()) <= now;
      const bool missed_due = FromTimestamp(m.missed_after()) <= now;
      if (agenda_due) {
        reminded.insert(id);
        ++want_agenda[id];
        if (missed_due) both_at_once.insert(id);
      }
      if (missed_due) {
        m.set_state(sv1::MEETING_STATE_MISSED);
        ++want_missed[id];
      }
    }
  };

  // Step 1: five minutes into the first meeting. The agendas due by then are late; the pair
  // holds its first meeting and says so.
  const absl::Time first = StartOf(a_meetings[0]);
  EXPECT_EQ(FromTimestamp(meetings[a1].missed_after()), first + absl::Minutes(kMeetingMinutes) + kMissedGrace);
  const absl::Time step1 = AdvanceTo(first + absl::Minutes(5));
  expect_step(step1);
  WaitForBothSweepers();
  sv1::Meeting held;
  ASSERT_TRUE(CheckIn(a1, As(a.mentor.person_id()), true, &held).ok());
  EXPECT_EQ(held.state(), sv1::MEETING_STATE_COMPLETED);
  meetings[a1].set_state(sv1::MEETING_STATE_COMPLETED);

  // Step 2: past the second meeting's end and grace period.
  const absl::Time step2 =
      AdvanceTo(StartOf(a_meetings[1]) + absl::Minutes(kMeetingMinutes) + kMissedGrace + absl::Minutes(5));
  expect_step(step2);
  WaitForBothSweepers();

  // Step 3: as after a week without any sweeper, past the fourth meeting's grace period in
  // one go: its agenda's due time and its end passed together.
  const absl::Time step3 =
      AdvanceTo(StartOf(a_meetings[3]) + absl::Minutes(kMeetingMinutes) + kMissedGrace + absl::Minutes(5));
  expect_step(step3);
  WaitForBothSweepers();
  int missed_total = 0, agenda_total = 0;
  for (const auto& [id, n] : want_missed) missed_total += n;
  for (const auto& [id, n] : want_agenda) agenda_total += n;
  ASSERT_GE(missed_total, 4) << "the steps must leave meetings missed";
  ASSERT_GE(agenda_total - static_cast<int>(both_at_once.size()), 2) << "the steps must leave agendas late";
  ASSERT_GE(both_at_once.size(), 1u) << "step 3 must pass a due agenda and a grace period together";

  std::vector<std::string> series_ids;
  for (const Pair& pair : *pairs) series_ids.push_back(pair.series_id);
  const auto received = Published(events, series_ids);
  for (const std::string& id : order) {
    const sv1::Meeting& m = meetings[id];
    SCOPED_TRACE(Show(m));
    const auto missed = About(received, "meeting.missed", id);
    EXPECT_EQ(missed.size(), static_cast<size_t>(want_missed[id])) << "meeting.missed event ids";
    for (const auto& e : missed) {
      EXPECT_EQ(FromTimestamp(e.meeting_missed().was_due_at()), StartOf(m));
      EXPECT_EQ(e.meeting_missed().meeting().relationship_id(), m.relationship_id());
      EXPECT_EQ(e.meeting_missed().meeting().occurrence(), m.occurrence());
    }
    const auto late = About(received, "meeting.agenda_missing", id);
    EXPECT_EQ(late.size(), static_cast<size_t>(want_agenda[id]))
        << "meeting.agenda_missing event ids" << (both_at_once.contains(id) ? " (due and missed together)" : "");
    for (const auto& e : late)
      EXPECT_EQ(FromTimestamp(e.meeting_agenda_missing().agenda_due_at()), FromTimestamp(m.agenda_due_at()));
    // And the API agrees with the model.
    sv1::Meeting current;
    ASSERT_TRUE(GetMeeting(id, Admin(), &current, 1).ok());
    EXPECT_EQ(current.state(), m.state());
  }
  EXPECT_TRUE(About(received, "meeting.missed", a1).empty()) << "a held meeting is never missed";
  EXPECT_EQ(About(received, "meeting.completed", a1).size(), 1u);
  EXPECT_TRUE(About(received, "meeting.agenda_missing", a2).empty()) << "its agenda was in";
}

// ---------------------------------------------------------------- late cancellation

TEST_F(SchedulingServiceTest, ACancellationInsideTheNoticeIsLateInTheEvent) {
  EventCollector events(events::TopicFor("scheduling"));
  auto pairs = Cohort("late", 1);
  ASSERT_TRUE(pairs.ok()) << pairs.status();
  const Pair& pair = (*pairs)[0];
  const auto meetings = Meetings(pair, As(pair.mentee.person_id()));
  ASSERT_GE(meetings.size(), 3u);
  const sv1::Meeting& near = meetings[0];
  const sv1::Meeting& far = meetings[2];

  // Two hours before the first meeting: well inside the day's notice, far from the third.
  const absl::Time now = AdvanceTo(StartOf(near) - absl::Hours(2));
  ASSERT_LT(now, StartOf(near));
  ASSERT_GT(StartOf(far) - now, absl::Hours(kNoticeHours));
  sv1::Meeting cancelled;
  ASSERT_TRUE(Cancel(near.meeting_id(), As(pair.mentor.person_id()), sv1::CHANGE_REASON_ILLNESS, &cancelled).ok());
  EXPECT_EQ(cancelled.state(), sv1::MEETING_STATE_CANCELLED);
  EXPECT_TRUE(cancelled.late_cancellation());
  EXPECT_EQ(cancelled.cancelled_by(), pair.mentor.person_id());
  EXPECT_EQ(cancelled.cancel_reason(), sv1::CHANGE_REASON_ILLNESS);
  ASSERT_TRUE(Cancel(far.meeting_id(), As(pair.mentee.person_id()), sv1::CHANGE_REASON_WORKLOAD, &cancelled).ok());
  EXPECT_FALSE(cancelled.late_cancellation());
  // Cancelled is final.
  EXPECT_EQ(Cancel(near.meeting_id(), As(pair.mentee.person_id()), sv1::CHANGE_REASON_OTHER, &cancelled).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);

  const auto received = Published(events, {pair.series_id});
  const auto late = About(received, "meeting.cancelled", near.meeting_id());
  ASSERT_EQ(late.size(), 1u);
  EXPECT_TRUE(late[0].meeting_cancelled().late());
  EXPECT_EQ(late[0].meeting_cancelled().cancelled_by(), pair.mentor.person_id());
  EXPECT_EQ(late[0].meeting_cancelled().meeting().relationship_id(), pair.relationship_id);
  const auto in_time = About(received, "meeting.cancelled", far.meeting_id());
  ASSERT_EQ(in_time.size(), 1u);
  EXPECT_FALSE(in_time[0].meeting_cancelled().late());
  EXPECT_EQ(in_time[0].meeting_cancelled().cancelled_by(), pair.mentee.person_id());

  sv1::GetScheduleSummaryRequest ask;
  ask.set_relationship_id(pair.relationship_id);
  sv1::ScheduleSummary summary;
  ASSERT_TRUE(sched_[1]->GetScheduleSummary(ContextAs(Admin()).get(), ask, &summary).ok());
  EXPECT_EQ(summary.cancelled(), 2);
  EXPECT_EQ(summary.late_cancellations(), 1);
}

// ---------------------------------------------------------------- closure

TEST_F(SchedulingServiceTest, ClosureInMatchingCancelsWhatIsAheadForGoodThroughReplaysAndDuplicates) {
  EventCollector matching_events(events::TopicFor("matching"));
  EventCollector events(events::TopicFor("scheduling"));
  auto pairs = Cohort("close", 1);
  ASSERT_TRUE(pairs.ok()) << pairs.status();
  const Pair& pair = (*pairs)[0];
  const auto planned = Meetings(pair, As(pair.mentee.person_id()));
  ASSERT_GE(planned.size(), 3u);
  // The first meeting happens.
  AdvanceTo(StartOf(planned[0]) + absl::Minutes(5));
  sv1::Meeting held;
  ASSERT_TRUE(CheckIn(planned[0].meeting_id(), As(pair.mentee.person_id()), true, &held).ok());

  mv1::CloseRelationshipRequest close;
  close.set_relationship_id(pair.relationship_id);
  close.set_reason(common::v1::CLOSURE_REASON_GOALS_ACHIEVED);
  mv1::Relationship closed;
  ASSERT_TRUE(matching_stub_->CloseRelationship(ContextAs(As(pair.mentee.person_id())).get(), close, &closed).ok());
  std::vector<sv1::Meeting> after;
  const bool all_cancelled = Eventually([&] {
    after = Meetings(pair, As(pair.mentor.person_id()));
    return after.size() == planned.size() && std::all_of(after.begin() + 1, after.end(), [](const auto& m) {
             return m.state() == sv1::MEETING_STATE_CANCELLED;
           });
  });
  ASSERT_TRUE(all_cancelled) << "scheduling never cancelled the meetings ahead";
  ASSERT_EQ(after.size(), planned.size());
  EXPECT_EQ(after[0].state(), sv1::MEETING_STATE_COMPLETED) << "what happened stays as it was";
  for (size_t i = 1; i < after.size(); ++i) {
    SCOPED_TRACE(Show(after[i]));
    EXPECT_TRUE(after[i].cancelled_by().empty()) << "the system cancelled it";
    EXPECT_EQ(after[i].cancel_reason(), sv1::CHANGE_REASON_RELATIONSHIP_ENDED);
    EXPECT_FALSE(after[i].late_cancellation());
  }
  auto series = Series(pair, As(pair.mentee.person_id()));
  ASSERT_EQ(series.size(), 1u);
  EXPECT_EQ(series[0].state(), sv1::SERIES_STATE_ENDED);

  // matching's events about the relationship, replayed as they were (the same ids), and a
  // re-sent match.made under a new id (older than what was applied): nothing comes back.
  std::vector<EventEnvelope> replay;
  matching_events.CollectUntil(
      [&](const auto& all) {
        replay.clear();
        for (const auto& e : all) {
          if (e.aggregate_id() == pair.relationship_id) replay.push_back(e);
        }
        return std::any_of(replay.begin(), replay.end(), [](const auto& e) { return e.has_relationship_closed(); });
      },
      absl::Seconds(30));
  const auto made = std::find_if(replay.begin(), replay.end(), [](const auto& e) { return e.has_match_made(); });
  ASSERT_NE(made, replay.end()) << "match.made never seen on matching's topic";
  EventEnvelope resent = *made;
  resent.set_event_id(NewUuidV7());
  replay.push_back(resent);
  for (const auto& e : replay) {
    auto sent = producer_->ProduceAndWait(
        {{events::TopicFor("matching"), e.aggregate_id(), e.SerializeAsString(), events::KafkaHeaders(e)}});
    ASSERT_TRUE(sent.front().ok()) << sent.front();
  }
  // A real event after them on the same key: once scheduling applied it, it had the replay.
  mv1::RelationshipCommand alumni;
  alumni.set_relationship_id(pair.relationship_id);
  mv1::Relationship moved;
  ASSERT_TRUE(matching_stub_->MoveToAlumni(ContextAs(As(pair.mentor.person_id())).get(), alumni, &moved).ok());
  ASSERT_TRUE(Eventually([&] {
    return Query(scheduling_db_->url(), absl::StrCat("SELECT state FROM relationships WHERE relationship_id = '",
                                                     pair.relationship_id, "'")) == std::vector<std::string>{"4"};
  })) << "scheduling never applied relationship.moved_to_alumni";

  const auto replayed = Meetings(pair, As(pair.mentor.person_id()));
  ASSERT_EQ(replayed.size(), after.size());
  for (size_t i = 0; i < after.size(); ++i) {
    SCOPED_TRACE(Show(replayed[i]));
    EXPECT_EQ(replayed[i].state(), after[i].state());
    EXPECT_EQ(replayed[i].version(), after[i].version()) << "not touched again";
  }
  series = Series(pair, As(pair.mentee.person_id()));
  ASSERT_EQ(series.size(), 1u) << "no series planned again";
  EXPECT_EQ(series[0].state(), sv1::SERIES_STATE_ENDED);

  // Alumni may still book a meeting of their own, at a time of a cancelled one, which stays
  // cancelled.
  sv1::BookMeetingRequest book;
  book.set_relationship_id(pair.relationship_id);
  *book.mutable_starts_at() = after[2].starts_at();
  sv1::Meeting booked;
  const auto status = sched_[1]->BookMeeting(ContextAs(As(pair.mentee.person_id())).get(), book, &booked);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(booked.state(), sv1::MEETING_STATE_SCHEDULED);
  EXPECT_NE(booked.meeting_id(), after[2].meeting_id());
  EXPECT_EQ(booked.occurrence(), static_cast<int>(after.size()) + 1);
  sv1::Meeting still;
  ASSERT_TRUE(GetMeeting(after[2].meeting_id(), As(pair.mentee.person_id()), &still).ok());
  EXPECT_EQ(still.state(), sv1::MEETING_STATE_CANCELLED);

  // In Kafka: one system cancellation per meeting ahead, nothing scheduled again.
  const auto received = Published(events, {pair.series_id});
  for (size_t i = 1; i < after.size(); ++i) {
    const auto cancelled = About(received, "meeting.cancelled", after[i].meeting_id());
    ASSERT_EQ(cancelled.size(), 1u) << Show(after[i]);
    EXPECT_TRUE(cancelled[0].meeting_cancelled().cancelled_by().empty());
    EXPECT_FALSE(cancelled[0].meeting_cancelled().late());
    EXPECT_EQ(About(received, "meeting.scheduled", after[i].meeting_id()).size(), 1u) << "scheduled once, ever";
  }
}

// ---------------------------------------------------------------- pair-only content

TEST_F(SchedulingServiceTest, AgendaAndNotesStayWithThePairOutOfEventsAndFeeds) {
  EventCollector events(events::TopicFor("scheduling"));
  auto third = NewPerson("private-third", 9, kMentorZone, kMentorHours, true);
  ASSERT_TRUE(third.ok()) << third.status();
  auto pairs = Cohort("private", 1);
  ASSERT_TRUE(pairs.ok()) << pairs.status();
  const Pair& pair = (*pairs)[0];
  const Caller mentee = As(pair.mentee.person_id());
  const Caller mentor = As(pair.mentor.person_id());
  const Caller stranger = As(third->person_id());
  const auto meetings = Meetings(pair, mentee);
  ASSERT_GE(meetings.size(), 3u);
  const std::string id = meetings[0].meeting_id();

  const std::string agenda = "agenda-secret: my manager and I disagree about my next step";
  const std::string note = "note-secret: ask about the reorganisation";
  const std::string mentee_note = "note-secret: I felt heard";
  const std::string action = "action-secret: draft the promotion case";
  ASSERT_TRUE(SetAgenda(id, mentee, agenda).ok());
  EXPECT_EQ(SetAgenda(id, mentor, "the mentor's idea").error_code(), grpc::StatusCode::PERMISSION_DENIED)
      << "the mentee owns the agenda";
  sv1::AddNoteRequest add_note;
  add_note.set_meeting_id(id);
  add_note.set_text(note);
  sv1::Note written;
  ASSERT_TRUE(sched_[0]->AddNote(ContextAs(mentor).get(), add_note, &written).ok());
  EXPECT_EQ(written.author_id(), pair.mentor.person_id());
  add_note.set_text(mentee_note);
  ASSERT_TRUE(sched_[1]->AddNote(ContextAs(mentee).get(), add_note, &written).ok());
  sv1::AddActionItemRequest add_item;
  add_item.set_meeting_id(id);
  add_item.set_text(action);
  sv1::ActionItem item;
  ASSERT_TRUE(sched_[0]->AddActionItem(ContextAs(mentor).get(), add_item, &item).ok());

  // The pair reads it all.
  sv1::ListNotesRequest list_notes;
  list_notes.set_meeting_id(id);
  sv1::ListNotesResponse notes;
  ASSERT_TRUE(sched_[1]->ListNotes(ContextAs(mentee).get(), list_notes, &notes).ok());
  ASSERT_EQ(notes.notes_size(), 2);
  EXPECT_EQ(notes.notes(0).text(), note);
  EXPECT_EQ(notes.notes(1).text(), mentee_note);
  sv1::Meeting seen;
  ASSERT_TRUE(GetMeeting(id, mentor, &seen, 1).ok());
  EXPECT_EQ(seen.agenda(), agenda);
  EXPECT_EQ(seen.notes(), 2);

  // A third employee and a programme admin are refused the text, read or written.
  for (const Caller& outsider : {stranger, Admin()}) {
    SCOPED_TRACE(outsider.id);
    EXPECT_EQ(SetAgenda(id, outsider, "mine now").error_code(), grpc::StatusCode::PERMISSION_DENIED);
    sv1::ListNotesResponse none;
    EXPECT_EQ(sched_[0]->ListNotes(ContextAs(outsider).get(), list_notes, &none).error_code(),
              grpc::StatusCode::PERMISSION_DENIED);
    add_note.set_text("hello from outside");
    EXPECT_EQ(sched_[0]->AddNote(ContextAs(outsider).get(), add_note, &written).error_code(),
              grpc::StatusCode::PERMISSION_DENIED);
    EXPECT_EQ(sched_[0]->AddActionItem(ContextAs(outsider).get(), add_item, &item).error_code(),
              grpc::StatusCode::PERMISSION_DENIED);
    sv1::ListActionItemsRequest list_items;
    list_items.set_relationship_id(pair.relationship_id);
    sv1::ListActionItemsResponse items;
    EXPECT_EQ(sched_[0]->ListActionItems(ContextAs(outsider).get(), list_items, &items).error_code(),
              grpc::StatusCode::PERMISSION_DENIED);
  }
  // The third sees nothing of the meeting at all...
  EXPECT_EQ(GetMeeting(id, stranger, &seen).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  sv1::ListMeetingsRequest theirs;
  theirs.set_relationship_id(pair.relationship_id);
  sv1::ListMeetingsResponse listed;
  EXPECT_EQ(sched_[0]->ListMeetings(ContextAs(stranger).get(), theirs, &listed).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  theirs.clear_relationship_id();
  theirs.set_person_id(pair.mentee.person_id());
  EXPECT_EQ(sched_[0]->ListMeetings(ContextAs(stranger).get(), theirs, &listed).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  // ...and the admin its shape without its content.
  ASSERT_TRUE(GetMeeting(id, Admin(), &seen).ok());
  EXPECT_TRUE(seen.has_agenda());
  EXPECT_TRUE(seen.agenda().empty());
  EXPECT_EQ(seen.open_action_items_size(), 0);
  EXPECT_EQ(seen.SerializeAsString().find("secret"), std::string::npos);

  // Changes after the text was written publish events about this very meeting: moved to
  // the next hour both share, then the following one cancelled, then the first missed.
  absl::Time moved_to = StartOf(meetings[0]) + absl::Hours(1);
  if (!Inside(moved_to, kMeetingMinutes, kMenteeZone, kMenteeHours)) moved_to = StartOf(meetings[0]) - absl::Hours(1);
  sv1::RescheduleMeetingRequest move;
  move.set_meeting_id(id);
  SetTimestamp(move.mutable_starts_at(), moved_to);
  move.set_reason(sv1::CHANGE_REASON_SCHEDULE_CONFLICT);
  sv1::RescheduleMeetingResponse moved;
  const auto move_status = sched_[0]->RescheduleMeeting(ContextAs(mentee).get(), move, &moved);
  ASSERT_TRUE(move_status.ok()) << move_status.error_message();
  sv1::Meeting cancelled;
  ASSERT_TRUE(Cancel(meetings[1].meeting_id(), mentor, sv1::CHANGE_REASON_TRAVEL, &cancelled).ok());
  AdvanceTo(moved_to + absl::Minutes(kMeetingMinutes) + kMissedGrace + absl::Minutes(1));
  WaitForBothSweepers();

  const auto received = Published(events, {pair.series_id});
  EXPECT_EQ(About(received, "meeting.rescheduled", id).size(), 1u);
  EXPECT_EQ(About(received, "meeting.missed", id).size(), 1u);
  const auto all = events.CollectUntil([](const auto&) { return true; }, absl::ZeroDuration());
  for (const auto& e : all) {  // every event on the topic, whoever's
    const std::string bytes = e.SerializeAsString();
    for (const std::string& secret : {agenda, note, mentee_note, action}) {
      EXPECT_EQ(bytes.find(secret), std::string::npos) << events::TypeOf(e) << " carries '" << secret << "'";
    }
    EXPECT_EQ(bytes.find("secret"), std::string::npos) << events::TypeOf(e);
  }
  // Nor is it in any event not yet relayed, or relayed before the collector started.
  EXPECT_EQ(Query(scheduling_db_->url(),
                  "SELECT count(*) FROM outbox WHERE position(convert_to('secret', 'UTF8') in payload) > 0"),
            std::vector<std::string>{"0"});

  // Each person's calendar feed has the meeting, never its text; only they make it.
  sv1::CreateCalendarFeedRequest make;
  make.set_person_id(pair.mentee.person_id());
  sv1::CalendarFeed feed;
  EXPECT_EQ(sched_[0]->CreateCalendarFeed(ContextAs(stranger).get(), make, &feed).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  for (const Person* who : {&pair.mentee, &pair.mentor}) {
    make.set_person_id(who->person_id());
    ASSERT_TRUE(sched_[0]->CreateCalendarFeed(ContextAs(As(who->person_id())).get(), make, &feed).ok());
    sv1::GetCalendarFeedRequest get;
    get.set_token(feed.token());
    sv1::CalendarFeedContent content;
    // As the gateway asks for it: anonymously, the token in the path being the capability.
    const auto got = sched_[1]->GetCalendarFeed(ContextAs(Caller{"anonymous", {}}).get(), get, &content);
    ASSERT_TRUE(got.ok()) << got.error_message();
    EXPECT_NE(content.ics().find("UID:" + id), std::string::npos) << content.ics().substr(0, 400);
    EXPECT_NE(content.ics().find("STATUS:CANCELLED"), std::string::npos);
    EXPECT_EQ(content.ics().find("secret"), std::string::npos) << content.ics();
  }
}

// ---------------------------------------------------------------- a new time zone

TEST_F(SchedulingServiceTest, ANewTimeZoneInProfilesReplansFarMeetingsAndFlagsNearOnes) {
  EventCollector events(events::TopicFor("scheduling"));
  auto pairs = Cohort("zone", 1);
  ASSERT_TRUE(pairs.ok()) << pairs.status();
  const Pair& pair = (*pairs)[0];
  const auto before = Meetings(pair, As(pair.mentee.person_id()));
  ASSERT_GE(before.size(), 3u);
  // Half a day before the first meeting: inside its notice, far from the rest.
  absl::Time now = Now();
  if (StartOf(before[0]) - now > absl::Hours(12)) now = AdvanceTo(StartOf(before[0]) - absl::Hours(12));
  ASSERT_LT(now, StartOf(before[0]));

  // The mentee moves to Los Angeles, keeping their local hours: 09:00-12:00 there is
  // 17:00-20:00 in London, where only 17:00-18:00 is the mentor's.
  constexpr char kNewZone[] = "America/Los_Angeles";
  ASSERT_TRUE(MoveToZone(pair.mentee, kNewZone).ok());
  // Not a test of the setup: the first meeting no longer suits the mentee, and it is near.
  ASSERT_FALSE(Inside(StartOf(before[0]), kMeetingMinutes, kNewZone, kMenteeHours));
  ASSERT_LT(StartOf(before[0]) - now, absl::Hours(kNoticeHours));

  const std::vector<sv1::Meeting> after = ShownIn(pair, kNewZone);
  ASSERT_FALSE(HasFailure());
  ASSERT_EQ(after.size(), before.size());
  const auto series = Series(pair, As(pair.mentor.person_id()));
  ASSERT_EQ(series.size(), 1u);
  EXPECT_EQ(series[0].time_zone(), kNewZone);
  EXPECT_EQ(series[0].state(), sv1::SERIES_STATE_ACTIVE);

  std::set<std::string> moved;
  for (size_t i = 0; i < after.size(); ++i) {
    const sv1::Meeting& was = before[i];
    const sv1::Meeting& is = after[i];
    SCOPED_TRACE(Show(was) + " -> " + Show(is));
    ASSERT_EQ(is.meeting_id(), was.meeting_id());
    EXPECT_EQ(is.state(), sv1::MEETING_STATE_SCHEDULED);
    EXPECT_EQ(is.attendee_time_zone(), kMentorZone);
    if (StartOf(was) - now < absl::Hours(kNoticeHours)) {
      // Near: it stays where it was, and the pair is asked to look at it.
      EXPECT_EQ(StartOf(is), StartOf(was));
      EXPECT_TRUE(is.needs_attention());
      EXPECT_EQ(is.attention_reason(), sv1::CHANGE_REASON_AVAILABILITY_CHANGED);
      EXPECT_EQ(is.reschedules_size(), 0);
    } else {
      // Far: moved to where both windows hold it, by the system, for the new availability.
      EXPECT_TRUE(Inside(StartOf(is), kMeetingMinutes, kNewZone, kMenteeHours)) << "outside the mentee's new window";
      EXPECT_TRUE(Inside(StartOf(is), kMeetingMinutes, kMentorZone, kMentorHours)) << "outside the mentor's window";
      EXPECT_FALSE(is.needs_attention());
      EXPECT_NE(StartOf(is), StartOf(was)) << "its old time no longer suits the mentee";
      ASSERT_EQ(is.reschedules_size(), 1);
      EXPECT_EQ(is.reschedules(0).reason(), sv1::CHANGE_REASON_AVAILABILITY_CHANGED);
      EXPECT_TRUE(is.reschedules(0).requested_by().empty());
      EXPECT_FALSE(is.reschedules(0).late());
      EXPECT_EQ(FromTimestamp(is.reschedules(0).previous_starts_at()), StartOf(was));
      moved.insert(is.meeting_id());
    }
  }
  EXPECT_EQ(moved.size(), after.size() - 1) << "only the first is inside the notice";

  // Kafka has one meeting.rescheduled for each moved meeting, none for the flagged one.
  const auto received = Published(events, {pair.series_id});
  for (size_t i = 0; i < after.size(); ++i) {
    const auto rescheduled = About(received, "meeting.rescheduled", after[i].meeting_id());
    if (!moved.contains(after[i].meeting_id())) {
      EXPECT_TRUE(rescheduled.empty()) << Show(after[i]);
      continue;
    }
    ASSERT_EQ(rescheduled.size(), 1u) << Show(after[i]);
    EXPECT_EQ(FromTimestamp(rescheduled[0].meeting_rescheduled().starts_at()), StartOf(after[i]));
    EXPECT_EQ(FromTimestamp(rescheduled[0].meeting_rescheduled().previous_starts_at()), StartOf(before[i]));
    EXPECT_TRUE(rescheduled[0].meeting_rescheduled().requested_by().empty());
    EXPECT_FALSE(rescheduled[0].meeting_rescheduled().late());
  }
}

// A zone with the same clock as the old one: every meeting keeps its time, near or far, and
// nothing moves or needs a look; the meetings (and the calendar, whose TZID is the
// organiser's zone) now read in the new zone.
TEST_F(SchedulingServiceTest, ANewTimeZoneWithTheSameClockKeepsEveryMeetingAndShowsTheNewZone) {
  EventCollector events(events::TopicFor("scheduling"));
  auto pairs = Cohort("samezone", 1);
  ASSERT_TRUE(pairs.ok()) << pairs.status();
  const Pair& pair = (*pairs)[0];
  const auto before = Meetings(pair, As(pair.mentee.person_id()));
  ASSERT_GE(before.size(), 3u);
  absl::Time now = Now();
  if (StartOf(before[0]) - now > absl::Hours(12)) now = AdvanceTo(StartOf(before[0]) - absl::Hours(12));
  ASSERT_LT(StartOf(before[0]) - now, absl::Hours(kNoticeHours)) << "one meeting near, the rest far";

  constexpr char kNewZone[] = "America/Toronto";  // New York's offsets and clock changes
  ASSERT_TRUE(MoveToZone(pair.mentee, kNewZone).ok());
  const std::vector<sv1::Meeting> after = ShownIn(pair, kNewZone);
  ASSERT_FALSE(HasFailure());
  ASSERT_EQ(after.size(), before.size());
  const auto series = Series(pair, As(pair.mentee.person_id()));
  ASSERT_EQ(series.size(), 1u);
  EXPECT_EQ(series[0].time_zone(), kNewZone);
  for (size_t i = 0; i < after.size(); ++i) {
    SCOPED_TRACE(Show(before[i]) + " -> " + Show(after[i]));
    EXPECT_EQ(StartOf(after[i]), StartOf(before[i]));
    EXPECT_EQ(after[i].state(), sv1::MEETING_STATE_SCHEDULED);
    EXPECT_FALSE(after[i].needs_attention());
    EXPECT_EQ(after[i].reschedules_size(), 0);
    EXPECT_GT(after[i].version(), before[i].version()) << "a change the calendar must pick up";
  }
  const auto received = Published(events, {pair.series_id});
  for (const auto& m : after) EXPECT_TRUE(About(received, "meeting.rescheduled", m.meeting_id()).empty());

  sv1::CreateCalendarFeedRequest make;
  make.set_person_id(pair.mentee.person_id());
  sv1::CalendarFeed feed;
  ASSERT_TRUE(sched_[0]->CreateCalendarFeed(ContextAs(As(pair.mentee.person_id())).get(), make, &feed).ok());
  sv1::GetCalendarFeedRequest get;
  get.set_token(feed.token());
  sv1::CalendarFeedContent content;
  ASSERT_TRUE(sched_[1]->GetCalendarFeed(ContextAs(Caller{"anonymous", {}}).get(), get, &content).ok());
  EXPECT_NE(content.ics().find(std::string("TZID=") + kNewZone), std::string::npos) << content.ics().substr(0, 600);
  EXPECT_EQ(content.ics().find(kMenteeZone), std::string::npos) << "the old zone is gone from the calendar";
}

}  // namespace
}  // namespace mentoring::testing
