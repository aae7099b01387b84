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

// What a colleague may see of someone else's profile: no goals, exclusions or consent.
Person ColleagueView(const Person& person);
// The same in place.
void HideFromColleagues(Person& person);
// What a programme admin or HR may see of someone else's profile: everything except goal
// descriptions, which only the person and their mentor may read (ARCHITECTURE.md).
Person AdministratorView(const Person& person);

}  // namespace mentoring::profiles
