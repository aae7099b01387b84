// The calendar feed read back with libical: one VEVENT per meeting with its UID, SEQUENCE,
// STATUS, local times in the organiser's zone and a VTIMEZONE for every zone used, and no
// pair-only text.
#include <absl/strings/match.h>
#include <gtest/gtest.h>
#include <libical/ical.h>

#include <map>

#include "cadence.h"
#include "calendar_feed.h"
#include "mentoring/runtime/proto_time.h"

namespace mentoring::scheduling {
namespace {

v1::Meeting MeetingAt(const std::string& id, absl::Time starts, const std::string& zone, int version,
                      v1::MeetingState state = v1::MEETING_STATE_SCHEDULED) {
  v1::Meeting m;
  m.set_meeting_id(id);
  m.set_series_id("series-1");
  m.set_relationship_id("rel-1");
  m.set_organiser_id("mentee-1");
  m.set_attendee_id("mentor-1");
  m.set_organiser_time_zone(zone);
  m.set_state(state);
  SetTimestamp(m.mutable_starts_at(), starts);
  m.set_duration_minutes(60);
  m.set_mode(common::v1::MEETING_MODE_VIDEO);
  m.set_version(version);
  SetTimestamp(m.mutable_updated_at(), starts - absl::Hours(24 * 7));
  m.set_agenda("PRIVATE AGENDA TEXT");  // never in a feed
  return m;
}

struct Parsed {
  std::map<std::string, icalcomponent*> events;  // by UID
  std::vector<std::string> zones;
  icalcomponent* root = nullptr;
  ~Parsed() {
    if (root) icalcomponent_free(root);
  }
};

void Parse(const std::string& text, Parsed& parsed) {
  parsed.root = icalparser_parse_string(text.c_str());
  ASSERT_NE(parsed.root, nullptr);
  ASSERT_EQ(icalcomponent_isa(parsed.root), ICAL_VCALENDAR_COMPONENT);
  for (icalcomponent* c = icalcomponent_get_first_component(parsed.root, ICAL_VEVENT_COMPONENT); c != nullptr;
       c = icalcomponent_get_next_component(parsed.root, ICAL_VEVENT_COMPONENT)) {
    parsed.events[icalcomponent_get_uid(c)] = c;
  }
  for (icalcomponent* c = icalcomponent_get_first_component(parsed.root, ICAL_VTIMEZONE_COMPONENT); c != nullptr;
       c = icalcomponent_get_next_component(parsed.root, ICAL_VTIMEZONE_COMPONENT)) {
    parsed.zones.push_back(icalproperty_get_tzid(icalcomponent_get_first_property(c, ICAL_TZID_PROPERTY)));
  }
}

std::string TzidOf(icalcomponent* event, icalproperty_kind kind) {
  icalproperty* property = icalcomponent_get_first_property(event, kind);
  icalparameter* tzid = icalproperty_get_first_parameter(property, ICAL_TZID_PARAMETER);
  return tzid ? icalparameter_get_tzid(tzid) : "";
}

TEST(CalendarFeed, ReadsBackWithLibicalFieldByField) {
  const absl::Time summer = absl::FromCivil(absl::CivilMinute(2027, 7, 13, 13, 0), absl::UTCTimeZone());
  const absl::Time winter = absl::FromCivil(absl::CivilMinute(2027, 12, 14, 14, 0), absl::UTCTimeZone());
  std::vector<v1::Meeting> meetings = {
      MeetingAt("m-summer", summer, "Europe/London", 1),
      MeetingAt("m-winter", winter, "Europe/London", 3),
      MeetingAt("m-cancelled", winter + absl::Hours(24 * 14), "Europe/London", 2, v1::MEETING_STATE_CANCELLED),
      MeetingAt("m-kolkata", summer, "Asia/Kolkata", 1),
  };
  const std::string ics = RenderCalendar("mentor-1", meetings,
                                         {.uid_domain = "mentoring.test", .meeting_link_base = "https://app.test/m/"});
  EXPECT_FALSE(absl::StrContains(ics, "PRIVATE AGENDA TEXT"));
  EXPECT_FALSE(absl::StrContains(ics, "mailto:"));
  Parsed parsed;
  Parse(ics, parsed);
  ASSERT_EQ(parsed.events.size(), 4u);
  EXPECT_EQ(parsed.zones, (std::vector<std::string>{"Asia/Kolkata", "Europe/London"}));

  icalcomponent* summer_event = parsed.events.at("m-summer@mentoring.test");
  const icaltimetype start = icalcomponent_get_dtstart(summer_event);
  EXPECT_EQ(TzidOf(summer_event, ICAL_DTSTART_PROPERTY), "Europe/London");
  EXPECT_EQ(start.hour, 14);  // 13:00 UTC is 14:00 BST
  EXPECT_EQ(icalcomponent_get_dtend(summer_event).hour, 15);
  EXPECT_EQ(icalcomponent_get_sequence(summer_event), 0);
  EXPECT_EQ(icalcomponent_get_status(summer_event), ICAL_STATUS_CONFIRMED);
  EXPECT_STREQ(icalproperty_get_organizer(icalcomponent_get_first_property(summer_event, ICAL_ORGANIZER_PROPERTY)),
               "urn:uuid:mentee-1");
  EXPECT_STREQ(icalproperty_get_url(icalcomponent_get_first_property(summer_event, ICAL_URL_PROPERTY)),
               "https://app.test/m/m-summer");

  icalcomponent* winter_event = parsed.events.at("m-winter@mentoring.test");
  EXPECT_EQ(icalcomponent_get_dtstart(winter_event).hour, 14);  // GMT: the same as UTC
  EXPECT_EQ(icalcomponent_get_sequence(winter_event), 2);
  EXPECT_EQ(icalcomponent_get_status(parsed.events.at("m-cancelled@mentoring.test")), ICAL_STATUS_CANCELLED);
  EXPECT_EQ(icalcomponent_get_dtstart(parsed.events.at("m-kolkata@mentoring.test")).hour, 18);  // 13:00 UTC + 5:30
  EXPECT_EQ(icalcomponent_get_dtstart(parsed.events.at("m-kolkata@mentoring.test")).minute, 30);

  // libical resolves the local times with the VTIMEZONEs the feed carries: the instants come
  // back exactly.
  icalcomponent* vcal = parsed.root;
  icaltimezone* london = icaltimezone_new();
  for (icalcomponent* c = icalcomponent_get_first_component(vcal, ICAL_VTIMEZONE_COMPONENT); c != nullptr;
       c = icalcomponent_get_next_component(vcal, ICAL_VTIMEZONE_COMPONENT)) {
    if (std::string(icalproperty_get_tzid(icalcomponent_get_first_property(c, ICAL_TZID_PROPERTY))) ==
        "Europe/London") {
      ASSERT_TRUE(icaltimezone_set_component(london, icalcomponent_new_clone(c)));
    }
  }
  icaltimetype zoned = start;
  zoned.zone = london;
  EXPECT_EQ(icaltime_as_timet_with_zone(zoned, london), absl::ToTimeT(summer));
  icaltimetype winter_start = icalcomponent_get_dtstart(winter_event);
  winter_start.zone = london;
  EXPECT_EQ(icaltime_as_timet_with_zone(winter_start, london), absl::ToTimeT(winter));
  icaltimezone_free(london, 1);
}

}  // namespace
}  // namespace mentoring::scheduling
