#include "profiles_app.h"

#include <set>

#include "hr_import_format.h"
#include "hr_importer.h"
#include "mentoring/runtime/errors.h"
#include "mentoring/runtime/events.h"
#include "mentoring/runtime/ids.h"
#include "mentoring/runtime/outbox.h"
#include "person_rules.h"

namespace mentoring::profiles {
namespace {

absl::Status RequireUuid(const std::string& field, const std::string& value) {
  return IsUuid(value) ? absl::OkStatus() : errors::InvalidArgument(field, "uuid", "must be a person id (UUID)");
}

// People a change refers to must exist: the manager and the declared exclusions.
absl::Status CheckReferences(pg::Transaction& txn, const Person& person) {
  std::vector<std::string> ids(person.excluded_person_ids().begin(), person.excluded_person_ids().end());
  if (!person.manager_id().empty()) ids.push_back(person.manager_id());
  auto missing = PersonStore::Missing(txn, ids);
  if (!missing.ok()) return missing.status();
  errors::Violations v;
  for (const auto& id : *missing) {
    if (id == person.manager_id())
      v.Add("person.manager_id", "exists", "no person with id " + id);
    else
      v.Add("person.excluded_person_ids", "exists", "no person with id " + id);
  }
  return v.ToStatus();
}

// Only a person reading someone else's goals can be reading as their mentor (the view of
// anyone else does not depend on it).
bool MayMentor(const Caller& caller, const Person& person) {
  return !caller.IsService() && caller.id != person.person_id() && person.goals_size() > 0 && IsUuid(caller.id);
}

}  // namespace

bool IsAdministrative(const Caller& caller) {
  return caller.IsService() || caller.Has(roles::kHrIntegration) || caller.Has(roles::kProgrammeAdmin);
}

Person ProfilesApp::ViewFor(const Caller& caller, const Person& person, const MentoredAreas& mentored) const {
  if (caller.id == person.person_id() || caller.IsService()) return person;
  Reader reader{.administrator = IsAdministrative(caller)};
  if (auto it = mentored.find(person.person_id()); it != mentored.end()) reader.mentored_areas = it->second;
  return ViewOf(person, reader);
}

absl::StatusOr<MentoredAreas> ProfilesApp::MentoredBy(const Caller& caller, const std::vector<Person>& people) {
  std::vector<std::string> mentees;
  for (const auto& person : people) {
    if (MayMentor(caller, person)) mentees.push_back(person.person_id());
  }
  if (mentees.empty()) return MentoredAreas();
  return mentorships_.MentoredBy(caller.id, mentees);
}

absl::StatusOr<std::vector<Person>> ProfilesApp::ViewsFor(const Caller& caller, std::vector<Person> people) {
  auto mentored = MentoredBy(caller, people);
  if (!mentored.ok()) return mentored.status();
  for (auto& person : people) person = ViewFor(caller, person, *mentored);
  return people;
}

void ProfilesApp::CacheWrite(const Person& person, bool erased) {
  cache_.Put(person.person_id(), {person.version(), erased ? "" : person.SerializeAsString(), erased});
}

absl::StatusOr<Person> ProfilesApp::CreatePerson(const CallContext& call, const v1::CreatePersonRequest& request) {
  Person person = request.person();
  if (!IsAdministrative(call.caller)) {
    return errors::PermissionDenied("creating people needs the hr_integration or programme_admin role");
  }
  ApplyDefaults(person);
  person.clear_person_id();
  if (auto valid = Validate(person); !valid.ok()) return valid;
  auto status = pool_.InTransaction([&](pg::Transaction& txn) -> absl::Status {
    if (auto refs = CheckReferences(txn, person); !refs.ok()) return refs;
    return WriteNewPerson(txn, person, Context(call));
  });
  if (!status.ok()) return status;
  CacheWrite(person);
  return person;
}

void ProfilesApp::ReplyWith(const Caller& caller, const std::string& person_id, redis::VersionedCache::Entry entry,
                            SerializedDone done) {
  if (entry.deleted) return done(errors::NotFound("person", person_id));
  if (caller.id == person_id || caller.IsService()) return done(std::move(entry.data));  // the whole record, as stored
  Person person;
  if (!person.ParseFromString(entry.data)) return done(absl::InternalError("cached person does not parse"));
  if (!MayMentor(caller, person)) return done(ViewFor(caller, person, {}).SerializeAsString());
  workers_.Submit([this, &caller, person = std::move(person), done = std::move(done)] {
    auto mentored = MentoredBy(caller, {person});
    if (!mentored.ok()) return done(mentored.status());
    done(ViewFor(caller, person, *mentored).SerializeAsString());
  });
}

void ProfilesApp::GetPerson(const CallContext& call, const v1::GetPersonRequest& request, SerializedDone done) {
  const std::string& person_id = request.person_id();
  if (auto valid = RequireUuid("person_id", person_id); !valid.ok()) return done(valid);
  // The cache read is sent to Redis after this call arrived, so it sees every write that
  // was acknowledged before (writes update the cache before they answer).
  cache_.GetAsync(person_id, [this, &call, person_id,
                              done = std::move(done)](std::optional<redis::VersionedCache::Entry> cached) mutable {
    if (cached) return ReplyWith(call.caller, person_id, std::move(*cached), std::move(done));
    workers_.Submit([this, &call, person_id, done = std::move(done)] {
      auto person = store_.Get(person_id);
      if (!person.ok()) return done(person.status());
      redis::VersionedCache::Entry entry{person->version(), person->SerializeAsString(), false};
      cache_.Put(person_id, entry);  // only if newer than what is cached (a racing writer's)
      ReplyWith(call.caller, person_id, std::move(entry), done);
    });
  });
}

absl::StatusOr<v1::BatchGetPeopleResponse> ProfilesApp::BatchGetPeople(const CallContext& call,
                                                                       const v1::BatchGetPeopleRequest& request) {
  const std::vector<std::string> ids(request.person_ids().begin(), request.person_ids().end());
  if (static_cast<int>(ids.size()) > kMaxBatchGet) {
    return errors::InvalidArgument("person_ids", "max_items", "at most 1000 ids per call");
  }
  errors::Violations v;
  for (size_t i = 0; i < ids.size(); ++i) {
    if (!IsUuid(ids[i])) v.Add("person_ids[" + std::to_string(i) + "]", "uuid", "must be a person id (UUID)");
  }
  if (!v.empty()) return v.ToStatus();
  auto found_people = store_.GetMany(ids);
  if (!found_people.ok()) return found_people.status();
  auto people = ViewsFor(call.caller, std::move(*found_people));
  if (!people.ok()) return people.status();
  v1::BatchGetPeopleResponse response;
  std::set<std::string> found;
  for (auto& person : *people) {
    found.insert(person.person_id());
    *response.add_people() = std::move(person);
  }
  for (const auto& id : ids) {
    if (!found.contains(id)) response.add_missing_ids(id);
  }
  return response;
}

absl::StatusOr<Person> ProfilesApp::Change(const CallContext& call, const std::string& person_id,
                                           int64_t expected_version,
                                           const std::function<absl::Status(Person&)>& change) {
  Person stored;
  bool changed = false;
  auto status = pool_.InTransaction([&](pg::Transaction& txn) -> absl::Status {
    auto current = PersonStore::GetForUpdate(txn, person_id);
    if (!current.ok()) return current.status();
    if (!current->has_value()) return errors::NotFound("person", person_id);
    const Person& before = **current;
    if (expected_version > 0 && before.version() != expected_version) {
      return errors::VersionConflict("person", expected_version, before.version());
    }
    stored = before;
    if (auto edited = change(stored); !edited.ok()) return edited;
    ApplyDefaults(stored);
    if (auto valid = Validate(stored); !valid.ok()) return valid;
    if (auto refs = CheckReferences(txn, stored); !refs.ok()) return refs;
    auto written = WritePersonChange(txn, before, stored, Context(call));
    if (!written.ok()) return written.status();
    changed = *written;
    if (!changed) stored = before;  // nothing to write, nothing to publish
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  if (changed) CacheWrite(stored);
  auto mentored = MentoredBy(call.caller, {stored});
  if (!mentored.ok()) return mentored.status();
  return ViewFor(call.caller, stored, *mentored);
}

absl::StatusOr<Person> ProfilesApp::UpdatePerson(const CallContext& call, const v1::UpdatePersonRequest& request) {
  const Person& person = request.person();
  const int64_t expected_version = request.expected_version();
  if (auto valid = RequireUuid("person.person_id", person.person_id()); !valid.ok()) return valid;
  if (call.caller.id != person.person_id() && !IsAdministrative(call.caller)) {
    return errors::PermissionDenied("people may only edit their own profile");
  }
  if (expected_version <= 0) {
    return errors::InvalidArgument("expected_version", "required",
                                   "pass the version you read (optimistic concurrency)");
  }
  const bool administrative = IsAdministrative(call.caller);
  return Change(call, person.person_id(), expected_version, [&](Person& stored) {
    Person requested = person;
    // HR owns identity, org position and employment: people edit the rest of their profile.
    if (!administrative) ApplyHrFields(stored, requested);
    stored = std::move(requested);
    return absl::OkStatus();
  });
}

absl::StatusOr<Person> ProfilesApp::DeactivatePerson(const CallContext& call,
                                                     const v1::DeactivatePersonRequest& request) {
  if (auto valid = RequireUuid("person_id", request.person_id()); !valid.ok()) return valid;
  if (!IsAdministrative(call.caller)) return errors::PermissionDenied("deactivating people is for HR and admins");
  auto status = request.employment_status();
  if (status == common::v1::EMPLOYMENT_STATUS_UNSPECIFIED) status = common::v1::EMPLOYMENT_STATUS_DEPARTED;
  if (status == common::v1::EMPLOYMENT_STATUS_ACTIVE) {
    return errors::InvalidArgument("employment_status", "inactive_status", "must be ON_LEAVE or DEPARTED");
  }
  return Change(call, request.person_id(), request.expected_version(), [&](Person& stored) {
    stored.set_employment_status(status);
    return absl::OkStatus();
  });
}

absl::StatusOr<v1::ErasePersonResponse> ProfilesApp::ErasePerson(const CallContext& call,
                                                                 const v1::ErasePersonRequest& request) {
  const std::string& person_id = request.person_id();
  if (auto valid = RequireUuid("person_id", person_id); !valid.ok()) return valid;
  // The person's own request, or one an admin or HR handles for them (e.g. after they left).
  if (call.caller.id != person_id && !IsAdministrative(call.caller)) {
    return errors::PermissionDenied("erasure is requested by the person themself, a programme admin or HR");
  }
  Person anonymised;
  std::vector<Person> moved;  // their direct reports, now under their manager
  auto status = pool_.InTransaction([&](pg::Transaction& txn) -> absl::Status {
    moved.clear();
    auto current = PersonStore::GetForUpdate(txn, person_id);
    if (!current.ok()) return current.status();
    if (!current->has_value()) return errors::NotFound("person", person_id);
    const Person& before = **current;
    // Their reports report to their manager until HR says otherwise, so nobody below loses
    // the managers above them (matching keeps those from being their mentors by the chain;
    // one who was both manager and report, a cycle, is left with none). The moves are
    // published first: a consumer that hears them before the erasure never sees a chain cut
    // short.
    auto reports = PersonStore::DirectReportsForUpdate(txn, person_id);
    if (!reports.ok()) return reports.status();
    for (const Person& report : *reports) {
      Person after = report;
      after.set_manager_id(before.manager_id() == report.person_id() ? "" : before.manager_id());
      auto written = WritePersonChange(txn, report, after, Context(call));
      if (!written.ok()) return written.status();
      moved.push_back(std::move(after));
    }
    if (auto forgotten = MentorshipStore::Forget(txn, person_id); !forgotten.ok()) return forgotten;
    // Only the id and the timestamps survive; the HR id is replaced so HR can re-hire.
    anonymised.set_person_id(before.person_id());
    anonymised.set_hr_employee_id("erased:" + before.person_id());
    anonymised.set_employment_status(common::v1::EMPLOYMENT_STATUS_DEPARTED);
    anonymised.set_version(before.version() + 1);
    *anonymised.mutable_created_at() = before.created_at();
    const absl::Time now = clock_.Now();
    anonymised.mutable_updated_at()->set_seconds(absl::ToUnixSeconds(now));
    if (auto erased = PersonStore::MarkErased(txn, anonymised); !erased.ok()) return erased;
    auto event = events::NewEvent(kProducer, "person", person_id, anonymised.version(), clock_);
    event.set_traceparent(call.trace.ToHeader());
    event.mutable_profile_erased()->set_person_id(person_id);
    return Outbox::Append(txn, std::move(event), clock_);
  });
  if (!status.ok()) return status;
  for (const Person& report : moved) CacheWrite(report);
  CacheWrite(anonymised, /*erased=*/true);
  v1::ErasePersonResponse response;
  response.set_person_id(person_id);
  response.set_version(anonymised.version());
  return response;
}

absl::StatusOr<v1::SearchPeopleResponse> ProfilesApp::SearchPeople(const CallContext& call,
                                                                   const v1::SearchPeopleRequest& request) {
  errors::Violations v;
  const int page_size = request.page_size() == 0 ? 50 : request.page_size();
  if (page_size < 1 || page_size > 500) v.Add("page_size", "range_1_500", "must be between 1 and 500");
  if (!request.page_token().empty() && !IsUuid(request.page_token())) {
    v.Add("page_token", "token", "pass the next_page_token of the previous page");
  }
  if (request.min_career_level() < 0 || request.max_career_level() < 0 ||
      (request.max_career_level() > 0 && request.min_career_level() > request.max_career_level())) {
    v.Add("max_career_level", "range", "needs 0 <= min_career_level <= max_career_level");
  }
  if (!v.empty()) return v.ToStatus();
  SearchFilter filter{request.department(),       request.skill(),
                      request.focus_area(),       request.role(),
                      request.min_career_level(), request.max_career_level(),
                      request.time_zone(),        request.include_inactive()};
  // One more than the page tells whether another page follows.
  auto found = store_.Search(filter, page_size + 1, request.page_token());
  if (!found.ok()) return found.status();
  const bool more = static_cast<int>(found->size()) > page_size;
  if (more) found->resize(static_cast<size_t>(page_size));
  auto people = ViewsFor(call.caller, std::move(*found));
  if (!people.ok()) return people.status();
  v1::SearchPeopleResponse response;
  for (auto& person : *people) *response.add_people() = std::move(person);
  if (more) response.set_next_page_token(response.people(page_size - 1).person_id());
  return response;
}

absl::StatusOr<v1::GetReportingChainResponse> ProfilesApp::GetReportingChain(
    const CallContext& call, const v1::GetReportingChainRequest& request) {
  const std::string& person_id = request.person_id();
  if (auto valid = RequireUuid("person_id", person_id); !valid.ok()) return valid;
  if (auto exists = store_.Get(person_id); !exists.ok()) return exists.status();
  auto chain = store_.ReportingChain(person_id);
  if (!chain.ok()) return chain.status();
  auto managers = ViewsFor(call.caller, std::move(*chain));
  if (!managers.ok()) return managers.status();
  v1::GetReportingChainResponse response;
  for (auto& manager : *managers) *response.add_managers() = std::move(manager);
  return response;
}

absl::StatusOr<Person> ProfilesApp::SetGoalStatus(const CallContext& call, const v1::SetGoalStatusRequest& request) {
  if (auto valid = RequireUuid("person_id", request.person_id()); !valid.ok()) return valid;
  if (call.caller.id != request.person_id() && !call.caller.IsService()) {
    return errors::PermissionDenied("a goal's status is set by its owner or by the evaluation service");
  }
  if (request.status() == common::v1::GOAL_STATUS_UNSPECIFIED) {
    return errors::InvalidArgument("status", "required", "must be ACTIVE, ACHIEVED or ABANDONED");
  }
  return Change(call, request.person_id(), request.expected_version(), [&](Person& stored) -> absl::Status {
    for (auto& goal : *stored.mutable_goals()) {
      if (goal.goal_id() == request.goal_id()) {
        goal.set_status(request.status());
        return absl::OkStatus();
      }
    }
    return errors::NotFound("goal", request.goal_id());
  });
}

absl::StatusOr<v1::GetExclusionsResponse> ProfilesApp::GetExclusions(const CallContext& call,
                                                                     const v1::GetExclusionsRequest& request) {
  const std::string& person_id = request.person_id();
  if (auto valid = RequireUuid("person_id", person_id); !valid.ok()) return valid;
  // Who declared a conflict with you is not yours to see: services and admins only.
  if (!IsAdministrative(call.caller)) return errors::PermissionDenied("exclusions are for matching and admins");
  auto ids = store_.Exclusions(person_id);
  if (!ids.ok()) return ids.status();
  v1::GetExclusionsResponse response;
  for (auto& id : *ids) response.add_person_ids(std::move(id));
  return response;
}

absl::StatusOr<StreamPage<Person>> ProfilesApp::ListPeople(const CallContext& call,
                                                           const v1::ListPeopleRequest& request,
                                                           const std::string& cursor) {
  if (!IsAdministrative(call.caller)) {
    return errors::PermissionDenied("listing everyone is for services, HR and programme admins");
  }
  ListFilter filter;
  filter.include_departed = request.include_departed();
  if (request.has_updated_after()) {
    filter.updated_after =
        absl::FromUnixSeconds(request.updated_after().seconds()) + absl::Nanoseconds(request.updated_after().nanos());
  }
  // Keyset paging on the person id: memory holds one page whatever the directory's size.
  auto people = store_.ListPage(cursor, kListPageSize, filter);
  if (!people.ok()) return people.status();
  StreamPage<Person> page;
  if (static_cast<int>(people->size()) == kListPageSize) page.next_cursor = people->back().person_id();
  page.items = std::move(*people);
  return page;
}

absl::StatusOr<std::unique_ptr<ImportSink>> ProfilesApp::ImportPeople(const CallContext& call) {
  if (!call.caller.Has(roles::kHrIntegration) && !call.caller.IsService()) {
    return errors::PermissionDenied("HR import needs the hr_integration role");
  }
  return std::unique_ptr<ImportSink>(std::make_unique<HrImportUpload>(pool_, *this, clock_, call.trace.ToHeader()));
}

}  // namespace mentoring::profiles
