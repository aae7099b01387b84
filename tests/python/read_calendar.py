"""Reads an iCalendar document with the independent `icalendar` library and prints what a
calendar client would take from it, as JSON, for the C++ integration tests to compare field
by field with the API's answers.

Usage: read_calendar.py FILE.ics
Prints {"timezones": [...], "events": [{uid, sequence, status, start_utc, end_utc,
start_tzid, start_local, start_utc_by_vtimezone, organizer, attendees, summary,
description, url, dtstamp_utc}],
"problems": [...]}; "problems" lists what a client would reject (a TZID without its
VTIMEZONE, an event without UID or DTSTAMP). Exits non-zero when the text does not parse.
"""

import datetime
import json
import sys

import icalendar


def utc(value):
    return value.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def main(path):
    with open(path, "rb") as handle:
        calendar = icalendar.Calendar.from_ical(handle.read())
    timezones = [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")]
    # The zones as the document itself defines them (its VTIMEZONE rules), not as the
    # reader's own tz database would: a wrong VTIMEZONE shows as a different instant.
    own_rules = {str(tz["TZID"]): tz.to_tz() for tz in calendar.walk("VTIMEZONE")}
    problems = []
    events = []
    for event in calendar.walk("VEVENT"):
        start = event["DTSTART"]
        end = event["DTEND"]
        tzid = start.params.get("TZID", "")
        if tzid and tzid not in timezones:
            problems.append(f"{event.get('UID')}: TZID {tzid} has no VTIMEZONE")
        for required in ("UID", "DTSTAMP", "SEQUENCE"):
            if required not in event:
                problems.append(f"{event.get('UID')}: no {required}")
        events.append({
            "uid": str(event.get("UID", "")),
            "sequence": int(event.get("SEQUENCE", -1)),
            "status": str(event.get("STATUS", "")),
            "start_utc": utc(start.dt),
            "end_utc": utc(end.dt),
            "start_tzid": tzid,
            "start_local": start.dt.strftime("%Y-%m-%dT%H:%M:%S"),
            "start_utc_by_vtimezone": (utc(start.dt.replace(tzinfo=own_rules[tzid])) if tzid in own_rules else ""),
            "organizer": str(event.get("ORGANIZER", "")),
            "attendees": [str(a) for a in (event.get("ATTENDEE") if isinstance(event.get("ATTENDEE"), list)
                                            else [event.get("ATTENDEE")] if event.get("ATTENDEE") else [])],
            "summary": str(event.get("SUMMARY", "")),
            "description": str(event.get("DESCRIPTION", "")),
            "url": str(event.get("URL", "")),
            "dtstamp_utc": utc(event["DTSTAMP"].dt) if "DTSTAMP" in event else "",
        })
    json.dump({"timezones": timezones, "events": events, "problems": problems}, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1])
