#include "person_writes.h"

#include <algorithm>

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

events::EventEnvelope NewPersonEvent(const Person& person, int64_t sequence, const WriteContext& ctx) {
  auto event = events::NewEvent(kProducer, kAggregate, person.person_id(), sequence, ctx.clock);
  event.set_traceparent(ctx.traceparent);
  return event;
}

}  // namespace

absl::Status WriteNewPerson(pg::Transaction& txn, Person& person, const WriteContext& ctx) {
  std::vector<Person> one{person};
  auto status = WriteNewPeople(txn, one, ctx);
  person = std::move(one.front());
  return status;
}

absl::Status WriteNewPeople(pg::Transaction& txn, std::vector<Person>& people, const WriteContext& ctx) {
  const absl::Time now = ctx.clock.Now();
  std::vector<events::EventEnvelope> created_events;
  for (auto& person : people) {
    if (person.person_id().empty()) person.set_person_id(NewUuidV7(ctx.clock));
    person.set_version(1);
    SetTimestamp(person.mutable_created_at(), now);
    SetTimestamp(person.mutable_updated_at(), now);
    AssignGoalIds(person, ctx.clock);
    auto event = NewPersonEvent(person, 1, ctx);
    auto* created = event.mutable_profile_created();
    created->set_person_id(person.person_id());
    created->set_role(person.mentoring_profile().role());
    created->set_employment_status(person.employment_status());
    created->set_career_level(person.career_level());
    created->set_source(ctx.source);
    created_events.push_back(std::move(event));
  }
  if (auto inserted = PersonStore::InsertMany(txn, people); !inserted.ok()) return inserted;
  return Outbox::AppendMany(txn, std::move(created_events), ctx.clock);
}

absl::StatusOr<bool> WritePersonChange(pg::Transaction& txn, const Person& before, Person& after,
                                       const WriteContext& ctx) {
  after.set_person_id(before.person_id());
  *after.mutable_created_at() = before.created_at();
  after.set_version(before.version());
  *after.mutable_updated_at() = before.updated_at();
  AssignGoalIds(after, ctx.clock);
  const auto parts = ChangedParts(before, after);
  if (parts.empty()) return false;
  const bool departed = before.employment_status() != common::v1::EMPLOYMENT_STATUS_DEPARTED &&
                        after.employment_status() == common::v1::EMPLOYMENT_STATUS_DEPARTED;
  // One version per event: a departure that also changed other parts takes two.
  after.set_version(before.version() + 1 + (departed ? 1 : 0));
  SetTimestamp(after.mutable_updated_at(), ctx.clock.Now());
  const bool exclusions_changed =
      std::find(parts.begin(), parts.end(), events::v1::PROFILE_PART_EXCLUSIONS) != parts.end();
  if (auto written = PersonStore::Update(txn, after, exclusions_changed); !written.ok()) return written;

  auto updated = NewPersonEvent(after, before.version() + 1, ctx);
  updated.mutable_profile_updated()->set_person_id(after.person_id());
  for (auto part : parts) updated.mutable_profile_updated()->add_changed_parts(part);
  updated.mutable_profile_updated()->set_employment_status(after.employment_status());
  if (auto appended = Outbox::Append(txn, std::move(updated), ctx.clock); !appended.ok()) return appended;
  if (departed) {
    auto deactivated = NewPersonEvent(after, after.version(), ctx);
    deactivated.mutable_profile_deactivated()->set_person_id(after.person_id());
    deactivated.mutable_profile_deactivated()->set_employment_status(after.employment_status());
    if (auto appended = Outbox::Append(txn, std::move(deactivated), ctx.clock); !appended.ok()) return appended;
  }
  return true;
}

}  // namespace mentoring::profiles
