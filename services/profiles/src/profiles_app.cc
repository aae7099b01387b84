#include "profiles_app.h"

#include "mentoring/runtime/errors.h"
#include "mentoring/runtime/events.h"
#include "mentoring/runtime/ids.h"
#include "mentoring/runtime/outbox.h"
#include "person_rules.h"

namespace mentoring::profiles {
namespace {

constexpr char kAggregate[] = "person";

void SetTimestamp(google::protobuf::Timestamp* ts, absl::Time t) {
  ts->set_seconds(absl::ToUnixSeconds(t));
  ts->set_nanos(static_cast<int32_t>((t - absl::FromUnixSeconds(ts->seconds())) / absl::Nanoseconds(1)));
}

bool IsAdministrative(const Caller& caller) {
  return caller.IsService() || caller.Has(roles::kHrIntegration) || caller.Has(roles::kProgrammeAdmin);
}

// People a change refers to must exist: the manager and the declared exclusions.
absl::Status CheckReferences(pg::Transaction& txn, const Person& person) {
  std::vector<std::string> ids(person.excluded_person_ids().begin(), person.excluded_person_ids().end());
  if (!person.manager_id().empty()) ids.push_back(person.manager_id());
  auto missing = PersonStore::Missing(txn, ids);
  if (!missing.ok()) return missing.status();
  errors::Violations v;
  for (const auto& id : *missing) {
    if (id == person.manager_id()) v.Add("person.manager_id", "exists", "no person with id " + id);
    else v.Add("person.excluded_person_ids", "exists", "no person with id " + id);
  }
  return v.ToStatus();
}

}  // namespace

Person ProfilesApp::ViewFor(const Caller& caller, const Person& person) const {
  if (caller.id == person.person_id() || IsAdministrative(caller)) return person;
  return ColleagueView(person);
}

void ProfilesApp::CacheWrite(const Person& person) {
  cache_.Put(person.person_id(), {person.version(), person.SerializeAsString(), false});
}

absl::StatusOr<Person> ProfilesApp::Create(const CallContext& call, Person person) {
  if (!IsAdministrative(call.caller)) {
    return errors::PermissionDenied("creating people needs the hr_integration or programme_admin role");
  }
  ApplyDefaults(person);
  person.set_person_id(NewUuidV7(clock_));
  person.set_version(1);
  const absl::Time now = clock_.Now();
  SetTimestamp(person.mutable_created_at(), now);
  SetTimestamp(person.mutable_updated_at(), now);
  if (auto valid = Validate(person); !valid.ok()) return valid;

  auto status = pool_.InTransaction([&](pg::Transaction& txn) -> absl::Status {
    if (auto refs = CheckReferences(txn, person); !refs.ok()) return refs;
    if (auto inserted = PersonStore::Insert(txn, person); !inserted.ok()) return inserted;
    auto event = events::NewEvent(kProducer, kAggregate, person.person_id(), person.version(), clock_);
    event.set_traceparent(call.trace.ToHeader());
    auto* created = event.mutable_profile_created();
    created->set_person_id(person.person_id());
    created->set_role(person.mentoring_profile().role());
    created->set_employment_status(person.employment_status());
    created->set_career_level(person.career_level());
    created->set_source("api");
    return Outbox::Append(txn, std::move(event), clock_);
  });
  if (!status.ok()) return status;
  CacheWrite(person);
  return person;
}

absl::StatusOr<Person> ProfilesApp::Load(const std::string& person_id) {
  auto entry = cache_.GetOrLoad(person_id, [&]() -> absl::StatusOr<redis::VersionedCache::Entry> {
    auto person = store_.Get(person_id);
    if (!person.ok()) return person.status();
    return redis::VersionedCache::Entry{person->version(), person->SerializeAsString(), false};
  });
  if (!entry.ok()) return entry.status();
  if (entry->deleted) return errors::NotFound("person", person_id);
  Person person;
  if (!person.ParseFromString(entry->data)) return absl::InternalError("cached person does not parse");
  return person;
}

absl::StatusOr<Person> ProfilesApp::Get(const CallContext& call, const std::string& person_id) {
  if (!IsUuid(person_id)) return errors::InvalidArgument("person_id", "uuid", "must be a person id (UUID)");
  auto person = Load(person_id);
  if (!person.ok()) return person.status();
  return ViewFor(call.caller, *person);
}

absl::StatusOr<v1::BatchGetPeopleResponse> ProfilesApp::BatchGet(const CallContext& call,
                                                                  const std::vector<std::string>& ids) {
  if (static_cast<int>(ids.size()) > kMaxBatchGet) {
    return errors::InvalidArgument("person_ids", "max_items", "at most 1000 ids per call");
  }
  errors::Violations v;
  for (size_t i = 0; i < ids.size(); ++i) {
    if (!IsUuid(ids[i])) v.Add("person_ids[" + std::to_string(i) + "]", "uuid", "must be a person id (UUID)");
  }
  if (!v.empty()) return v.ToStatus();
  auto people = store_.GetMany(ids);
  if (!people.ok()) return people.status();
  v1::BatchGetPeopleResponse response;
  std::set<std::string> found;
  for (const auto& person : *people) {
    found.insert(person.person_id());
    *response.add_people() = ViewFor(call.caller, person);
  }
  for (const auto& id : ids) {
    if (!found.contains(id)) response.add_missing_ids(id);
  }
  return response;
}

absl::StatusOr<Person> ProfilesApp::Update(const CallContext& call, Person person, int64_t expected_version) {
  if (!IsUuid(person.person_id())) return errors::InvalidArgument("person.person_id", "uuid", "must be a person id (UUID)");
  if (call.caller.id != person.person_id() && !IsAdministrative(call.caller)) {
    return errors::PermissionDenied("people may only edit their own profile");
  }
  if (expected_version <= 0) {
    return errors::InvalidArgument("expected_version", "required", "pass the version you read (optimistic concurrency)");
  }
  ApplyDefaults(person);
  Person stored;
  bool changed = false;
  auto status = pool_.InTransaction([&](pg::Transaction& txn) -> absl::Status {
    auto current = PersonStore::GetForUpdate(txn, person.person_id());
    if (!current.ok()) return current.status();
    if (!current->has_value()) return errors::NotFound("person", person.person_id());
    const Person& before = **current;
    if (before.version() != expected_version) return errors::VersionConflict("person", expected_version, before.version());
    stored = person;
    *stored.mutable_created_at() = before.created_at();
    stored.set_version(before.version());
    *stored.mutable_updated_at() = before.updated_at();
    if (auto valid = Validate(stored); !valid.ok()) return valid;
    const auto parts = ChangedParts(before, stored);
    changed = !parts.empty();
    if (!changed) {
      stored = before;  // nothing to write, nothing to publish
      return absl::OkStatus();
    }
    if (auto refs = CheckReferences(txn, stored); !refs.ok()) return refs;
    const bool departed = before.employment_status() != common::v1::EMPLOYMENT_STATUS_DEPARTED &&
                          stored.employment_status() == common::v1::EMPLOYMENT_STATUS_DEPARTED;
    // Each event is one version of the aggregate, so a departure that also changed other
    // parts takes two versions: updated, then deactivated.
    stored.set_version(before.version() + 1 + (departed ? 1 : 0));
    SetTimestamp(stored.mutable_updated_at(), clock_.Now());
    if (auto written = PersonStore::Update(txn, stored); !written.ok()) return written;

    auto updated = events::NewEvent(kProducer, kAggregate, stored.person_id(), before.version() + 1, clock_);
    updated.set_traceparent(call.trace.ToHeader());
    updated.mutable_profile_updated()->set_person_id(stored.person_id());
    for (auto part : parts) updated.mutable_profile_updated()->add_changed_parts(part);
    updated.mutable_profile_updated()->set_employment_status(stored.employment_status());
    if (auto appended = Outbox::Append(txn, std::move(updated), clock_); !appended.ok()) return appended;
    if (departed) {
      auto deactivated = events::NewEvent(kProducer, kAggregate, stored.person_id(), stored.version(), clock_);
      deactivated.set_traceparent(call.trace.ToHeader());
      deactivated.mutable_profile_deactivated()->set_person_id(stored.person_id());
      deactivated.mutable_profile_deactivated()->set_employment_status(stored.employment_status());
      return Outbox::Append(txn, std::move(deactivated), clock_);
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  if (changed) CacheWrite(stored);
  return ViewFor(call.caller, stored);
}

absl::StatusOr<std::vector<Person>> ProfilesApp::ListPage(const CallContext& call, const std::string& after_id, int limit,
                                                          const ListFilter& filter) {
  if (!IsAdministrative(call.caller)) {
    return errors::PermissionDenied("listing everyone is for services, HR and programme admins");
  }
  return store_.ListPage(after_id, limit, filter);
}

}  // namespace mentoring::profiles
