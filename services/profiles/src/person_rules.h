#pragma once
// The rules a person and their mentoring profile must satisfy, and what a change touched.
// Plain functions over protobuf messages: no I/O, unit-tested directly.
#include <absl/status/status.h>

#include <vector>

#include "mentoring/events/v1/profiles_events.pb.h"
#include "mentoring/profiles/v1/profiles.pb.h"
#include "mentoring/runtime/clock.h"

namespace mentoring::profiles {

using mentoring::profiles::v1::Person;

inline constexpr int kMaxActiveGoals = 5;  // DOMAIN.md: 4-5 objectives, more can't be taken in
inline constexpr int kMinCareerLevel = 1;
inline constexpr int kMaxCareerLevel = 15;

// Fills defaults a caller may leave out (employment status ACTIVE, goal status ACTIVE).
void ApplyDefaults(Person& person);

// Gives every goal without an id a new one.
void AssignGoalIds(Person& person, const Clock& clock);

// OK, or INVALID_ARGUMENT naming every offending field ("person.email") and its rule.
absl::Status Validate(const Person& person);

// The parts of a person that differ between two versions (empty when nothing changed).
std::vector<events::v1::ProfilePart> ChangedParts(const Person& before, const Person& after);

// Who reads someone else's profile, as far as what they may see depends on it.
struct Reader {
  bool administrator = false;  // HR or a programme admin
  // The focus areas of the open relationships in which the reader mentors the person.
  std::vector<common::v1::FocusArea> mentored_areas;
};

// What `reader` may see of someone else's profile. A colleague sees no goals, exclusions or
// consent; HR and programme admins see everything except goal descriptions, which only the
// person and their mentor read (ARCHITECTURE.md): a mentor also sees, in full, the goals
// their relationships cover, those in the relationships' focus areas. Goals keep their order.
Person ViewOf(const Person& person, const Reader& reader);

}  // namespace mentoring::profiles
