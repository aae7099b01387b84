// How scheduling follows a relationship, on a scratch database: match.made becomes a series
// whose meetings sit inside both people's windows; two sweepers at once mark each overdue
// meeting missed once; late changes are recorded as late; pause and closure cancel what is
// ahead for good, whatever the duplicates and the order; new zones and windows re-plan what
// is beyond the notice; an erasure removes what the person wrote; pair-only content stays
// with the pair; and every list pages without losing or repeating a row.
#include <absl/strings/match.h>
#include <absl/strings/numbers.h>
#include <absl/strings/str_join.h>
#include <absl/strings/str_replace.h>
#include <absl/strings/str_split.h>
#include <absl/strings/strip.h>

#include <algorithm>

#include <atomic>
#include <set>
#include <thread>

#include "flow_fixture.h"

namespace mentoring::scheduling {
namespace {

using ::testing::Contains;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;

std::set<std::string> IdsOf(const std::vector<v1::Meeting>& meetings) {
  std::set<std::string> ids;
  for (const auto& m : meetings) ids.insert(m.meeting_id());
  return ids;
}

// The SEQUENCE of the one VEVENT with `uid` in an iCalendar text (-1 when there is not
// exactly one such event).
int SequenceOf(const std::string& ics, const std::string& uid) {
  // Unfold continuation lines first, then end lines with \n alone.
  const std::string unfolded = absl::StrReplaceAll(absl::StrReplaceAll(ics, {{"\r\n ", ""}}), {{"\r\n", "\n"}});
  int found = 0, sequence = -1;
  for (absl::string_view block : absl::StrSplit(unfolded, "BEGIN:VEVENT")) {
    if (!absl::StrContains(block, absl::StrCat("\nUID:", uid, "\n"))) continue;
    ++found;
    for (absl::string_view line : absl::StrSplit(block, '\n')) {
      if (absl::ConsumePrefix(&line, "SEQUENCE:")) {
        if (!absl::SimpleAtoi(line, &sequence)) sequence = -1;
      }
    }
  }
  return found == 1 ? sequence : -1;
}

// Pages through a list to its end, calling `between` with what was read so far after each
// page but the last (to change the rows under the reader). Returns the ids in the order
// returned.
struct Page {
  std::vector<std::string> ids;
  std::string next;
};
std::vector<std::string> ReadAllPages(const std::function<Page(const std::string&)>& fetch,
                                      const std::function<void(const std::vector<std::string>&)>& between, int& pages) {
  std::vector<std::string> all;
  std::string token;
  pages = 0;
  do {
    Page page = fetch(token);
    all.insert(all.end(), page.ids.begin(), page.ids.end());
    token = page.next;
    ++pages;
    if (!token.empty()) between(all);
  } while (!token.empty() && pages < 1000);
  return all;
}

// The last of `ids` (in their order) not read yet and not taken before.
std::string LastUnread(const std::vector<std::string>& ids, const std::vector<std::string>& read,
                       const std::set<std::string>& taken) {
  for (auto it = ids.rbegin(); it != ids.rend(); ++it) {
    if (std::find(read.begin(), read.end(), *it) == read.end() && !taken.contains(*it)) return *it;
  }
  return "";
}

// Nothing twice; everything that existed throughout, once.
void ExpectNoDuplicatesAndNothingSkipped(const std::vector<std::string>& read,
                                         const std::set<std::string>& throughout) {
  std::set<std::string> seen;
  for (const auto& id : read) EXPECT_TRUE(seen.insert(id).second) << "returned twice: " << id;
  for (const auto& id : throughout) EXPECT_TRUE(seen.contains(id)) << "skipped: " << id;
}

// ----------------------------------------------------------------------------------------

TEST_F(SchedulingFlowTest, MatchMadeGivesASeriesInsideBothWindowsAndNoEventCarriesPairText) {
  const Pair p = Matched("made", Terms("FREQ=WEEKLY;INTERVAL=2"));
  const RelationshipRecord r = StoredRelationship(p.id);
  ASSERT_FALSE(r.current_series_id.empty());
  const v1::MeetingSeries series = StoredSeries(r.current_series_id);
  EXPECT_EQ(series.state(), v1::SERIES_STATE_ACTIVE);
  EXPECT_EQ(series.kind(), v1::SERIES_KIND_CADENCE);
  EXPECT_EQ(series.organiser_id(), p.mentee);  // the mentee organises
  EXPECT_EQ(series.attendee_id(), p.mentor);
  EXPECT_EQ(series.time_zone(), kLondon);
  EXPECT_THAT(series.issues(), IsEmpty());

  const absl::Time now = clock_.Now();
  const absl::CivilDay window_end = absl::ToCivilDay(now, absl::UTCTimeZone()) + options_.window_days;
  const WeeklyAvailability mentee = AvailabilityOf(p.mentee), mentor = AvailabilityOf(p.mentor);
  std::vector<v1::Meeting> meetings = Scheduled(p);
  ASSERT_GE(meetings.size(), 6u);  // every two weeks for 90 days
  ASSERT_LE(meetings.size(), 7u);
  int occurrence = 0;
  for (size_t i = 0; i < meetings.size(); ++i) {
    const v1::Meeting& m = meetings[i];
    SCOPED_TRACE(m.meeting_id());
    const absl::Time start = StartOf(m);
    EXPECT_GE(start, now + absl::Hours(1));
    EXPECT_LE(absl::CivilDay(LocalTime(start, kLondon)), window_end);
    EXPECT_TRUE(mentee.Fits(start, 60)) << LocalTime(start, kLondon);
    EXPECT_TRUE(mentor.Fits(start, 60)) << LocalTime(start, kBerlin);
    EXPECT_EQ(m.series_id(), series.series_id());
    EXPECT_EQ(m.duration_minutes(), 60);
    EXPECT_EQ(m.organiser_time_zone(), kLondon);
    EXPECT_EQ(m.attendee_time_zone(), kBerlin);
    EXPECT_GT(m.occurrence(), occurrence);
    occurrence = m.occurrence();
    if (i > 0) {
      // The cadence: two weeks apart, at the same London wall-clock time across the
      // change to summer time on 28 March.
      EXPECT_EQ(
          absl::CivilDay(LocalTime(start, kLondon)) - absl::CivilDay(LocalTime(StartOf(meetings[i - 1]), kLondon)), 14);
      EXPECT_EQ(LocalTime(start, kLondon).hour(), LocalTime(StartOf(meetings[0]), kLondon).hour());
    }
  }
  // One meeting.scheduled per meeting, keyed by the series and numbered in it.
  auto scheduled = Published("meeting.scheduled");
  ASSERT_THAT(scheduled, SizeIs(meetings.size()));
  std::set<std::string> announced;
  for (size_t i = 0; i < scheduled.size(); ++i) {
    EXPECT_EQ(scheduled[i].aggregate_type(), "meeting_series");
    EXPECT_EQ(scheduled[i].aggregate_id(), series.series_id());
    EXPECT_EQ(scheduled[i].sequence(), static_cast<int64_t>(i + 1));
    announced.insert(RefOf(scheduled[i]).meeting_id());
  }
  EXPECT_EQ(announced, IdsOf(meetings));

  // The pair writes; every kind of scheduling event follows.
  const std::string agenda = "AGENDA-TEXT: my promotion case", mentee_note = "NOTE-TEXT: felt stuck",
                    mentor_note = "NOTE-TEXT: suggest a sponsor", item = "ITEM-TEXT: draft the case";
  ASSERT_TRUE(SetAgendaAs(As(p.mentee), meetings[1].meeting_id(), agenda).ok());
  ASSERT_TRUE(NoteAs(As(p.mentee), meetings[0].meeting_id(), mentee_note).ok());
  ASSERT_TRUE(NoteAs(As(p.mentor), meetings[0].meeting_id(), mentor_note).ok());
  ASSERT_TRUE(ActionItemAs(As(p.mentor), meetings[0].meeting_id(), item).ok());
  ASSERT_TRUE(RescheduleAs(p.mentee, meetings[1].meeting_id(), StartOf(meetings[1]) + absl::Hours(2)).ok());
  ASSERT_TRUE(CancelAs(p.mentor, meetings[2].meeting_id()).ok());
  auto feed = FeedOf(p.mentee);
  ASSERT_TRUE(feed.ok()) << feed.status();

  // A month on: the first meetings are over (one held, checked in as it ended; one not),
  // and the window moves on.
  const absl::Time month_on = clock_.Now() + absl::Hours(24 * 30);
  clock_.Advance(StartOf(meetings[0]) + absl::Hours(1) - clock_.Now());
  ASSERT_TRUE(CheckInAs(p.mentee, meetings[0].meeting_id(), true).ok());
  clock_.Advance(month_on - clock_.Now());
  auto swept = sweeper_.SweepOnce();
  ASSERT_TRUE(swept.ok()) << swept.status();
  EXPECT_EQ(swept->missed, 1);  // the rescheduled second one
  auto extended = series_.ExtendWindows();
  ASSERT_TRUE(extended.ok()) << extended.status();
  const std::vector<v1::Meeting> after = Scheduled(p);
  ASSERT_FALSE(after.empty());
  const absl::CivilDay new_window_end = absl::ToCivilDay(clock_.Now(), absl::UTCTimeZone()) + options_.window_days;
  EXPECT_GT(absl::CivilDay(LocalTime(StartOf(after.back()), kLondon)), window_end);
  EXPECT_LE(absl::CivilDay(LocalTime(StartOf(after.back()), kLondon)), new_window_end);
  EXPECT_GT(absl::CivilDay(LocalTime(StartOf(after.back()), kLondon)), new_window_end - 14);
  for (const auto& m : after) {
    EXPECT_TRUE(mentee.Fits(StartOf(m), 60) && mentor.Fits(StartOf(m), 60)) << LocalTime(StartOf(m), kLondon);
  }

  std::set<std::string> types;
  for (const auto& e : Published()) {
    types.insert(events::TypeOf(e));
    const std::string bytes = e.SerializeAsString();
    for (const std::string& text : {agenda, mentee_note, mentor_note, item}) {
      EXPECT_FALSE(absl::StrContains(bytes, text)) << events::TypeOf(e) << " carries " << text;
    }
    for (const char* marker : {"AGENDA-TEXT", "NOTE-TEXT", "ITEM-TEXT"}) {
      EXPECT_FALSE(absl::StrContains(bytes, marker)) << events::TypeOf(e);
    }
  }
  EXPECT_EQ(types, (std::set<std::string>{"meeting.scheduled", "meeting.rescheduled", "meeting.cancelled",
                                          "meeting.completed", "meeting.missed"}));
  // Nor in the calendar.
  auto ics = Ics(feed->token());
  ASSERT_TRUE(ics.ok()) << ics.status();
  for (const char* marker : {"AGENDA-TEXT", "NOTE-TEXT", "ITEM-TEXT"}) {
    EXPECT_FALSE(absl::StrContains(*ics, marker));
  }
}

TEST_F(SchedulingFlowTest, TwoSweepersAtOnceMarkEachOverdueMeetingOnce) {
  std::vector<Pair> pairs;
  for (int i = 0; i < 10; ++i) pairs.push_back(Matched(absl::StrCat("sweep", i), Terms("FREQ=WEEKLY")));
  // Pair 0 writes its agendas for the first five meetings; nobody else does.
  const std::vector<v1::Meeting> first = Scheduled(pairs[0]);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(SetAgendaAs(As(pairs[0].mentee), first[i].meeting_id(), "the plan").ok());

  // Three weeks and a bit: the first four meetings of every pair are past their end plus
  // the grace period (a day); the fifth's agenda is due (a week before) but it is ahead.
  // Pair 1 checks in as each of its first four meetings happens (check-ins close with the
  // grace period); no sweeper runs until the end.
  const absl::Time three_weeks_on = clock_.Now() + absl::Hours(24 * 23 + 4);
  const std::vector<v1::Meeting> checked = Scheduled(pairs[1]);
  const v1::Meeting& held = checked[0];
  const v1::Meeting& disputed = checked[1];
  const v1::Meeting& both_not_held = checked[2];
  const v1::Meeting& one_not_held = checked[3];
  auto during = [&](const v1::Meeting& m) { clock_.Advance(StartOf(m) + absl::Minutes(5) - clock_.Now()); };
  during(held);
  ASSERT_TRUE(CheckInAs(pairs[1].mentee, held.meeting_id(), true).ok());
  during(disputed);
  ASSERT_TRUE(CheckInAs(pairs[1].mentee, disputed.meeting_id(), true).ok());
  auto disagreed = CheckInAs(pairs[1].mentor, disputed.meeting_id(), false);
  ASSERT_TRUE(disagreed.ok()) << disagreed.status();
  EXPECT_TRUE(disagreed->check_ins_disagree());
  during(both_not_held);
  ASSERT_TRUE(CheckInAs(pairs[1].mentee, both_not_held.meeting_id(), false).ok());
  ASSERT_TRUE(CheckInAs(pairs[1].mentor, both_not_held.meeting_id(), false).ok());  // missed at once
  during(one_not_held);
  ASSERT_TRUE(CheckInAs(pairs[1].mentor, one_not_held.meeting_id(), false).ok());
  clock_.Advance(three_weeks_on - clock_.Now());
  const absl::Time now = clock_.Now();

  // What the sweepers should do, read before they start.
  std::set<std::string> due_missed, due_agenda;
  std::map<std::string, int64_t> version_before;
  for (const Pair& p : pairs) {
    for (const v1::Meeting& m : Scheduled(p)) {
      version_before[m.meeting_id()] = m.version();
      if (FromTimestamp(m.missed_after()) <= now) due_missed.insert(m.meeting_id());
      if (!m.has_agenda() && FromTimestamp(m.agenda_due_at()) <= now) due_agenda.insert(m.meeting_id());
    }
  }
  // Four a pair (pair 0's agendas do not make a meeting held), but pair 1's three settled
  // by check-ins (a one-sided "not held" is no "held").
  ASSERT_THAT(due_missed, SizeIs(10 * 4 - 3));
  // Five a pair, none of pair 0's, and pair 1's two still scheduled.
  ASSERT_THAT(due_agenda, SizeIs(8 * 5 + 2));
  const size_t missed_before = Published("meeting.missed").size();
  ASSERT_EQ(missed_before, 1u);  // both said "not held"

  // Two replicas' sweepers on the same database, small batches so that they interleave.
  options_.sweep_batch = 3;
  prometheus::Registry other_metrics;
  MeetingSweeper other(pool_, series_store_, meeting_store_, clock_, options_, other_metrics);
  std::atomic<int> marked_missed{0}, marked_agendas{0};
  std::vector<absl::Status> failures(2);
  auto run = [&](MeetingSweeper& sweeper, absl::Status& failure) {
    while (true) {
      auto marked = sweeper.SweepOnce();
      if (!marked.ok()) {
        failure = marked.status();
        return;
      }
      marked_missed += marked->missed;
      marked_agendas += marked->agendas;
      if (marked->missed == 0 && marked->agendas == 0) return;
    }
  };
  std::thread a([&] { run(sweeper_, failures[0]); });
  std::thread b([&] { run(other, failures[1]); });
  a.join();
  b.join();
  ASSERT_TRUE(failures[0].ok()) << failures[0];
  ASSERT_TRUE(failures[1].ok()) << failures[1];
  // Whatever one left locked when the other stopped: a last pass finds nothing more.
  auto last = sweeper_.SweepOnce();
  ASSERT_TRUE(last.ok()) << last.status();
  EXPECT_EQ(last->missed + last->agendas, 0);
  EXPECT_EQ(marked_missed.load(), static_cast<int>(due_missed.size()));
  EXPECT_EQ(marked_agendas.load(), static_cast<int>(due_agenda.size()));

  // One meeting.missed per meeting, each meeting marked once.
  std::map<std::string, int> missed_events, agenda_events;
  for (const auto& e : Published("meeting.missed")) ++missed_events[RefOf(e).meeting_id()];
  for (const auto& e : Published("meeting.agenda_missing")) ++agenda_events[RefOf(e).meeting_id()];
  EXPECT_THAT(missed_events, SizeIs(due_missed.size() + 1));
  for (const auto& [id, n] : missed_events) EXPECT_EQ(n, 1) << id;
  for (const std::string& id : due_missed) {
    EXPECT_EQ(missed_events[id], 1) << id;
    const v1::Meeting m = StoredMeeting(id);
    EXPECT_EQ(m.state(), v1::MEETING_STATE_MISSED) << id;
    // Marked missed once; the agenda pass of either sweeper may have taken it first.
    EXPECT_GE(m.version(), version_before[id] + 1) << id;
    EXPECT_LE(m.version(), version_before[id] + (due_agenda.contains(id) ? 2 : 1)) << id;
  }
  // meeting.agenda_missing once per meeting whose agenda was due and absent, missed or not.
  EXPECT_THAT(agenda_events, SizeIs(due_agenda.size()));
  for (const auto& [id, n] : agenda_events) {
    EXPECT_EQ(n, 1) << id;
    EXPECT_TRUE(due_agenda.contains(id)) << id;
  }
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(agenda_events.contains(first[i].meeting_id()));
  // A meeting ahead whose agenda is late is told so and stays scheduled.
  const v1::Meeting ahead = Scheduled(pairs[2]).front();
  EXPECT_GT(StartOf(ahead), now);
  EXPECT_TRUE(agenda_events.contains(ahead.meeting_id()));
  EXPECT_TRUE(StoredMeeting(ahead.meeting_id()).agenda_missing_published());

  // A "held" completes, whatever the other said; the disagreement is recorded.
  EXPECT_EQ(StoredMeeting(held.meeting_id()).state(), v1::MEETING_STATE_COMPLETED);
  const v1::Meeting settled = StoredMeeting(disputed.meeting_id());
  EXPECT_EQ(settled.state(), v1::MEETING_STATE_COMPLETED);
  EXPECT_TRUE(settled.check_ins_disagree());
  EXPECT_THAT(PublishedAbout(held.meeting_id(), "meeting.missed"), IsEmpty());
  EXPECT_THAT(PublishedAbout(disputed.meeting_id(), "meeting.missed"), IsEmpty());
  EXPECT_THAT(PublishedAbout(disputed.meeting_id(), "meeting.completed"), SizeIs(1));
  EXPECT_EQ(StoredMeeting(both_not_held.meeting_id()).state(), v1::MEETING_STATE_MISSED);
  EXPECT_EQ(StoredMeeting(one_not_held.meeting_id()).state(), v1::MEETING_STATE_MISSED);
  v1::GetScheduleSummaryRequest summary_request;
  summary_request.set_relationship_id(pairs[1].id);
  auto summary = meetings_.GetScheduleSummary(Call(Admin()), summary_request);
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_EQ(summary->completed(), 2);
  EXPECT_EQ(summary->missed(), 2);
  EXPECT_EQ(summary->check_in_disagreements(), 1);
  // Too late to check in now.
  EXPECT_EQ(CheckInAs(pairs[1].mentee, one_not_held.meeting_id(), true).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(SchedulingFlowTest, TheSweeperReadsByIndexAndReportsItsBacklogAndLag) {
  for (int i = 0; i < 3; ++i) Matched(absl::StrCat("backlog", i), Terms("FREQ=WEEKLY"));
  clock_.Advance(absl::Hours(24 * 9 + 4));  // two meetings each past their grace period
  options_.sweep_batch = 4;
  auto progress = sweeper_.Sweep();
  ASSERT_TRUE(progress.ok()) << progress.status();
  EXPECT_EQ(*progress, JobProgress::kMoreDue);
  const auto gauge = [&](const std::string& name) {
    for (const auto& family : sweeper_metrics_.Collect()) {
      if (family.name == name && !family.metric.empty()) return family.metric[0].gauge.value;
    }
    ADD_FAILURE() << name << " not exported";
    return -1.0;
  };
  EXPECT_EQ(gauge("mentoring_scheduling_missed_backlog_meetings"), 2.0);  // six due, four marked
  // The oldest left: the second week's, missed after 8 March 10:00 (its end plus a day).
  const absl::Time oldest = absl::FromCivil(absl::CivilSecond(2027, 3, 9, 10, 0, 0), absl::UTCTimeZone());
  EXPECT_EQ(gauge("mentoring_scheduling_sweep_lag_seconds"), absl::ToDoubleSeconds(clock_.Now() - oldest));
  ASSERT_TRUE(sweeper_.Sweep().ok());
  EXPECT_EQ(gauge("mentoring_scheduling_missed_backlog_meetings"), 0.0);
  EXPECT_EQ(gauge("mentoring_scheduling_sweep_lag_seconds"), 0.0);

  // Both reads are ranges of their partial indexes, never a scan of the table (the
  // planner is told not to scan, which it can only obey with a usable index).
  const auto plan = [&](const std::string& query) {
    return absl::StrJoin(testing::Query(db_.url(), "SET enable_seqscan = off; EXPLAIN " + query), "\n");
  };
  EXPECT_THAT(plan("SELECT body FROM meetings WHERE state = 1 AND missed_at <= now() ORDER BY missed_at LIMIT 10 "
                   "FOR UPDATE SKIP LOCKED"),
              ::testing::HasSubstr("meetings_missed_due"));
  EXPECT_THAT(plan("SELECT body FROM meetings WHERE state = 1 AND agenda_pending AND agenda_due_at <= now() "
                   "ORDER BY agenda_due_at LIMIT 10 FOR UPDATE SKIP LOCKED"),
              ::testing::HasSubstr("meetings_agenda_due"));
}

TEST_F(SchedulingFlowTest, ChangesInsideTheNoticeAreLateAndAMovedMeetingKeepsItsIdentity) {
  const Pair p = Matched("late", Terms("FREQ=WEEKLY", /*notice_hours=*/48));
  const std::vector<v1::Meeting> m = Scheduled(p);
  ASSERT_GE(m.size(), 8u);
  auto feed = FeedOf(p.mentee);
  ASSERT_TRUE(feed.ok());
  const std::string uid2 = m[2].meeting_id() + "@" + options_.calendar_uid_domain;
  auto ics = Ics(feed->token());
  ASSERT_TRUE(ics.ok());
  EXPECT_EQ(SequenceOf(*ics, uid2), 0);

  // The first meeting starts within the hour: cancelling it is late. The second is a week away.
  ASSERT_TRUE(CancelAs(p.mentee, m[0].meeting_id()).ok());
  ASSERT_TRUE(CancelAs(p.mentor, m[1].meeting_id(), v1::CHANGE_REASON_ILLNESS).ok());
  auto cancelled = Published("meeting.cancelled");
  ASSERT_THAT(cancelled, SizeIs(2));
  EXPECT_EQ(RefOf(cancelled[0]).meeting_id(), m[0].meeting_id());
  EXPECT_TRUE(cancelled[0].meeting_cancelled().late());
  EXPECT_EQ(cancelled[0].meeting_cancelled().cancelled_by(), p.mentee);
  EXPECT_FALSE(cancelled[1].meeting_cancelled().late());
  EXPECT_TRUE(StoredMeeting(m[0].meeting_id()).late_cancellation());
  EXPECT_FALSE(StoredMeeting(m[1].meeting_id()).late_cancellation());

  // The third, two weeks away, moves by an hour: not late; same meeting, same UID, SEQUENCE up.
  auto moved = RescheduleAs(p.mentor, m[2].meeting_id(), StartOf(m[2]) + absl::Hours(1));
  ASSERT_TRUE(moved.ok()) << moved.status();
  ASSERT_THAT(moved->meetings(), SizeIs(1));
  EXPECT_EQ(moved->meetings(0).meeting_id(), m[2].meeting_id());
  v1::Meeting after = StoredMeeting(m[2].meeting_id());
  EXPECT_EQ(StartOf(after), StartOf(m[2]) + absl::Hours(1));
  EXPECT_EQ(after.version(), m[2].version() + 1);
  EXPECT_EQ(after.occurrence(), m[2].occurrence());
  ASSERT_THAT(after.reschedules(), SizeIs(1));
  EXPECT_FALSE(after.reschedules(0).late());
  ics = Ics(feed->token());
  ASSERT_TRUE(ics.ok());
  EXPECT_EQ(SequenceOf(*ics, uid2), 1);
  // Then again, the day before: late.
  clock_.Set(StartOf(after) - absl::Hours(20));
  ASSERT_TRUE(RescheduleAs(p.mentee, m[2].meeting_id(), StartOf(after) + absl::Hours(1)).ok());
  auto rescheduled = Published("meeting.rescheduled");
  ASSERT_THAT(rescheduled, SizeIs(2));
  EXPECT_FALSE(rescheduled[0].meeting_rescheduled().late());
  EXPECT_EQ(rescheduled[0].meeting_rescheduled().requested_by(), p.mentor);
  EXPECT_EQ(FromTimestamp(rescheduled[0].meeting_rescheduled().previous_starts_at()), StartOf(m[2]));
  EXPECT_TRUE(rescheduled[1].meeting_rescheduled().late());
  EXPECT_EQ(RefOf(rescheduled[1]).meeting_id(), m[2].meeting_id());
  after = StoredMeeting(m[2].meeting_id());
  EXPECT_EQ(after.version(), m[2].version() + 2);
  ics = Ics(feed->token());
  ASSERT_TRUE(ics.ok());
  EXPECT_EQ(SequenceOf(*ics, uid2), 2);
  v1::GetScheduleSummaryRequest summary_request;
  summary_request.set_relationship_id(p.id);
  auto summary = meetings_.GetScheduleSummary(Call(As(p.mentee)), summary_request);
  ASSERT_TRUE(summary.ok());
  EXPECT_EQ(summary->late_cancellations(), 1);
  EXPECT_EQ(summary->late_reschedules(), 1);

  // "This and following" from the fifth: it and the later ones move to 14:00 London (across
  // the change to summer time); the fourth stays.
  const size_t events_before = Published("meeting.rescheduled").size();
  const absl::CivilMinute fifth_local = LocalTime(StartOf(m[4]), kLondon);
  const absl::Time to = absl::FromCivil(absl::CivilMinute(absl::CivilDay(fifth_local)) + 14 * 60, Zone(kLondon));
  auto following = RescheduleAs(p.mentee, m[4].meeting_id(), to, v1::CHANGE_SCOPE_THIS_AND_FOLLOWING);
  ASSERT_TRUE(following.ok()) << following.status();
  const std::vector<v1::Meeting> now_scheduled = Scheduled(p);
  size_t later = 0;
  for (const v1::Meeting& meeting : now_scheduled) {
    const v1::Meeting* original = nullptr;
    for (const auto& o : m) {
      if (o.meeting_id() == meeting.meeting_id()) original = &o;
    }
    if (original == nullptr) continue;
    if (original->occurrence() < m[4].occurrence()) {
      if (meeting.meeting_id() != m[2].meeting_id()) {
        EXPECT_EQ(StartOf(meeting), StartOf(*original)) << "an earlier meeting moved: " << meeting.occurrence();
      }
    } else {
      ++later;
      const absl::CivilMinute local = LocalTime(StartOf(meeting), kLondon);
      EXPECT_EQ(local.hour(), 14) << meeting.occurrence();
      EXPECT_EQ(absl::CivilDay(local), absl::CivilDay(LocalTime(StartOf(*original), kLondon)));
      EXPECT_EQ(meeting.meeting_id(), original->meeting_id());
      EXPECT_EQ(meeting.version(), original->version() + 1);
      ASSERT_THAT(meeting.reschedules(), SizeIs(1));
      EXPECT_FALSE(meeting.reschedules(0).late());
    }
  }
  EXPECT_EQ(later, m.size() - 4);
  EXPECT_EQ(static_cast<size_t>(following->meetings_size()), later);
  EXPECT_EQ(Published("meeting.rescheduled").size(), events_before + later);
  EXPECT_EQ(StoredSeries(m[0].series_id()).local_start_minute(), 14 * 60);

  // Ad-hoc meetings are held to the same agreement's notice.
  const auto book = [&](absl::CivilMinute london_time) {
    v1::BookMeetingRequest r;
    r.set_relationship_id(p.id);
    SetTimestamp(r.mutable_starts_at(), absl::FromCivil(london_time, Zone(kLondon)));
    auto booked = meetings_.BookMeeting(Call(As(p.mentee)), r);
    EXPECT_TRUE(booked.ok()) << booked.status();
    return booked.ok() ? booked->meeting_id() : "";
  };
  ASSERT_LT(clock_.Now(), absl::FromCivil(absl::CivilMinute(2027, 3, 15, 15, 0), Zone(kLondon)) - absl::Hours(1));
  const std::string soon = book(absl::CivilMinute(2027, 3, 15, 15, 0));  // within 48 hours
  const std::string later_on = book(absl::CivilMinute(2027, 3, 24, 15, 0));
  auto cancelled_soon = CancelAs(p.mentor, soon);
  ASSERT_TRUE(cancelled_soon.ok()) << cancelled_soon.status();
  EXPECT_TRUE(cancelled_soon->late_cancellation());
  ASSERT_THAT(PublishedAbout(soon, "meeting.cancelled"), SizeIs(1));
  EXPECT_TRUE(PublishedAbout(soon, "meeting.cancelled")[0].meeting_cancelled().late());
  ASSERT_TRUE(
      RescheduleAs(p.mentee, later_on, absl::FromCivil(absl::CivilMinute(2027, 3, 24, 16, 0), Zone(kLondon))).ok());
  ASSERT_THAT(PublishedAbout(later_on, "meeting.rescheduled"), SizeIs(1));
  EXPECT_FALSE(PublishedAbout(later_on, "meeting.rescheduled")[0].meeting_rescheduled().late());
}

TEST_F(SchedulingFlowTest, PauseAndClosureCancelWhatIsAheadForGoodWhateverTheDuplicatesAndTheOrder) {
  const Pair p = NewPair("close");
  const EventEnvelope made = DeliverMatching(MatchMade(p, Terms("FREQ=WEEKLY")));
  const std::vector<v1::Meeting> planned = Scheduled(p);
  const std::string first_series = StoredRelationship(p.id).current_series_id;
  ASSERT_FALSE(planned.empty());
  clock_.Advance(absl::Hours(24 * 2));  // the first meeting is behind

  // Paused: everything ahead cancelled by the system, not late; the series ends.
  const EventEnvelope paused = DeliverMatching(Paused(p, 2));
  for (const v1::Meeting& m : planned) {
    const v1::Meeting now = StoredMeeting(m.meeting_id());
    if (StartOf(m) < clock_.Now()) {
      EXPECT_EQ(now.state(), v1::MEETING_STATE_SCHEDULED);
      continue;
    }
    EXPECT_EQ(now.state(), v1::MEETING_STATE_CANCELLED) << m.occurrence();
    EXPECT_EQ(now.cancel_reason(), v1::CHANGE_REASON_RELATIONSHIP_PAUSED);
    EXPECT_EQ(now.cancelled_by(), "");
    ASSERT_THAT(PublishedAbout(m.meeting_id(), "meeting.cancelled"), SizeIs(1));
    EXPECT_FALSE(PublishedAbout(m.meeting_id(), "meeting.cancelled")[0].meeting_cancelled().late());
  }
  EXPECT_EQ(StoredSeries(first_series).state(), v1::SERIES_STATE_ENDED);

  // Resumed: a new series, new meetings; the cancelled ones stay cancelled.
  const EventEnvelope resumed = DeliverMatching(Resumed(p, Terms("FREQ=WEEKLY"), 3));
  const std::string second_series = StoredRelationship(p.id).current_series_id;
  ASSERT_NE(second_series, first_series);
  const std::vector<v1::Meeting> replanned = Scheduled(p);
  ASSERT_GT(replanned.size(), 1u);
  for (const v1::Meeting& m : planned) {
    if (StartOf(m) >= clock_.Now()) {
      EXPECT_FALSE(IdsOf(replanned).contains(m.meeting_id()));
    }
  }

  // Closed: what is ahead is cancelled for good.
  clock_.Advance(absl::Hours(24));
  const EventEnvelope closed = DeliverMatching(Closed(p, 4));
  EXPECT_EQ(StoredRelationship(p.id).state, RelationshipState::kClosed);
  for (const v1::Meeting& m : Scheduled(p)) EXPECT_LT(StartOf(m), clock_.Now()) << m.occurrence();
  EXPECT_EQ(StoredSeries(second_series).state(), v1::SERIES_STATE_ENDED);
  const std::vector<v1::Meeting> settled = MeetingsOf(p.id);
  const size_t published = OutboxSize();
  const std::string series_count = Count("SELECT count(*) FROM meeting_series");

  // Every earlier event again, as the same event and as copies with new ids, in any order:
  // nothing comes back.
  auto copy = [](EventEnvelope e) {
    e.set_event_id(NewUuidV7());
    return e;
  };
  for (const EventEnvelope& e :
       {made, copy(made), resumed, copy(resumed), paused, copy(paused), closed,
        copy(Amended(p, Terms("FREQ=WEEKLY", 48, 2), 3)), copy(Resumed(p, Terms("FREQ=WEEKLY", 48, 2), 4))}) {
    DeliverMatching(e);
  }
  EXPECT_EQ(Count("SELECT count(*) FROM parked_events"), "0");
  EXPECT_EQ(OutboxSize(), published);
  EXPECT_EQ(Count("SELECT count(*) FROM meeting_series"), series_count);
  const std::vector<v1::Meeting> still = MeetingsOf(p.id);
  ASSERT_EQ(still.size(), settled.size());
  for (size_t i = 0; i < still.size(); ++i) {
    EXPECT_EQ(still[i].meeting_id(), settled[i].meeting_id());
    EXPECT_EQ(still[i].state(), settled[i].state());
    EXPECT_EQ(still[i].version(), settled[i].version());
  }
  EXPECT_EQ(StoredRelationship(p.id).state, RelationshipState::kClosed);
  EXPECT_EQ(StoredRelationship(p.id).matching_sequence, 4);
  // The window extender has nothing to plan for it either.
  clock_.Advance(absl::Hours(24 * 30));
  ASSERT_TRUE(series_.ExtendWindows().ok());
  for (const v1::Meeting& m : Scheduled(p)) EXPECT_LT(StartOf(m), clock_.Now() - absl::Hours(24 * 30));
}

TEST_F(SchedulingFlowTest, AlumniHaveNoCadenceButBookAdHocMeetingsAndAPausedPairCannot) {
  const Pair p = Matched("alumni", Terms("FREQ=WEEKLY"));
  const Pair paused = Matched("paused", Terms("FREQ=WEEKLY"));
  clock_.Advance(absl::Hours(2));  // the first meetings are behind
  DeliverMatching(Closed(p, 2));
  DeliverMatching(MovedToAlumni(p, 3));
  DeliverMatching(Paused(paused, 2));
  EXPECT_THAT(Scheduled(p), SizeIs(1));  // the one behind, left to the sweeper
  v1::BookMeetingRequest book;
  book.set_relationship_id(p.id);
  SetTimestamp(book.mutable_starts_at(), absl::FromCivil(absl::CivilMinute(2027, 3, 10, 13, 0), Zone(kLondon)));
  book.set_duration_minutes(30);
  auto booked = meetings_.BookMeeting(Call(As(p.mentor)), book);
  ASSERT_TRUE(booked.ok()) << booked.status();
  EXPECT_EQ(booked->duration_minutes(), 30);
  EXPECT_EQ(booked->organiser_id(), p.mentee);
  const v1::MeetingSeries adhoc = StoredSeries(booked->series_id());
  EXPECT_EQ(adhoc.kind(), v1::SERIES_KIND_AD_HOC);
  EXPECT_EQ(StoredRelationship(p.id).adhoc_series_id, adhoc.series_id());
  EXPECT_THAT(PublishedAbout(booked->meeting_id(), "meeting.scheduled"), SizeIs(1));
  // Outside either person's windows: refused, nothing invented.
  SetTimestamp(book.mutable_starts_at(), absl::FromCivil(absl::CivilMinute(2027, 3, 13, 13, 0), Zone(kLondon)));
  EXPECT_EQ(meetings_.BookMeeting(Call(As(p.mentee)), book).status().code(), absl::StatusCode::kInvalidArgument);
  // No cadence comes back with the window.
  clock_.Advance(absl::Hours(24 * 30));
  ASSERT_TRUE(series_.ExtendWindows().ok());
  EXPECT_THAT(MeetingsOf(p.id, v1::MEETING_STATE_SCHEDULED), SizeIs(2));
  book.set_relationship_id(paused.id);
  SetTimestamp(book.mutable_starts_at(), absl::FromCivil(absl::CivilMinute(2027, 4, 14, 13, 0), Zone(kLondon)));
  EXPECT_EQ(meetings_.BookMeeting(Call(As(paused.mentee)), book).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(SchedulingFlowTest, AnAmendmentReplacesTheCadenceButKeepsWhatThePairBooked) {
  const Pair p = Matched("booked", Terms("FREQ=WEEKLY"));
  v1::BookMeetingRequest book;
  book.set_relationship_id(p.id);
  SetTimestamp(book.mutable_starts_at(), absl::FromCivil(absl::CivilMinute(2027, 3, 10, 13, 0), Zone(kLondon)));
  auto booked = meetings_.BookMeeting(Call(As(p.mentee)), book);
  ASSERT_TRUE(booked.ok()) << booked.status();
  const std::string cadence_series = StoredRelationship(p.id).current_series_id;

  DeliverMatching(Amended(p, Terms("FREQ=WEEKLY;INTERVAL=2", 48, 2), 2));
  EXPECT_EQ(StoredMeeting(booked->meeting_id()).state(), v1::MEETING_STATE_SCHEDULED);
  EXPECT_THAT(PublishedAbout(booked->meeting_id(), "meeting.cancelled"), IsEmpty());
  for (const v1::Meeting& m : MeetingsOf(p.id)) {
    if (m.series_id() == cadence_series) {
      EXPECT_EQ(m.state(), v1::MEETING_STATE_CANCELLED);
    }
  }
  // Stopping to meet is another matter: a pause cancels it too.
  DeliverMatching(Paused(p, 3));
  EXPECT_EQ(StoredMeeting(booked->meeting_id()).state(), v1::MEETING_STATE_CANCELLED);
  EXPECT_EQ(StoredMeeting(booked->meeting_id()).cancel_reason(), v1::CHANGE_REASON_RELATIONSHIP_PAUSED);
  EXPECT_THAT(Scheduled(p), IsEmpty());
}

TEST_F(SchedulingFlowTest, TheSameMatchMadeTwiceIsAppliedOnce) {
  const Pair p = NewPair("twice");
  const EventEnvelope made = DeliverMatching(MatchMade(p, Terms("FREQ=MONTHLY")));
  const auto meetings = MeetingsOf(p.id);
  const size_t published = OutboxSize();
  DeliverMatching(made);
  EXPECT_EQ(Count(absl::StrCat("SELECT count(*) FROM consumed_events WHERE event_id = '", made.event_id(), "'")), "1");
  EXPECT_EQ(MeetingsOf(p.id).size(), meetings.size());
  EXPECT_EQ(OutboxSize(), published);
  EXPECT_EQ(Count(absl::StrCat("SELECT count(*) FROM meeting_series WHERE relationship_id = '", p.id, "'")), "1");
}

TEST_F(SchedulingFlowTest, EventsAheadOfTheirMatchMadeAreParkedOrRecordedAsDocumented) {
  // An amendment before its match.made is parked, then applied right after it.
  const Pair amended = NewPair("early");
  DeliverMatching(Amended(amended, Terms("FREQ=MONTHLY", 24, 2), 2));
  EXPECT_EQ(Count("SELECT count(*) FROM parked_events WHERE consumer = 'scheduling'"), "1");
  EXPECT_EQ(Count("SELECT count(*) FROM meetings"), "0");
  DeliverMatching(MatchMade(amended, Terms("FREQ=WEEKLY", 48, 1)));
  EXPECT_EQ(Count("SELECT count(*) FROM parked_events"), "0");
  const RelationshipRecord r = StoredRelationship(amended.id);
  EXPECT_EQ(r.matching_sequence, 2);
  EXPECT_EQ(r.terms.agreement_version(), 2);
  const v1::MeetingSeries current = StoredSeries(r.current_series_id);
  EXPECT_EQ(current.agreement_version(), 2);
  EXPECT_EQ(current.cadence_rrule(), "FREQ=MONTHLY");
  // The first agreement's meetings were planned and then cancelled by the amendment.
  for (const v1::Meeting& m : MeetingsOf(amended.id)) {
    if (m.series_id() == current.series_id()) {
      EXPECT_EQ(m.state(), v1::MEETING_STATE_SCHEDULED);
    } else {
      EXPECT_EQ(m.state(), v1::MEETING_STATE_CANCELLED);
      EXPECT_EQ(m.cancel_reason(), v1::CHANGE_REASON_AGREEMENT_CHANGED);
    }
  }
  EXPECT_THAT(Scheduled(amended), SizeIs(3));  // monthly for 90 days

  // A closure before its match.made is recorded; the match.made, older, plans nothing.
  const Pair closed = NewPair("closed");
  DeliverMatching(Closed(closed, 3));
  EXPECT_EQ(Count("SELECT count(*) FROM parked_events"), "0");
  DeliverMatching(MatchMade(closed, Terms("FREQ=WEEKLY")));
  EXPECT_THAT(MeetingsOf(closed.id), IsEmpty());
  EXPECT_EQ(StoredRelationship(closed.id).state, RelationshipState::kClosed);
  EXPECT_EQ(Count(absl::StrCat("SELECT count(*) FROM meeting_series WHERE relationship_id = '", closed.id, "'")), "0");

  // Paused seen first, then its older match.made, then the resume: the match.made plans
  // nothing (the pause is newer) but tells who the people are, so the resume plans.
  const Pair resumed = NewPair("resumed");
  DeliverMatching(Paused(resumed, 2));
  DeliverMatching(MatchMade(resumed, Terms("FREQ=WEEKLY")));
  EXPECT_THAT(MeetingsOf(resumed.id), IsEmpty());
  EXPECT_EQ(StoredRelationship(resumed.id).state, RelationshipState::kPaused);
  DeliverMatching(Resumed(resumed, Terms("FREQ=MONTHLY", 48, 2), 3));
  EXPECT_EQ(Count("SELECT count(*) FROM parked_events"), "0");
  EXPECT_THAT(Scheduled(resumed), SizeIs(3));
  EXPECT_EQ(StoredSeries(StoredRelationship(resumed.id).current_series_id).cadence_rrule(), "FREQ=MONTHLY");
  // Paused, then an amendment (parked: who are the people?), then the match.made: the
  // amendment is applied after it and kept for the resume.
  const Pair kept = NewPair("kept");
  DeliverMatching(Paused(kept, 2));
  DeliverMatching(Amended(kept, Terms("FREQ=MONTHLY", 48, 2), 3));
  EXPECT_EQ(Count("SELECT count(*) FROM parked_events"), "1");
  DeliverMatching(MatchMade(kept, Terms("FREQ=WEEKLY")));
  EXPECT_EQ(Count("SELECT count(*) FROM parked_events"), "0");
  EXPECT_EQ(StoredRelationship(kept.id).terms.agreement_version(), 2);
  EXPECT_EQ(StoredRelationship(kept.id).matching_sequence, 3);
  EXPECT_THAT(MeetingsOf(kept.id), IsEmpty());

  // A match.made before profiles told the read model about the mentor waits for them: it
  // is parked and applied after the next event this consumer applies once they are known.
  const Pair unknown{NewUuidV7(), Person("known-mentee", kLondon, Weekdays(9, 17)), "mentor-not-yet-known"};
  DeliverMatching(MatchMade(unknown, Terms("FREQ=WEEKLY")));
  EXPECT_EQ(Count("SELECT count(*) FROM parked_events WHERE consumer = 'scheduling'"), "1");
  EXPECT_THAT(MeetingsOf(unknown.id), IsEmpty());
  profiles::v1::Person mentor;
  mentor.set_person_id(unknown.mentor);
  mentor.set_time_zone(kBerlin);
  for (auto& w : Weekdays(10, 18)) *mentor.mutable_mentoring_profile()->add_availability() = w;
  mentor.set_version(1);
  source_.people[unknown.mentor] = mentor;
  EventEnvelope created = events::NewEvent("profiles", "person", unknown.mentor, 1, clock_);
  created.mutable_profile_created()->set_person_id(unknown.mentor);
  DeliverPeople(created);
  Matched("next", Terms("FREQ=MONTHLY"));  // any event of matching's
  EXPECT_EQ(Count("SELECT count(*) FROM parked_events"), "0");
  EXPECT_FALSE(Scheduled(unknown).empty());
}

TEST_F(SchedulingFlowTest, ANewZoneOrNewWindowsReplanBeyondTheNoticeAndFlagWhatIsNearer) {
  const Pair p = Matched("moves", Terms("FREQ=WEEKLY", /*notice_hours=*/48));
  const std::vector<v1::Meeting> before = Scheduled(p);
  // Saturday noon: Monday's meeting is inside the 48-hour notice, the later ones are not.
  clock_.Set(absl::FromCivil(absl::CivilSecond(2027, 3, 6, 12, 0, 0), absl::UTCTimeZone()));
  const absl::Time notice = clock_.Now() + absl::Hours(48);
  ASSERT_LT(StartOf(before[1]), notice);
  ASSERT_GT(StartOf(before[2]), notice);

  // The mentee moves to New York (09:00–17:00 there): London 09:00 is 04:00 for them.
  const size_t rescheduled_before = Published("meeting.rescheduled").size();
  MovePerson(p.mentee, "America/New_York", Weekdays(9, 17));
  const auto check = [&](const std::string& stage, size_t expected_moves) {
    SCOPED_TRACE(stage);
    const WeeklyAvailability mentee = AvailabilityOf(p.mentee), mentor = AvailabilityOf(p.mentor);
    size_t moved = 0;
    for (const v1::Meeting& original : before) {
      const v1::Meeting m = StoredMeeting(original.meeting_id());
      SCOPED_TRACE(m.occurrence());
      EXPECT_EQ(m.state(), v1::MEETING_STATE_SCHEDULED);
      if (StartOf(original) < clock_.Now()) {
        EXPECT_EQ(m.version(), original.version());  // the past is left alone
      } else if (StartOf(original) <= notice) {
        EXPECT_EQ(StartOf(m), StartOf(original));  // too near to move: it stays, flagged
        EXPECT_TRUE(m.needs_attention());
        EXPECT_EQ(m.attention_reason(), v1::CHANGE_REASON_AVAILABILITY_CHANGED);
      } else {
        ++moved;
        EXPECT_TRUE(mentee.Fits(StartOf(m), 60)) << LocalTime(StartOf(m), "America/New_York");
        EXPECT_TRUE(mentor.Fits(StartOf(m), 60)) << LocalTime(StartOf(m), kBerlin);
        EXPECT_GT(StartOf(m), notice);
        EXPECT_FALSE(m.needs_attention());
        EXPECT_EQ(m.organiser_time_zone(), "America/New_York");
        EXPECT_EQ(m.reschedules(m.reschedules_size() - 1).reason(), v1::CHANGE_REASON_AVAILABILITY_CHANGED);
      }
    }
    EXPECT_EQ(moved, expected_moves);
  };
  check("new zone", before.size() - 2);
  const auto moves = Published("meeting.rescheduled");
  EXPECT_EQ(moves.size(), rescheduled_before + before.size() - 2);
  for (const auto& e : moves) {
    EXPECT_FALSE(e.meeting_rescheduled().late());
    EXPECT_EQ(e.meeting_rescheduled().requested_by(), "");
  }
  EXPECT_EQ(StoredSeries(before[0].series_id()).time_zone(), "America/New_York");

  // Then the mentor's afternoons only (16:00–20:00 Berlin): New York's 09:00 is 15:00 there.
  MovePerson(p.mentor, kBerlin, Weekdays(16, 20));
  check("new windows", before.size() - 2);
  const WeeklyAvailability mentor = AvailabilityOf(p.mentor);
  for (const v1::Meeting& m : Scheduled(p)) {
    if (StartOf(m) > notice) {
      EXPECT_TRUE(mentor.Fits(StartOf(m), 60)) << LocalTime(StartOf(m), kBerlin);
    }
  }
  // The window extender plans later meetings with the new facts.
  clock_.Advance(absl::Hours(24 * 14));
  ASSERT_TRUE(series_.ExtendWindows().ok());
  const WeeklyAvailability mentee = AvailabilityOf(p.mentee);
  for (const v1::Meeting& m : Scheduled(p)) {
    if (IdsOf(before).contains(m.meeting_id())) continue;
    EXPECT_TRUE(mentee.Fits(StartOf(m), 60) && mentor.Fits(StartOf(m), 60)) << LocalTime(StartOf(m), kBerlin);
  }
}

TEST_F(SchedulingFlowTest, AMoveThatKeepsAMeetingsTimeStillShowsTheNewZoneAndClearsItsFlag) {
  const Pair p = Matched("back", Terms("FREQ=WEEKLY", /*notice_hours=*/48));
  const std::vector<v1::Meeting> before = Scheduled(p);
  clock_.Set(absl::FromCivil(absl::CivilSecond(2027, 3, 6, 12, 0, 0), absl::UTCTimeZone()));
  const v1::Meeting& near = before[1];
  ASSERT_LT(StartOf(near), clock_.Now() + absl::Hours(48));
  MovePerson(p.mentee, "America/New_York", Weekdays(9, 17));
  ASSERT_TRUE(StoredMeeting(near.meeting_id()).needs_attention());

  // Back in London: the near meeting fits again where it is. It stays, shown in London
  // time, no longer flagged; the far ones return to 09:00 London.
  MovePerson(p.mentee, kLondon, Weekdays(9, 17));
  const v1::Meeting back = StoredMeeting(near.meeting_id());
  EXPECT_EQ(StartOf(back), StartOf(near));
  EXPECT_FALSE(back.needs_attention());
  EXPECT_EQ(back.organiser_time_zone(), kLondon);
  for (size_t i = 2; i < before.size(); ++i) {
    const v1::Meeting m = StoredMeeting(before[i].meeting_id());
    EXPECT_EQ(StartOf(m), StartOf(before[i])) << m.occurrence();
    EXPECT_EQ(m.organiser_time_zone(), kLondon);
    EXPECT_FALSE(m.needs_attention());
  }

  // Dublin keeps London's clock: every meeting keeps its time, and shows the new zone.
  const size_t moves = Published("meeting.rescheduled").size();
  MovePerson(p.mentee, "Europe/Dublin", Weekdays(9, 17));
  EXPECT_EQ(Published("meeting.rescheduled").size(), moves);
  for (size_t i = 1; i < before.size(); ++i) {
    const v1::Meeting m = StoredMeeting(before[i].meeting_id());
    EXPECT_EQ(StartOf(m), StartOf(before[i])) << m.occurrence();
    EXPECT_EQ(m.organiser_time_zone(), "Europe/Dublin") << m.occurrence();
  }
  EXPECT_EQ(StoredSeries(before[0].series_id()).time_zone(), "Europe/Dublin");
}

TEST_F(SchedulingFlowTest, AnErasureRemovesWhatThePersonWroteAndKeepsWhatTheOtherWrote) {
  const Pair p = Matched("erase", Terms("FREQ=WEEKLY"));
  const std::vector<v1::Meeting> m = Scheduled(p);
  ASSERT_TRUE(SetAgendaAs(As(p.mentee), m[1].meeting_id(), "mentee's agenda").ok());
  ASSERT_TRUE(SetAgendaAs(As(p.mentee), m[2].meeting_id(), "mentee's second agenda").ok());
  ASSERT_TRUE(NoteAs(As(p.mentee), m[1].meeting_id(), "mentee's note").ok());
  auto mentor_note = NoteAs(As(p.mentor), m[1].meeting_id(), "mentor's note");
  ASSERT_TRUE(mentor_note.ok());
  ASSERT_TRUE(ActionItemAs(As(p.mentee), m[1].meeting_id(), "mentee's item").ok());
  auto mentor_item = ActionItemAs(As(p.mentor), m[1].meeting_id(), "mentor's item", p.mentee);
  ASSERT_TRUE(mentor_item.ok());
  auto mentee_feed = FeedOf(p.mentee), mentor_feed = FeedOf(p.mentor);
  ASSERT_TRUE(mentee_feed.ok() && mentor_feed.ok());
  ASSERT_TRUE(Ics(mentee_feed->token()).ok());

  const profiles::v1::Person kept = source_.people.at(p.mentee);
  ErasePerson(p.mentee);

  EXPECT_EQ(Count(absl::StrCat("SELECT count(*) FROM agendas WHERE author_id = '", p.mentee, "'")), "0");
  EXPECT_EQ(Count(absl::StrCat("SELECT count(*) FROM notes WHERE author_id = '", p.mentee, "'")), "0");
  EXPECT_EQ(Count(absl::StrCat("SELECT count(*) FROM action_items WHERE author_id = '", p.mentee, "'")), "0");
  auto seen = GetMeetingAs(As(p.mentor), m[1].meeting_id());
  ASSERT_TRUE(seen.ok()) << seen.status();
  EXPECT_FALSE(seen->has_agenda());
  EXPECT_EQ(seen->agenda(), "");
  EXPECT_EQ(seen->notes(), 1);
  v1::ListNotesRequest notes_request;
  notes_request.set_meeting_id(m[1].meeting_id());
  auto notes = content_.ListNotes(Call(As(p.mentor)), notes_request);
  ASSERT_TRUE(notes.ok()) << notes.status();
  ASSERT_THAT(notes->notes(), SizeIs(1));
  EXPECT_EQ(notes->notes(0).note_id(), mentor_note->note_id());
  EXPECT_EQ(notes->notes(0).text(), "mentor's note");
  v1::ListActionItemsRequest items_request;
  items_request.set_relationship_id(p.id);
  auto items = content_.ListActionItems(Call(As(p.mentor)), items_request);
  ASSERT_TRUE(items.ok()) << items.status();
  ASSERT_THAT(items->items(), SizeIs(1));
  EXPECT_EQ(items->items(0).item_id(), mentor_item->item_id());
  // The calendar token is gone; the mentor's still works.
  EXPECT_EQ(Ics(mentee_feed->token()).status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(Ics(mentor_feed->token()).ok());
  EXPECT_EQ(Count(absl::StrCat("SELECT count(*) FROM calendar_feeds WHERE person_id = '", p.mentee, "'")), "0");
  // Nothing of the person stays in the read model: a tombstone that only says "erased", so
  // that a late profile event cannot bring them back.
  EXPECT_EQ(Count(absl::StrCat("SELECT count(*) FROM people WHERE person_id = '", p.mentee,
                               "' AND (time_zone IS NOT NULL OR availability IS NOT NULL OR NOT erased)")),
            "0");
  profiles::v1::Person late = kept;
  late.set_version(9);
  source_.people[p.mentee] = late;
  EventEnvelope updated = events::NewEvent("profiles", "person", p.mentee, 9, clock_);
  updated.mutable_profile_updated()->set_person_id(p.mentee);
  DeliverPeople(updated);
  EXPECT_EQ(Count(absl::StrCat("SELECT count(*) FROM people WHERE person_id = '", p.mentee,
                               "' AND time_zone IS NULL AND erased")),
            "1");
  // No reminder about an agenda its author took away.
  clock_.Advance(absl::Hours(24 * 15));
  ASSERT_TRUE(sweeper_.SweepOnce().ok());
  EXPECT_THAT(PublishedAbout(m[1].meeting_id(), "meeting.agenda_missing"), IsEmpty());
  EXPECT_THAT(PublishedAbout(m[2].meeting_id(), "meeting.agenda_missing"), IsEmpty());
}

TEST_F(SchedulingFlowTest, PairOnlyContentIsRefusedToAnyoneOutsideThePairAndOpenItemsCarryOn) {
  const Pair p = Matched("pair", Terms("FREQ=WEEKLY"));
  const std::vector<v1::Meeting> m = Scheduled(p);
  const std::string outsider = Person("outsider", kLondon, Weekdays(9, 17));
  ASSERT_TRUE(SetAgendaAs(As(p.mentee), m[1].meeting_id(), "what I want to ask").ok());
  auto item = ActionItemAs(As(p.mentor), m[0].meeting_id(), "read the design doc", p.mentee);
  ASSERT_TRUE(item.ok()) << item.status();
  auto done_item = ActionItemAs(As(p.mentee), m[0].meeting_id(), "book the course");
  ASSERT_TRUE(done_item.ok());

  for (const Caller& caller : {As(outsider), Admin()}) {
    SCOPED_TRACE(caller.id);
    const CallContext call = Call(caller);
    EXPECT_EQ(SetAgendaAs(caller, m[1].meeting_id(), "x").status().code(), absl::StatusCode::kPermissionDenied);
    EXPECT_EQ(NoteAs(caller, m[1].meeting_id(), "x").status().code(), absl::StatusCode::kPermissionDenied);
    EXPECT_EQ(ActionItemAs(caller, m[1].meeting_id(), "x").status().code(), absl::StatusCode::kPermissionDenied);
    v1::ListNotesRequest notes;
    notes.set_meeting_id(m[1].meeting_id());
    EXPECT_EQ(content_.ListNotes(call, notes).status().code(), absl::StatusCode::kPermissionDenied);
    v1::ListActionItemsRequest items;
    items.set_relationship_id(p.id);
    EXPECT_EQ(content_.ListActionItems(call, items).status().code(), absl::StatusCode::kPermissionDenied);
    v1::CompleteActionItemRequest complete;
    complete.set_item_id(item->item_id());
    EXPECT_EQ(content_.CompleteActionItem(call, complete).status().code(), absl::StatusCode::kPermissionDenied);
    v1::CheckInRequest check_in;
    check_in.set_meeting_id(m[0].meeting_id());
    check_in.set_held(true);
    EXPECT_EQ(meetings_.CheckIn(call, check_in).status().code(), absl::StatusCode::kPermissionDenied);
  }
  // The mentee owns the agenda.
  EXPECT_EQ(SetAgendaAs(As(p.mentor), m[1].meeting_id(), "x").status().code(), absl::StatusCode::kPermissionDenied);
  // An admin sees the meeting's times and attendance, never its text; an outsider nothing.
  EXPECT_EQ(GetMeetingAs(As(outsider), m[1].meeting_id()).status().code(), absl::StatusCode::kPermissionDenied);
  auto admin_view = GetMeetingAs(Admin(), m[1].meeting_id());
  ASSERT_TRUE(admin_view.ok()) << admin_view.status();
  EXPECT_TRUE(admin_view->has_agenda());
  EXPECT_EQ(admin_view->agenda(), "");
  EXPECT_THAT(admin_view->open_action_items(), IsEmpty());
  v1::ListMeetingsRequest list;
  list.set_relationship_id(p.id);
  auto listed = meetings_.ListMeetings(Call(As(p.mentee)), list);
  ASSERT_TRUE(listed.ok());
  for (const auto& meeting : listed->meetings()) EXPECT_EQ(meeting.agenda(), "");
  // Still nothing written by anyone else.
  EXPECT_EQ(Count("SELECT count(*) FROM notes"), "0");
  EXPECT_EQ(Count("SELECT count(*) FROM action_items"), "2");
  EXPECT_EQ(Count("SELECT text FROM agendas"), "what I want to ask");

  // What the first meeting agreed comes along to the next one, until it is done.
  v1::CompleteActionItemRequest complete;
  complete.set_item_id(done_item->item_id());
  ASSERT_TRUE(content_.CompleteActionItem(Call(As(p.mentee)), complete).ok());
  auto next = GetMeetingAs(As(p.mentee), m[1].meeting_id());
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_EQ(next->agenda(), "what I want to ask");
  ASSERT_THAT(next->open_action_items(), SizeIs(1));
  EXPECT_EQ(next->open_action_items(0).item_id(), item->item_id());
  EXPECT_EQ(next->open_action_items(0).text(), "read the design doc");
  EXPECT_EQ(next->open_action_items(0).owner_id(), p.mentee);
  complete.set_item_id(item->item_id());
  ASSERT_TRUE(content_.CompleteActionItem(Call(As(p.mentor)), complete).ok());
  next = GetMeetingAs(As(p.mentor), m[1].meeting_id());
  ASSERT_TRUE(next.ok());
  EXPECT_THAT(next->open_action_items(), IsEmpty());
}

TEST_F(SchedulingFlowTest, EveryListPagesWithoutRepeatingOrSkippingWhileRowsComeAndGo) {
  const Pair p = Matched("pages", Terms("FREQ=WEEKLY"));
  const Pair other = {NewUuidV7(), p.mentee, Person("pages-mentor-2", kBerlin, Weekdays(10, 18))};
  DeliverMatching(MatchMade(other, Terms("FREQ=WEEKLY;INTERVAL=2")));
  const absl::Time now = clock_.Now();
  const absl::TimeZone london = Zone(kLondon);
  const auto without = [](const std::set<std::string>& all, const std::set<std::string>& gone) {
    std::set<std::string> kept;
    for (const auto& id : all) {
      if (!gone.contains(id)) kept.insert(id);
    }
    return kept;
  };

  // Scheduled meetings of a relationship, then of a person, three a page: a meeting is
  // booked and one not read yet is cancelled between pages.
  int booked = 0;
  for (bool by_person : {false, true}) {
    SCOPED_TRACE(by_person ? "ListMeetings of a person" : "ListMeetings of a relationship");
    std::set<std::string> at_start = IdsOf(Scheduled(p));
    if (by_person) {
      for (const auto& id : IdsOf(Scheduled(other))) at_start.insert(id);
    }
    std::set<std::string> gone;
    int pages = 0;
    const auto read = ReadAllPages(
        [&](const std::string& token) {
          v1::ListMeetingsRequest r;
          if (by_person) {
            r.set_person_id(p.mentee);
          } else {
            r.set_relationship_id(p.id);
          }
          SetTimestamp(r.mutable_from(), now);
          SetTimestamp(r.mutable_to(), now + absl::Hours(24 * 200));
          r.add_states(v1::MEETING_STATE_SCHEDULED);
          r.set_page_size(3);
          r.set_page_token(token);
          auto page = meetings_.ListMeetings(Call(As(p.mentee)), r);
          EXPECT_TRUE(page.ok()) << page.status();
          Page out;
          if (!page.ok()) return out;
          EXPECT_LE(page->meetings_size(), 3);
          for (const auto& meeting : page->meetings()) out.ids.push_back(meeting.meeting_id());
          out.next = page->next_page_token();
          return out;
        },
        [&](const std::vector<std::string>& read_so_far) {
          // A Wednesday afternoon meeting some weeks ahead, wherever it falls in the order.
          v1::BookMeetingRequest book;
          book.set_relationship_id(p.id);
          const absl::CivilDay wednesday = absl::CivilDay(2027, 3, 3) + 7 * ++booked;
          SetTimestamp(book.mutable_starts_at(), absl::FromCivil(absl::CivilMinute(wednesday) + 14 * 60, london));
          auto made = meetings_.BookMeeting(Call(As(p.mentee)), book);
          EXPECT_TRUE(made.ok()) << made.status();
          std::vector<std::string> order;
          for (const auto& m : Scheduled(p)) order.push_back(m.meeting_id());
          const std::string victim = LastUnread(order, read_so_far, gone);
          ASSERT_FALSE(victim.empty());
          EXPECT_TRUE(CancelAs(p.mentor, victim).ok());
          gone.insert(victim);
        },
        pages);
    EXPECT_GT(pages, 3);
    ExpectNoDuplicatesAndNothingSkipped(read, without(at_start, gone));
    for (const auto& id : gone) EXPECT_THAT(read, Not(Contains(id)));
    // The order: by start time, then id.
    std::vector<std::pair<absl::Time, std::string>> keys;
    for (const auto& id : read) keys.emplace_back(StartOf(StoredMeeting(id)), id);
    EXPECT_TRUE(std::is_sorted(keys.begin(), keys.end()));
  }

  // Notes of a meeting, oldest first: one added and one not read yet removed (as an erasure
  // of its author would) between pages.
  const std::string meeting_id = Scheduled(p).front().meeting_id();
  {
    SCOPED_TRACE("ListNotes");
    std::set<std::string> at_start;
    std::vector<std::string> order;
    for (int i = 0; i < 11; ++i) {
      clock_.Advance(absl::Milliseconds(1));
      auto note = NoteAs(As(i % 2 == 0 ? p.mentee : p.mentor), meeting_id, absl::StrCat("note ", i));
      ASSERT_TRUE(note.ok());
      at_start.insert(note->note_id());
      order.push_back(note->note_id());
    }
    std::set<std::string> gone;
    int pages = 0;
    const auto read = ReadAllPages(
        [&](const std::string& token) {
          v1::ListNotesRequest r;
          r.set_meeting_id(meeting_id);
          r.set_page_size(3);
          r.set_page_token(token);
          auto page = content_.ListNotes(Call(As(p.mentor)), r);
          EXPECT_TRUE(page.ok()) << page.status();
          Page out;
          if (!page.ok()) return out;
          for (const auto& note : page->notes()) out.ids.push_back(note.note_id());
          out.next = page->next_page_token();
          return out;
        },
        [&](const std::vector<std::string>& read_so_far) {
          clock_.Advance(absl::Milliseconds(1));
          auto added = NoteAs(As(p.mentee), meeting_id, "a later note");
          ASSERT_TRUE(added.ok());
          order.push_back(added->note_id());
          const std::string victim = LastUnread(order, read_so_far, gone);
          ASSERT_FALSE(victim.empty());
          testing::Query(db_.url(), absl::StrCat("DELETE FROM notes WHERE note_id = '", victim, "' RETURNING note_id"));
          gone.insert(victim);
        },
        pages);
    EXPECT_GT(pages, 3);
    ExpectNoDuplicatesAndNothingSkipped(read, without(at_start, gone));
    for (const auto& id : gone) EXPECT_THAT(read, Not(Contains(id)));
    EXPECT_TRUE(std::is_sorted(read.begin(), read.end()));
  }

  // Open action items of the relationship: one added and one not read yet done between pages.
  {
    SCOPED_TRACE("ListActionItems");
    std::set<std::string> at_start;
    std::vector<std::string> order;
    for (int i = 0; i < 11; ++i) {
      clock_.Advance(absl::Milliseconds(1));
      auto item = ActionItemAs(As(p.mentor), meeting_id, absl::StrCat("item ", i), p.mentee);
      ASSERT_TRUE(item.ok());
      at_start.insert(item->item_id());
      order.push_back(item->item_id());
    }
    std::set<std::string> gone;
    int pages = 0;
    const auto read = ReadAllPages(
        [&](const std::string& token) {
          v1::ListActionItemsRequest r;
          r.set_relationship_id(p.id);
          r.set_open_only(true);
          r.set_page_size(3);
          r.set_page_token(token);
          auto page = content_.ListActionItems(Call(As(p.mentee)), r);
          EXPECT_TRUE(page.ok()) << page.status();
          Page out;
          if (!page.ok()) return out;
          for (const auto& item : page->items()) {
            out.ids.push_back(item.item_id());
            EXPECT_FALSE(item.done());
          }
          out.next = page->next_page_token();
          return out;
        },
        [&](const std::vector<std::string>& read_so_far) {
          clock_.Advance(absl::Milliseconds(1));
          auto added = ActionItemAs(As(p.mentee), meeting_id, "a later item");
          ASSERT_TRUE(added.ok());
          order.push_back(added->item_id());
          const std::string victim = LastUnread(order, read_so_far, gone);
          ASSERT_FALSE(victim.empty());
          v1::CompleteActionItemRequest complete;
          complete.set_item_id(victim);
          EXPECT_TRUE(content_.CompleteActionItem(Call(As(p.mentee)), complete).ok());
          gone.insert(victim);
        },
        pages);
    EXPECT_GT(pages, 3);
    ExpectNoDuplicatesAndNothingSkipped(read, without(at_start, gone));
    for (const auto& id : gone) EXPECT_THAT(read, Not(Contains(id)));
    EXPECT_TRUE(std::is_sorted(read.begin(), read.end()));
  }

  // A relationship's series, newest first, two a page: each amendment adds one between
  // pages (series are never deleted, so none can go).
  {
    SCOPED_TRACE("ListSeries");
    int64_t sequence = 2;
    const auto amend = [&] {
      clock_.Advance(absl::Minutes(1));
      DeliverMatching(Amended(p, Terms("FREQ=WEEKLY", 48, static_cast<int>(sequence)), sequence));
      ++sequence;
    };
    for (int i = 0; i < 8; ++i) amend();
    std::set<std::string> at_start;
    for (const auto& id : testing::Query(
             db_.url(), absl::StrCat("SELECT series_id FROM meeting_series WHERE relationship_id = '", p.id, "'"))) {
      at_start.insert(id);
    }
    ASSERT_THAT(at_start, SizeIs(10));  // the first, eight amendments', and the ad-hoc one
    std::vector<std::pair<absl::Time, std::string>> keys;
    int pages = 0;
    const auto read = ReadAllPages(
        [&](const std::string& token) {
          v1::ListSeriesRequest r;
          r.set_relationship_id(p.id);
          r.set_page_size(2);
          r.set_page_token(token);
          auto page = meetings_.ListSeries(Call(As(p.mentor)), r);
          EXPECT_TRUE(page.ok()) << page.status();
          Page out;
          if (!page.ok()) return out;
          for (const auto& series : page->series()) {
            out.ids.push_back(series.series_id());
            keys.emplace_back(FromTimestamp(series.created_at()), series.series_id());
          }
          out.next = page->next_page_token();
          return out;
        },
        [&](const std::vector<std::string>&) { amend(); }, pages);
    EXPECT_GT(pages, 3);
    ExpectNoDuplicatesAndNothingSkipped(read, at_start);
    EXPECT_TRUE(std::is_sorted(keys.rbegin(), keys.rend()));  // newest first, then id descending
  }
}

TEST_F(SchedulingFlowTest, WithoutACommonSlotTheSeriesSaysWhyAndNothingIsInvented) {
  const Pair p{NewUuidV7(), Person("apart-mentee", kLondon, Weekdays(9, 12)),
               Person("apart-mentor", "Asia/Tokyo", Weekdays(9, 12))};
  DeliverMatching(MatchMade(p, Terms("FREQ=MONTHLY")));
  EXPECT_THAT(MeetingsOf(p.id), IsEmpty());
  EXPECT_THAT(Published("meeting.scheduled"), IsEmpty());
  const std::string series_id = StoredRelationship(p.id).current_series_id;
  for (const Caller& caller : {As(p.mentee), As(p.mentor), Admin()}) {
    SCOPED_TRACE(caller.id);
    v1::GetSeriesRequest get;
    get.set_series_id(series_id);
    auto series = meetings_.GetSeries(Call(caller), get);
    ASSERT_TRUE(series.ok()) << series.status();
    ASSERT_THAT(series->issues(), SizeIs(1));
    EXPECT_EQ(series->issues(0).kind(), v1::PLANNING_ISSUE_KIND_NO_COMMON_SLOT);
    EXPECT_FALSE(series->has_local_start_minute());
    v1::GetScheduleSummaryRequest summary;
    summary.set_relationship_id(p.id);
    auto counts = meetings_.GetScheduleSummary(Call(caller), summary);
    ASSERT_TRUE(counts.ok()) << counts.status();
    ASSERT_THAT(counts->issues(), SizeIs(1));
    EXPECT_EQ(counts->issues(0).kind(), v1::PLANNING_ISSUE_KIND_NO_COMMON_SLOT);
    EXPECT_EQ(counts->scheduled(), 0);
  }
  // The window extender invents nothing either.
  clock_.Advance(absl::Hours(24 * 7));
  ASSERT_TRUE(series_.ExtendWindows().ok());
  EXPECT_THAT(MeetingsOf(p.id), IsEmpty());
}

TEST_F(SchedulingFlowTest, AFeedTokenIsTheOwnersToRotateAndRevokeAndItsVersionIsTheETag) {
  const Pair p = Matched("feed", Terms("FREQ=WEEKLY"));
  v1::CreateCalendarFeedRequest create;
  create.set_person_id(p.mentee);
  EXPECT_EQ(feeds_.CreateCalendarFeed(Call(As(p.mentor)), create).status().code(), absl::StatusCode::kPermissionDenied);
  auto first = FeedOf(p.mentee);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->path(), "/v1/calendar-feeds/" + first->token());
  auto rotated = FeedOf(p.mentee);
  ASSERT_TRUE(rotated.ok());
  EXPECT_NE(rotated->token(), first->token());
  EXPECT_EQ(Ics(first->token()).status().code(), absl::StatusCode::kNotFound);
  ASSERT_TRUE(Ics(rotated->token()).ok());
  // A token with the right id and a wrong secret is as unknown as any other.
  const std::string forged = rotated->token().substr(0, rotated->token().find('.') + 1) + "AAAA";
  EXPECT_EQ(Ics(forged).status().code(), absl::StatusCode::kNotFound);

  // Unchanged: the same version, no body (the gateway's 304); a change moves it on.
  v1::GetCalendarFeedRequest get;
  get.set_token(rotated->token());
  auto content = feeds_.GetCalendarFeed(CallContext{}, get);
  ASSERT_TRUE(content.ok());
  get.set_known_version(content->version());
  auto unchanged = feeds_.GetCalendarFeed(CallContext{}, get);
  ASSERT_TRUE(unchanged.ok());
  EXPECT_EQ(unchanged->version(), content->version());
  EXPECT_EQ(unchanged->ics(), "");
  ASSERT_TRUE(CancelAs(p.mentor, Scheduled(p).back().meeting_id()).ok());
  auto changed = feeds_.GetCalendarFeed(CallContext{}, get);
  ASSERT_TRUE(changed.ok());
  EXPECT_GT(changed->version(), content->version());
  EXPECT_THAT(changed->ics(), ::testing::HasSubstr("STATUS:CANCELLED"));

  v1::RevokeCalendarFeedRequest revoke;
  revoke.set_person_id(p.mentee);
  EXPECT_EQ(feeds_.RevokeCalendarFeed(Call(As(p.mentor)), revoke).status().code(), absl::StatusCode::kPermissionDenied);
  ASSERT_TRUE(feeds_.RevokeCalendarFeed(Call(As(p.mentee)), revoke).ok());
  EXPECT_EQ(Ics(rotated->token()).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(feeds_.RevokeCalendarFeed(Call(As(p.mentee)), revoke).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(SchedulingFlowTest, ACheckInAfterTheGracePeriodIsRefusedBeforeAnySweep) {
  const Pair p = Matched("late-check-in", Terms("FREQ=WEEKLY"));
  const std::vector<v1::Meeting> meetings = Scheduled(p);
  ASSERT_FALSE(meetings.empty());
  const v1::Meeting& first = meetings[0];
  // Within the grace period after the end: taken.
  clock_.Advance(FromTimestamp(first.missed_after()) - absl::Minutes(1) - clock_.Now());
  ASSERT_TRUE(CheckInAs(p.mentor, first.meeting_id(), true).ok());
  // Past it, with no sweep yet: the next meeting's check-in is closed (it is missed, however
  // soon a sweeper comes), and the sweep then counts it once.
  const v1::Meeting& second = meetings[1];
  clock_.Advance(FromTimestamp(second.missed_after()) - clock_.Now());
  auto late = CheckInAs(p.mentee, second.meeting_id(), true);
  EXPECT_EQ(late.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(errors::DetailsOf(late.status()).reason(), "CHECK_IN_CLOSED");
  auto swept = sweeper_.SweepOnce();
  ASSERT_TRUE(swept.ok()) << swept.status();
  EXPECT_EQ(swept->missed, 1);
}

TEST_F(SchedulingFlowTest, AListRefusesAPageTokenItDidNotGive) {
  const Pair p = Matched("tokens", Terms("FREQ=WEEKLY"));
  for (const std::string token : {"not-a-token", "12x/abc", "abc/def", "/"}) {
    SCOPED_TRACE(token);
    v1::ListMeetingsRequest meetings;
    meetings.set_relationship_id(p.id);
    meetings.set_page_token(token);
    EXPECT_EQ(meetings_.ListMeetings(Call(As(p.mentee)), meetings).status().code(), absl::StatusCode::kInvalidArgument);
    meetings.clear_relationship_id();
    meetings.set_person_id(p.mentee);
    EXPECT_EQ(meetings_.ListMeetings(Call(As(p.mentee)), meetings).status().code(), absl::StatusCode::kInvalidArgument);
    v1::ListSeriesRequest series;
    series.set_relationship_id(p.id);
    series.set_page_token(token);
    EXPECT_EQ(meetings_.ListSeries(Call(As(p.mentee)), series).status().code(), absl::StatusCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace mentoring::scheduling
