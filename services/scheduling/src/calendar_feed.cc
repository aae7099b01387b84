#include "calendar_feed.h"

#include <absl/strings/str_cat.h>
#include <absl/time/civil_time.h>
#include <libical/ical.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <memory>

#include "mentoring/runtime/proto_time.h"

namespace mentoring::scheduling {
namespace {

struct ComponentDeleter {
  void operator()(icalcomponent* c) const { icalcomponent_free(c); }
};
using ComponentPtr = std::unique_ptr<icalcomponent, ComponentDeleter>;

icaltimetype LocalTime(absl::CivilSecond local) {
  icaltimetype t = icaltime_null_time();
  t.year = static_cast<int>(local.year());
  t.month = local.month();
  t.day = local.day();
  t.hour = local.hour();
  t.minute = local.minute();
  t.second = local.second();
  return t;
}

icaltimetype UtcTime(absl::Time time) {
  return icaltime_from_timet_with_zone(absl::ToTimeT(time), 0, icaltimezone_get_utc_timezone());
}

// A property with a TZID parameter and a time local to that zone (RFC 5545 §3.3.5 form 3).
icalproperty* Zoned(icalproperty* property, const std::string& tzid) {
  icalproperty_add_parameter(property, icalparameter_new_tzid(tzid.c_str()));
  return property;
}

icalproperty* Named(icalproperty* property, const char* name) {
  icalproperty_set_x_name(property, name);
  return property;
}

// The zone's rules over [from, to), as RFC 5545 wants them: one observance (STANDARD or
// DAYLIGHT) per clock change, each starting at the change in the local time it left, or one
// STANDARD for a zone whose clocks never change there (Asia/Kolkata).
icalcomponent* TimeZoneComponent(const std::string& tzid, absl::Time from, absl::Time to) {
  icalcomponent* vtimezone = icalcomponent_new(ICAL_VTIMEZONE_COMPONENT);
  icalcomponent_add_property(vtimezone, icalproperty_new_tzid(tzid.c_str()));
  absl::TimeZone zone;
  if (!absl::LoadTimeZone(tzid, &zone)) zone = absl::UTCTimeZone();
  const auto observance = [&](bool daylight, absl::CivilSecond local_start, int offset_from, int offset_to,
                              const char* name) {
    icalcomponent* part = icalcomponent_new(daylight ? ICAL_XDAYLIGHT_COMPONENT : ICAL_XSTANDARD_COMPONENT);
    icalcomponent_add_property(part, icalproperty_new_dtstart(LocalTime(local_start)));
    icalcomponent_add_property(part, icalproperty_new_tzoffsetfrom(offset_from));
    icalcomponent_add_property(part, icalproperty_new_tzoffsetto(offset_to));
    icalcomponent_add_property(part, icalproperty_new_tzname(name));
    icalcomponent_add_component(vtimezone, part);
  };
  const absl::TimeZone::CivilInfo at_start = zone.At(from);
  int changes = 0;
  absl::TimeZone::CivilTransition transition;
  for (absl::Time cursor = from; zone.NextTransition(cursor, &transition);) {
    // The instant of the change (for a fall-back, `to` is a repeated time: its "trans").
    const absl::Time when = zone.At(transition.to).trans;
    if (when >= to) break;
    const absl::TimeZone::CivilInfo before = zone.At(when - absl::Seconds(1));
    const absl::TimeZone::CivilInfo after = zone.At(when);
    if (before.offset != after.offset) {
      observance(after.is_dst, transition.from, before.offset, after.offset, after.zone_abbr);
      ++changes;
    }
    if (when <= cursor) break;  // no progress: never loop
    cursor = when;
  }
  if (changes == 0) {
    observance(at_start.is_dst, absl::CivilSecond(1970, 1, 1), at_start.offset, at_start.offset, at_start.zone_abbr);
  } else {
    // The rule in force when the span begins, so its first times resolve too.
    observance(at_start.is_dst, absl::ToCivilSecond(from - absl::Hours(24 * 366), zone), at_start.offset,
               at_start.offset, at_start.zone_abbr);
  }
  return vtimezone;
}

const char* ModeName(common::v1::MeetingMode mode) {
  switch (mode) {
    case common::v1::MEETING_MODE_IN_PERSON:
      return "In person";
    case common::v1::MEETING_MODE_VIDEO:
      return "Video call";
    case common::v1::MEETING_MODE_PHONE:
      return "Phone call";
    case common::v1::MEETING_MODE_CHAT:
      return "Chat";
    default:
      return "";
  }
}

icalcomponent* Event(const std::string& person_id, const v1::Meeting& meeting, const CalendarOptions& options) {
  icalcomponent* event = icalcomponent_new(ICAL_VEVENT_COMPONENT);
  const std::string uid = absl::StrCat(meeting.meeting_id(), "@", options.uid_domain);
  icalcomponent_add_property(event, icalproperty_new_uid(uid.c_str()));
  const absl::Time updated = FromTimestamp(meeting.updated_at());
  icalcomponent_add_property(event, icalproperty_new_dtstamp(UtcTime(updated)));
  icalcomponent_add_property(event, icalproperty_new_lastmodified(UtcTime(updated)));
  absl::TimeZone zone;
  const std::string& tzid = meeting.organiser_time_zone();
  if (!absl::LoadTimeZone(tzid, &zone)) zone = absl::UTCTimeZone();
  const absl::Time starts = FromTimestamp(meeting.starts_at());
  const absl::Time ends = starts + absl::Minutes(meeting.duration_minutes());
  icalcomponent_add_property(event,
                             Zoned(icalproperty_new_dtstart(LocalTime(absl::ToCivilSecond(starts, zone))), tzid));
  icalcomponent_add_property(event, Zoned(icalproperty_new_dtend(LocalTime(absl::ToCivilSecond(ends, zone))), tzid));
  icalcomponent_add_property(event,
                             icalproperty_new_sequence(static_cast<int>(std::max<int64_t>(0, meeting.version() - 1))));
  icalcomponent_add_property(
      event, icalproperty_new_status(meeting.state() == v1::MEETING_STATE_CANCELLED ? ICAL_STATUS_CANCELLED
                                                                                    : ICAL_STATUS_CONFIRMED));
  const bool organising = person_id == meeting.organiser_id();
  const std::string summary =
      organising ? "Mentoring meeting (you are the mentee)" : "Mentoring meeting (you are the mentor)";
  icalcomponent_add_property(event, icalproperty_new_summary(summary.c_str()));
  // Opaque ids, not names or addresses: whoever holds a leaked feed URL learns nothing of who.
  icalproperty* organiser = icalproperty_new_organizer(absl::StrCat("urn:uuid:", meeting.organiser_id()).c_str());
  icalproperty_add_parameter(organiser, icalparameter_new_cn("Mentee"));
  icalcomponent_add_property(event, organiser);
  icalproperty* attendee = icalproperty_new_attendee(absl::StrCat("urn:uuid:", meeting.attendee_id()).c_str());
  icalproperty_add_parameter(attendee, icalparameter_new_cn("Mentor"));
  icalproperty_add_parameter(attendee, icalparameter_new_role(ICAL_ROLE_REQPARTICIPANT));
  icalcomponent_add_property(event, attendee);
  if (const char* mode = ModeName(meeting.mode()); *mode)
    icalcomponent_add_property(event, icalproperty_new_location(mode));
  if (!options.meeting_link_base.empty()) {
    const std::string link = options.meeting_link_base + meeting.meeting_id();
    icalcomponent_add_property(event, icalproperty_new_url(link.c_str()));
    const std::string description = "The agenda, notes and action items are in the mentoring app: " + link;
    icalcomponent_add_property(event, icalproperty_new_description(description.c_str()));
  }
  return event;
}

}  // namespace

std::string RenderCalendar(const std::string& person_id, const std::vector<v1::Meeting>& meetings,
                           const CalendarOptions& options) {
  ComponentPtr calendar(icalcomponent_new(ICAL_VCALENDAR_COMPONENT));
  icalcomponent_add_property(calendar.get(), icalproperty_new_prodid("-//Mentoring platform//Scheduling//EN"));
  icalcomponent_add_property(calendar.get(), icalproperty_new_version("2.0"));
  icalcomponent_add_property(calendar.get(), icalproperty_new_calscale("GREGORIAN"));
  icalcomponent_add_property(calendar.get(), icalproperty_new_method(ICAL_METHOD_PUBLISH));
  icalcomponent_add_property(calendar.get(), Named(icalproperty_new_x("Mentoring"), "X-WR-CALNAME"));
  icalcomponent_add_property(calendar.get(), Named(icalproperty_new_x("PT1H"), "X-PUBLISHED-TTL"));
  // Every zone the meetings use, for the span they cover (a year either side, so a client
  // resolving the first and last times never meets an undefined offset).
  std::map<std::string, std::pair<absl::Time, absl::Time>> zones;
  for (const auto& meeting : meetings) {
    const absl::Time starts = FromTimestamp(meeting.starts_at());
    auto [it, fresh] = zones.try_emplace(meeting.organiser_time_zone(), starts, starts);
    it->second.first = std::min(it->second.first, starts);
    it->second.second = std::max(it->second.second, starts);
  }
  for (const auto& [tzid, span] : zones) {
    icalcomponent_add_component(calendar.get(), TimeZoneComponent(tzid, span.first - absl::Hours(24 * 366),
                                                                  span.second + absl::Hours(24 * 366)));
  }
  for (const auto& meeting : meetings) icalcomponent_add_component(calendar.get(), Event(person_id, meeting, options));
  char* text = icalcomponent_as_ical_string_r(calendar.get());
  std::string out = text != nullptr ? text : "";
  std::free(text);
  return out;
}

}  // namespace mentoring::scheduling
