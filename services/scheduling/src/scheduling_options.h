#pragma once
// What the use cases read of the service's settings (scheduling_service.h reads them).
#include <absl/time/time.h>

#include <string>

#include "meeting_rules.h"

namespace mentoring::scheduling {

struct SchedulingOptions {
  MeetingTimings timings;
  int window_days = 90;    // meetings exist this far ahead; a background job moves the window on
  int extend_batch = 200;  // series a window extension takes at a time
  int sweep_batch = 1000;  // meetings a sweep marks per transaction
  std::string calendar_uid_domain = "mentoring.example";  // a meeting's calendar UID: <meeting id>@<this>
  std::string meeting_link_base;  // where a calendar entry links back to, e.g. https://mentoring.example/meetings/
};

}  // namespace mentoring::scheduling
