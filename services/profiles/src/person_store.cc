#include "person_store.h"

#include <absl/container/flat_hash_map.h>
#include <absl/container/flat_hash_set.h>

#include "mentoring/runtime/errors.h"

namespace mentoring::profiles {
namespace {

std::string Rfc3339(const google::protobuf::Timestamp& ts) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos()),
                          absl::UTCTimeZone());
}

absl::StatusOr<std::vector<Person>> Decode(const pg::Result& rows, int column) {
  std::vector<Person> people(static_cast<size_t>(rows.rows()));
  for (int i = 0; i < rows.rows(); ++i) {
    if (!people[static_cast<size_t>(i)].ParseFromString(rows.Bytes(i, column))) {
      return absl::InternalError("stored person document does not parse");
    }
  }
  return people;
}

}  // namespace

absl::StatusOr<Person> PersonStore::Get(const std::string& person_id) {
  auto rows = pool_.Exec("SELECT document FROM people WHERE person_id = $1", {person_id});
  if (!rows.ok()) return rows.status();
  if (rows->rows() == 0) return errors::NotFound("person", person_id);
  auto people = Decode(*rows, 0);
  if (!people.ok()) return people.status();
  return std::move(people->front());
}

absl::StatusOr<std::vector<Person>> PersonStore::GetMany(const std::vector<std::string>& person_ids) {
  auto rows = pool_.Exec("SELECT document FROM people WHERE person_id = ANY($1::uuid[])",
                         {pg::Param::TextArray(person_ids)});
  if (!rows.ok()) return rows.status();
  auto found = Decode(*rows, 0);
  if (!found.ok()) return found.status();
  absl::flat_hash_map<std::string, Person*> by_id;
  for (auto& p : *found) by_id[p.person_id()] = &p;
  std::vector<Person> ordered;
  absl::flat_hash_set<std::string> seen;
  for (const auto& id : person_ids) {
    auto it = by_id.find(id);
    if (it != by_id.end() && seen.insert(id).second) ordered.push_back(*it->second);
  }
  return ordered;
}

absl::StatusOr<std::vector<Person>> PersonStore::ListPage(const std::string& after_id, int limit,
                                                          const ListFilter& filter) {
  const std::optional<std::string> updated_after =
      filter.updated_after ? std::optional<std::string>(absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", *filter.updated_after, absl::UTCTimeZone()))
                           : std::nullopt;
  auto rows = pool_.Exec(
      "SELECT document FROM people WHERE person_id > $1::uuid "
      "AND ($2::timestamptz IS NULL OR updated_at > $2::timestamptz) "
      "AND ($3 OR employment_status <> $4) ORDER BY person_id LIMIT $5",
      {after_id.empty() ? std::string("00000000-0000-0000-0000-000000000000") : after_id, updated_after,
       filter.include_departed, static_cast<int>(common::v1::EMPLOYMENT_STATUS_DEPARTED), limit});
  if (!rows.ok()) return rows.status();
  return Decode(*rows, 0);
}

absl::Status PersonStore::Insert(pg::Transaction& txn, const Person& person) {
  auto result = txn.Exec(
      "INSERT INTO people (person_id, hr_employee_id, employment_status, manager_id, department, career_level, "
      "document, version, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
      {person.person_id(), person.hr_employee_id(), static_cast<int>(person.employment_status()),
       person.manager_id().empty() ? pg::Param(nullptr) : pg::Param(person.manager_id()), person.department(),
       person.career_level(), pg::Param::Bytes(person.SerializeAsString()), person.version(),
       Rfc3339(person.created_at()), Rfc3339(person.updated_at())});
  if (result.status().code() == absl::StatusCode::kAlreadyExists) {
    return errors::AlreadyExists("person", "hr_employee_id '" + person.hr_employee_id() + "'");
  }
  return result.status();
}

absl::StatusOr<std::optional<Person>> PersonStore::GetForUpdate(pg::Transaction& txn, const std::string& person_id) {
  auto rows = txn.Exec("SELECT document FROM people WHERE person_id = $1 FOR UPDATE", {person_id});
  if (!rows.ok()) return rows.status();
  if (rows->rows() == 0) return std::optional<Person>();
  auto people = Decode(*rows, 0);
  if (!people.ok()) return people.status();
  return std::optional<Person>(std::move(people->front()));
}

absl::Status PersonStore::Update(pg::Transaction& txn, const Person& person) {
  auto result = txn.Exec(
      "UPDATE people SET hr_employee_id = $2, employment_status = $3, manager_id = $4, department = $5, "
      "career_level = $6, document = $7, version = $8, updated_at = $9 WHERE person_id = $1",
      {person.person_id(), person.hr_employee_id(), static_cast<int>(person.employment_status()),
       person.manager_id().empty() ? pg::Param(nullptr) : pg::Param(person.manager_id()), person.department(),
       person.career_level(), pg::Param::Bytes(person.SerializeAsString()), person.version(),
       Rfc3339(person.updated_at())});
  if (result.status().code() == absl::StatusCode::kAlreadyExists) {
    return errors::AlreadyExists("person", "hr_employee_id '" + person.hr_employee_id() + "'");
  }
  return result.status();
}

absl::StatusOr<std::vector<std::string>> PersonStore::Missing(pg::Transaction& txn,
                                                              const std::vector<std::string>& person_ids) {
  if (person_ids.empty()) return std::vector<std::string>{};
  auto rows = txn.Exec(
      "SELECT id FROM unnest($1::uuid[]) AS wanted(id) WHERE NOT EXISTS "
      "(SELECT 1 FROM people WHERE person_id = wanted.id)",
      {pg::Param::TextArray(person_ids)});
  if (!rows.ok()) return rows.status();
  std::vector<std::string> missing;
  for (int i = 0; i < rows->rows(); ++i) missing.emplace_back(rows->Text(i, 0));
  return missing;
}

}  // namespace mentoring::profiles
