#pragma once
// Writing a person and the events that say so, in the caller's transaction: the one place
// that turns a change into versions and profile.* events, used by the API and HR import.
#include <absl/status/statusor.h>

#include <string>

#include "mentoring/runtime/clock.h"
#include "mentoring/runtime/postgres.h"
#include "person_store.h"

namespace mentoring::profiles {

inline constexpr char kProducer[] = "profiles";

struct WriteContext {
  const Clock& clock;
  std::string traceparent;  // of the request that caused the change
  std::string source;       // "api" or "hr_import"
};

// Inserts a new person (an id unless it has one, version 1 and timestamps set here) and publishes profile.created.
absl::Status WriteNewPerson(pg::Transaction& txn, Person& person, const WriteContext& ctx);
// The same for many people in a few statements (HR import).
absl::Status WriteNewPeople(pg::Transaction& txn, std::vector<Person>& people, const WriteContext& ctx);

// Writes `after` as the next version of `before` and publishes profile.updated, plus
// profile.deactivated when the person departed (each event is one version). Returns false,
// writing nothing, when nothing changed. `after` gets its new version and timestamps.
absl::StatusOr<bool> WritePersonChange(pg::Transaction& txn, const Person& before, Person& after,
                                       const WriteContext& ctx);

}  // namespace mentoring::profiles
