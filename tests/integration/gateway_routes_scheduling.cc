// The scheduling routes through the gateway, against the real matching and scheduling
// services: a relationship agreed in matching becomes a meeting series in scheduling (by
// matching's events, nothing else), and the pair works with its meetings, agendas, notes,
// action items and calendar feed; then who may see and do what (docs/scheduling.md, "Who
// sees what").
#include <absl/time/time.h>

#include "gateway_routes.h"

namespace mentoring::testing {
namespace {

absl::Time TimeOf(const Reply& r, const std::string& path) {
  absl::Time t = absl::InfinitePast();
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, Str(r, path), &t, &error)) ADD_FAILURE() << path << ": " << error;
  return t;
}

std::string TimeJson(absl::Time t) {
  return absl::StrCat("\"", absl::FormatTime(absl::RFC3339_sec, t, absl::UTCTimeZone()), "\"");
}

absl::CivilMinute InZone(absl::Time t, const char* zone) {
  absl::TimeZone tz;
  EXPECT_TRUE(absl::LoadTimeZone(zone, &tz)) << zone;
  return absl::ToCivilMinute(t, tz);
}

}  // namespace

// A request in `programme_id`, accepted and agreed by both (matching's match.made), and the
// meeting series scheduling plans from it; returns the relationship's id.
std::string GatewayRoutesTest::AgreedRelationship(const Person& mentee, const Person& mentor,
                                                  const std::string& programme_id) {
  const Reply request =
      Post("/v1/requests", As(mentee),
           absl::StrCat(R"({"programmeId":")", programme_id, R"(","menteeId":")", mentee.id, R"(","mentorId":")",
                        mentor.id, R"(","focusAreas":["FOCUS_AREA_CAREER"],"message":"meet me?"})"));
  EXPECT_EQ(request.status, 200) << request.body;
  const Reply accepted = Post("/v1/requests/" + Str(request, "requestId") + ":accept", As(mentor), "{}");
  EXPECT_EQ(accepted.status, 200) << accepted.body;
  const std::string relationship_id = Str(accepted, "relationshipId");
  const std::string rel = "/v1/relationships/" + relationship_id;
  EXPECT_EQ(Post(rel + ":acceptAgreement", As(mentee), R"({"agreementVersion":1})").status, 200);
  const Reply active = Post(rel + ":acceptAgreement", As(mentor), R"({"agreementVersion":1})");
  EXPECT_EQ(Str(active, "state"), "RELATIONSHIP_STATE_ACTIVE") << active.body;
  // Scheduling learns of it from matching's event; a liveness bound for a loaded 2-core
  // machine, not a performance claim.
  const absl::Time give_up = absl::Now() + absl::Seconds(60);
  while (Size(Get(rel + "/meeting-series", As(mentee)), "series") == 0) {
    if (absl::Now() > give_up) {
      ADD_FAILURE() << "scheduling never planned a series for " << relationship_id;
      break;
    }
    absl::SleepFor(absl::Milliseconds(100));
  }
  return relationship_id;
}

void GatewayRoutesTest::SchedulingRoundTrips() {
  using http::verb;
  const std::string admin = Admin();
  const Person& mentee = P("sched-mentee");
  const Person& mentor = P("sched-mentor");
  WaitKnown({mentee, mentor});
  ASSERT_FALSE(HasFatalFailure());
  const Reply programme = Post("/v1/programmes", admin, ProgrammeJson("Weekly " + Unique("sched"), 3, "FREQ=WEEKLY"));
  ASSERT_EQ(programme.status, 200) << programme.body;
  const std::string relationship_id = AgreedRelationship(mentee, mentor, Str(programme, "programmeId"));
  ASSERT_FALSE(HasFailure());
  const std::string rel = "/v1/relationships/" + relationship_id;

  // ---- the series, planned in both people's zones

  Reply listed = RoundTrip(verb::get, rel + "/meeting-series", As(mentee));
  ASSERT_EQ(Size(listed, "series"), 1) << listed.body;
  const std::string series_id = Str(listed, "series[0].seriesId");
  EXPECT_EQ(Str(listed, "series[0].kind"), "SERIES_KIND_CADENCE");
  EXPECT_EQ(Str(listed, "series[0].state"), "SERIES_STATE_ACTIVE");
  EXPECT_EQ(Str(listed, "series[0].cadenceRrule"), "FREQ=WEEKLY");
  EXPECT_EQ(Str(listed, "series[0].organiserId"), mentee.id) << "the mentee organises: the agenda is theirs";
  EXPECT_EQ(Str(listed, "series[0].attendeeId"), mentor.id);
  EXPECT_EQ(Str(listed, "series[0].timeZone"), "Europe/London");
  EXPECT_FALSE(Has(listed, "series[0].issues")) << listed.body;

  Reply series = RoundTrip(verb::get, "/v1/meeting-series/" + series_id, As(mentor));
  EXPECT_EQ(Str(series, "seriesId"), series_id);
  EXPECT_EQ(Str(series, "relationshipId"), relationship_id);
  EXPECT_EQ(Int(series, "meetingMinutes"), 60);
  EXPECT_EQ(Int(series, "firstDate.year"), 2027);

  // Weekly from the programme's start (Monday 4 January 2027), each on the one weekday the
  // two share: Wednesday 09:00-12:00 in London and in Berlin overlap 09:00-11:00 London.
  Reply meetings = RoundTrip(verb::get, "/v1/meetings?relationship_id=" + relationship_id, As(mentee));
  const int planned = Size(meetings, "meetings");
  ASSERT_GE(planned, 4) << meetings.body;
  for (int i = 0; i < planned; ++i) {
    const std::string m = absl::StrCat("meetings[", i, "]");
    SCOPED_TRACE(m);
    EXPECT_EQ(Int(meetings, m + ".occurrence"), i + 1);
    EXPECT_EQ(Str(meetings, m + ".state"), "MEETING_STATE_SCHEDULED");
    EXPECT_EQ(Int(meetings, m + ".durationMinutes"), 60);
    const absl::CivilMinute london = InZone(TimeOf(meetings, m + ".startsAt"), "Europe/London");
    EXPECT_EQ(absl::GetWeekday(london), absl::Weekday::wednesday);
    EXPECT_GE(london.hour(), 9);
    EXPECT_LE(london.hour() * 60 + london.minute() + 60, 11 * 60) << london;
  }
  const std::string first = Str(meetings, "meetings[0].meetingId");
  const std::string second = Str(meetings, "meetings[1].meetingId");
  const std::string third = Str(meetings, "meetings[2].meetingId");
  const absl::Time first_starts = TimeOf(meetings, "meetings[0].startsAt");

  Reply mentors_view =
      RoundTrip(verb::get, "/v1/meetings?person_id=" + mentor.id + "&page_size=" + std::to_string(planned), As(mentor));
  EXPECT_EQ(Strings(mentors_view, "meetings", "meetingId"), Strings(meetings, "meetings", "meetingId"));

  Reply meeting = RoundTrip(verb::get, "/v1/meetings/" + first, As(mentor));
  EXPECT_EQ(Str(meeting, "organiserTimeZone"), "Europe/London");
  EXPECT_EQ(Str(meeting, "attendeeTimeZone"), "Europe/Berlin");
  EXPECT_EQ(TimeOf(meeting, "agendaDueAt"), first_starts - absl::Hours(24 * 7)) << "the agenda is due a week ahead";
  EXPECT_FALSE(Bool(meeting, "hasAgenda"));

  // ---- the pair's content

  const std::string agenda = "1. the promotion case 2. feedback on my talk";
  Reply with_agenda = RoundTrip(verb::put, "/v1/meetings/" + first + "/agenda", As(mentee),
                                absl::StrCat(R"({"agenda":")", agenda, R"("})"));
  EXPECT_TRUE(Bool(with_agenda, "hasAgenda"));
  EXPECT_EQ(Str(with_agenda, "agenda"), agenda);

  Reply note =
      RoundTrip(verb::post, "/v1/meetings/" + first + "/notes", As(mentor), R"({"text":"ask about the talk"})");
  EXPECT_EQ(Str(note, "authorId"), mentor.id);
  EXPECT_EQ(Str(note, "meetingId"), first);
  Reply notes = RoundTrip(verb::get, "/v1/meetings/" + first + "/notes", As(mentee));
  EXPECT_THAT(Strings(notes, "notes", "text"), ElementsAre("ask about the talk"));

  Reply item = RoundTrip(verb::post, "/v1/meetings/" + first + "/action-items", As(mentee),
                         R"({"text":"draft the promotion case"})");
  const std::string item_id = Str(item, "itemId");
  EXPECT_EQ(Str(item, "ownerId"), mentee.id) << "the mentee's by default";
  EXPECT_FALSE(Bool(item, "done"));
  Reply items = RoundTrip(verb::get, rel + "/action-items?open_only=true", As(mentor));
  EXPECT_THAT(Strings(items, "items", "itemId"), ElementsAre(item_id));
  // Still open, it comes along to the next meeting.
  EXPECT_THAT(Strings(Get("/v1/meetings/" + second, As(mentee)), "openActionItems", "itemId"), ElementsAre(item_id));

  // ---- changes: a move, a cancellation, an extra meeting

  const absl::Time second_starts = TimeOf(meetings, "meetings[1].startsAt");
  const absl::CivilMinute second_london = InZone(second_starts, "Europe/London");
  // To the other hour the two share that day.
  const absl::Time moved_to = second_starts + absl::Hours(second_london.hour() == 9 ? 1 : -1);
  Reply moved = RoundTrip(
      verb::post, "/v1/meetings/" + second + ":reschedule", As(mentor),
      absl::StrCat(R"({"startsAt":)", TimeJson(moved_to), R"(,"reason":"CHANGE_REASON_TRAVEL","expectedVersion":")",
                   Int(meetings, "meetings[1].version"), R"("})"));
  ASSERT_EQ(Size(moved, "meetings"), 1) << moved.body;
  EXPECT_EQ(Str(moved, "meetings[0].meetingId"), second) << "the calendar UID stays";
  EXPECT_EQ(TimeOf(moved, "meetings[0].startsAt"), moved_to);
  EXPECT_EQ(Int(moved, "meetings[0].version"), Int(meetings, "meetings[1].version") + 1) << "the SEQUENCE rises";
  EXPECT_EQ(TimeOf(moved, "meetings[0].reschedules[0].previousStartsAt"), second_starts);
  EXPECT_EQ(Str(moved, "meetings[0].reschedules[0].requestedBy"), mentor.id);
  EXPECT_FALSE(Bool(moved, "meetings[0].reschedules[0].late"));

  Reply cancelled =
      RoundTrip(verb::post, "/v1/meetings/" + third + ":cancel", As(mentee), R"({"reason":"CHANGE_REASON_WORKLOAD"})");
  EXPECT_EQ(Str(cancelled, "state"), "MEETING_STATE_CANCELLED");
  EXPECT_EQ(Str(cancelled, "cancelledBy"), mentee.id);
  EXPECT_FALSE(Bool(cancelled, "lateCancellation")) << "weeks ahead, well outside the 24 h notice";

  // Half an hour after the first meeting, that same Wednesday, inside both windows.
  const absl::Time extra_at = first_starts + absl::Minutes(60);
  Reply booked = RoundTrip(verb::post, rel + "/meetings", As(mentor),
                           absl::StrCat(R"({"startsAt":)", TimeJson(extra_at), R"(,"durationMinutes":30})"));
  EXPECT_EQ(Str(booked, "state"), "MEETING_STATE_SCHEDULED");
  EXPECT_EQ(TimeOf(booked, "startsAt"), extra_at);
  EXPECT_EQ(Int(booked, "durationMinutes"), 30);
  EXPECT_NE(Str(booked, "seriesId"), series_id) << "booked meetings are an ad-hoc series of their own";
  EXPECT_EQ(Int(booked, "occurrence"), planned + 1) << "occurrence numbers continue, never reused";

  // ---- the calendar feed: a URL the mentee's calendar polls, with no token

  Reply feed = RoundTrip(verb::post, "/v1/people/" + mentee.id + "/calendar-feed", As(mentee), "{}");
  const std::string feed_path = Str(feed, "path");
  EXPECT_EQ(feed_path, "/v1/calendar-feeds/" + Str(feed, "token"));
  Reply ics = RoundTrip(verb::get, feed_path, "");
  EXPECT_TRUE(absl::StartsWith(ics.content_type, "text/calendar")) << ics.content_type;
  EXPECT_TRUE(absl::StartsWith(ics.body, "BEGIN:VCALENDAR\r\n")) << ics.body.substr(0, 200);
  EXPECT_NE(ics.body.find("UID:" + first), std::string::npos) << "the meeting id is its UID";
  EXPECT_NE(ics.body.find("STATUS:CANCELLED"), std::string::npos) << "a cancellation reaches the calendar";
  EXPECT_EQ(ics.body.find(agenda), std::string::npos) << "no agenda in a feed: calendars are shared and synced";
  ASSERT_FALSE(ics.etag.empty());
  const Reply unchanged =
      Call(Port(), verb::get, feed_path, "", "", "", "", "application/json", {{"If-None-Match", ics.etag}});
  EXPECT_EQ(unchanged.status, 304) << unchanged.body;

  // ---- the meeting happens (scheduling's clock moves to just after it starts)

  ASSERT_TRUE(AdvanceClock(stack_->scheduling(), first_starts + absl::Minutes(5) - absl::Now()).ok());
  Reply held = RoundTrip(verb::post, "/v1/meetings/" + first + ":checkIn", As(mentee), R"({"held":true})");
  EXPECT_EQ(Str(held, "state"), "MEETING_STATE_COMPLETED");
  EXPECT_EQ(Str(held, "checkIns[0].personId"), mentee.id);
  Reply done = RoundTrip(verb::post, "/v1/action-items/" + item_id + ":complete", As(mentee), "{}");
  EXPECT_TRUE(Bool(done, "done"));

  Reply summary = RoundTrip(verb::get, rel + "/schedule-summary", admin);
  EXPECT_EQ(Int(summary, "completed"), 1) << summary.body;
  EXPECT_EQ(Int(summary, "cancelled"), 1);
  EXPECT_EQ(Int(summary, "missed"), 0);
  EXPECT_EQ(Int(summary, "scheduled"), planned - 2 + 1);
  EXPECT_EQ(Int(summary, "lateCancellations"), 0);

  // Revoked, the URL is dead; the next made is a different one.
  Reply revoked = RoundTrip(verb::delete_, "/v1/people/" + mentee.id + "/calendar-feed", As(mentee));
  EXPECT_EQ(revoked.body, "{}");
  EXPECT_EQ(Get(feed_path, "").status, 404);
}

// ---------------------------------------------------------------- who sees what

TEST_F(GatewayRoutesTest, MeetingsArePairOnlyAndAdminsSeeTheirShapeWithoutTheirContent) {
  using http::verb;
  const Person& mentee = P("private-mentee");
  const Person& mentor = P("private-mentor");
  const Person& third = P("sched-third");
  WaitKnown({mentee, mentor});
  ASSERT_FALSE(HasFatalFailure());
  const std::string admin = Admin();
  const Reply programme = Post("/v1/programmes", admin, ProgrammeJson("Private " + Unique("sched"), 3, "FREQ=WEEKLY"));
  const std::string relationship_id = AgreedRelationship(mentee, mentor, Str(programme, "programmeId"));
  ASSERT_FALSE(HasFailure());
  const std::string rel = "/v1/relationships/" + relationship_id;
  Reply meetings = Get("/v1/meetings?relationship_id=" + relationship_id, As(mentee));
  ASSERT_GE(Size(meetings, "meetings"), 1) << meetings.body;
  const std::string meeting = "/v1/meetings/" + Str(meetings, "meetings[0].meetingId");
  const std::string agenda = "my manager and I disagree about my next step";
  ASSERT_EQ(
      Call(Port(), verb::put, meeting + "/agenda", absl::StrCat(R"({"agenda":")", agenda, R"("})"), As(mentee)).status,
      200);
  ASSERT_EQ(Post(meeting + "/notes", As(mentor), R"({"text":"a private note"})").status, 200);
  ASSERT_EQ(Post(meeting + "/action-items", As(mentor), R"({"text":"a private action"})").status, 200);

  // Only the mentee sets the agenda.
  EXPECT_TRUE(
      RefusedByService(Call(Port(), verb::put, meeting + "/agenda", R"({"agenda":"the mentor's idea"})", As(mentor))));

  // A third employee sees nothing of it and writes nothing into it.
  const std::string as_third = As(third);
  EXPECT_TRUE(RefusedByService(Get(meeting, as_third)));
  EXPECT_TRUE(RefusedByService(Get("/v1/meetings?relationship_id=" + relationship_id, as_third)));
  EXPECT_TRUE(RefusedByService(Get("/v1/meetings?person_id=" + mentee.id, as_third)));
  EXPECT_TRUE(RefusedByService(Get(rel + "/meeting-series", as_third)));
  EXPECT_TRUE(RefusedByService(Get(meeting + "/notes", as_third)));
  EXPECT_TRUE(RefusedByService(Post(meeting + "/notes", as_third, R"({"text":"hello"})")));
  EXPECT_TRUE(RefusedByService(Get(rel + "/action-items", as_third)));
  EXPECT_TRUE(RefusedByService(Post(meeting + ":cancel", as_third, R"({"reason":"CHANGE_REASON_OTHER"})")));
  EXPECT_TRUE(RefusedByService(Post(meeting + ":checkIn", as_third, R"({"held":false})")));
  EXPECT_TRUE(RefusedByService(Post("/v1/people/" + mentee.id + "/calendar-feed", as_third, "{}")))
      << "a person's feed is made by them alone";

  // A programme admin sees when and whether the pair meets, never what they talk about...
  Reply seen = Get(meeting, admin);
  ASSERT_EQ(seen.status, 200) << seen.body;
  EXPECT_TRUE(Bool(seen, "hasAgenda"));
  EXPECT_FALSE(Has(seen, "agenda")) << seen.body;
  EXPECT_FALSE(Has(seen, "openActionItems")) << seen.body;
  EXPECT_EQ(seen.body.find(agenda), std::string::npos);
  Reply listed = Get("/v1/meetings?relationship_id=" + relationship_id, admin);
  ASSERT_EQ(listed.status, 200) << listed.body;
  EXPECT_EQ(listed.body.find(agenda), std::string::npos) << listed.body;
  // ...and the notes and action items are employee routes: the gateway refuses admins first.
  EXPECT_TRUE(RefusedByRoleGate(Get(meeting + "/notes", admin)));
  EXPECT_TRUE(RefusedByRoleGate(Get(rel + "/action-items", admin)));
  EXPECT_TRUE(RefusedByRoleGate(Post(meeting + ":cancel", admin, R"({"reason":"CHANGE_REASON_OTHER"})")));
  Reply summary = Get(rel + "/schedule-summary", admin);
  ASSERT_EQ(summary.status, 200) << summary.body;
  EXPECT_EQ(Int(summary, "scheduled"), Size(meetings, "meetings"));

  // The mentee's own feed holds the meeting, but no agenda, note or action item.
  Reply feed = Post("/v1/people/" + mentee.id + "/calendar-feed", As(mentee), "{}");
  ASSERT_EQ(feed.status, 200) << feed.body;
  Reply ics = Get(Str(feed, "path"), "");
  ASSERT_EQ(ics.status, 200) << ics.body;
  EXPECT_NE(ics.body.find("UID:" + Str(meetings, "meetings[0].meetingId")), std::string::npos);
  for (const char* secret : {agenda.c_str(), "a private note", "a private action"}) {
    EXPECT_EQ(ics.body.find(secret), std::string::npos) << secret;
  }
  // Rotating it kills the old URL.
  Reply rotated = Post("/v1/people/" + mentee.id + "/calendar-feed", As(mentee), "{}");
  ASSERT_EQ(rotated.status, 200) << rotated.body;
  EXPECT_NE(Str(rotated, "path"), Str(feed, "path"));
  EXPECT_EQ(Get(Str(feed, "path"), "").status, 404);
  EXPECT_EQ(Get(Str(rotated, "path"), "").status, 200);
}

}  // namespace mentoring::testing
