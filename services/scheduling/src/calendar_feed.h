#pragma once
// A person's meetings as an iCalendar subscription (RFC 5545), built and serialised with
// libical. Each meeting is one VEVENT for life: its UID is the meeting id, its SEQUENCE rises
// with every change, a cancelled meeting stays as STATUS:CANCELLED, and its times are local
// to the organiser's zone, whose VTIMEZONE (every zone used) is built from the machine's time
// zone data for the span the feed covers. A feed URL leaks easily, so no pair-only text ever
// goes in: no agenda, notes or action items, no names; a link back to the meeting instead.
// Plain domain code: no I/O.
#include <absl/time/time.h>

#include <string>
#include <vector>

#include "mentoring/scheduling/v1/scheduling.pb.h"

namespace mentoring::scheduling {

struct CalendarOptions {
  std::string uid_domain = "mentoring.example";  // UID: <meeting id>@<uid_domain>
  std::string meeting_link_base;                 // URL: <base><meeting id>, when set
};

// `person_id` is whose calendar it is (it names their role in each meeting).
std::string RenderCalendar(const std::string& person_id, const std::vector<v1::Meeting>& meetings,
                           const CalendarOptions& options);

}  // namespace mentoring::scheduling
