#pragma once
// Identifiers: UUIDv7 (RFC 9562), time-ordered so that new rows land at the end of B-tree
// indexes instead of at random pages.
#include <string>

#include "mentoring/runtime/clock.h"

namespace mentoring {

std::string NewUuidV7(const Clock& clock = SystemClock::Instance());

// True for the canonical 8-4-4-4-12 lower- or upper-case hex form.
bool IsUuid(std::string_view text);

}  // namespace mentoring
