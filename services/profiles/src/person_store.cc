#include "person_store.h"

#include <absl/container/flat_hash_map.h>
#include <absl/container/flat_hash_set.h>
#include <absl/strings/escaping.h>

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

// Search columns derived from the document.
pg::Param SkillTags(const Person& person) {
  std::vector<std::string> tags;
  for (const auto& skill : person.mentoring_profile().skills()) tags.push_back(skill.name());
  return pg::Param::TextArray(tags);
}

pg::Param FocusAreas(const Person& person) {
  std::vector<int64_t> areas;
  for (const auto& expertise : person.mentoring_profile().expertise()) areas.push_back(expertise.focus_area());
  return pg::Param::BigintArray(areas);
}

absl::Status WriteExclusions(pg::Transaction& txn, const Person& person) {
  auto cleared = txn.Exec("DELETE FROM exclusions WHERE person_id = $1", {person.person_id()});
  if (!cleared.ok() || person.excluded_person_ids().empty()) return cleared.status();
  std::vector<std::string> ids(person.excluded_person_ids().begin(), person.excluded_person_ids().end());
  return txn
      .Exec("INSERT INTO exclusions (person_id, excluded_id) SELECT $1, unnest($2::uuid[]) ON CONFLICT DO NOTHING",
            {person.person_id(), pg::Param::TextArray(ids)})
      .status();
}

}  // namespace

absl::StatusOr<Person> PersonStore::Get(const std::string& person_id) {
  auto rows = pool_.Exec("SELECT document FROM people WHERE person_id = $1 AND NOT erased", {person_id});
  if (!rows.ok()) return rows.status();
  if (rows->rows() == 0) return errors::NotFound("person", person_id);
  auto people = Decode(*rows, 0);
  if (!people.ok()) return people.status();
  return std::move(people->front());
}

absl::StatusOr<std::vector<Person>> PersonStore::GetMany(const std::vector<std::string>& person_ids) {
  auto rows = pool_.Exec("SELECT document FROM people WHERE person_id = ANY($1::uuid[]) AND NOT erased",
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
      filter.updated_after ? std::optional<std::string>(
                                 absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", *filter.updated_after, absl::UTCTimeZone()))
                           : std::nullopt;
  auto rows = pool_.Exec(
      "SELECT document FROM people WHERE person_id > $1::uuid AND NOT erased "
      "AND ($2::timestamptz IS NULL OR updated_at > $2::timestamptz) "
      "AND ($3 OR employment_status <> $4) ORDER BY person_id LIMIT $5",
      {after_id.empty() ? std::string("00000000-0000-0000-0000-000000000000") : after_id, updated_after,
       filter.include_departed, static_cast<int>(common::v1::EMPLOYMENT_STATUS_DEPARTED), limit});
  if (!rows.ok()) return rows.status();
  return Decode(*rows, 0);
}

absl::Status PersonStore::Insert(pg::Transaction& txn, const Person& person) { return InsertMany(txn, {person}); }

absl::Status PersonStore::InsertMany(pg::Transaction& txn, const std::vector<Person>& people) {
  if (people.empty()) return absl::OkStatus();
  std::vector<std::string> ids, hr_ids, statuses, managers, departments, levels, documents, versions, created, updated,
      roles, zones, skills, focus;
  for (const auto& p : people) {
    ids.push_back(p.person_id());
    hr_ids.push_back(p.hr_employee_id());
    statuses.push_back(std::to_string(p.employment_status()));
    managers.push_back(p.manager_id());
    departments.push_back(p.department());
    levels.push_back(std::to_string(p.career_level()));
    documents.push_back(absl::Base64Escape(p.SerializeAsString()));
    versions.push_back(std::to_string(p.version()));
    created.push_back(Rfc3339(p.created_at()));
    updated.push_back(Rfc3339(p.updated_at()));
    roles.push_back(std::to_string(p.mentoring_profile().role()));
    zones.push_back(p.time_zone());
    skills.push_back(SkillTags(p).text());
    focus.push_back(FocusAreas(p).text());
  }
  auto result = txn.Exec(
      "INSERT INTO people (person_id, hr_employee_id, employment_status, manager_id, department, career_level, "
      "document, version, created_at, updated_at, role, time_zone, skills, focus_areas) "
      "SELECT i::uuid, h, s::smallint, NULLIF(m, '')::uuid, d, l::int, decode(doc, 'base64'), v::bigint, "
      "c::timestamptz, u::timestamptz, r::smallint, z, sk::text[], f::int[] "
      "FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], "
      "$9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[]) "
      "AS x(i, h, s, m, d, l, doc, v, c, u, r, z, sk, f)",
      {pg::Param::TextArray(ids), pg::Param::TextArray(hr_ids), pg::Param::TextArray(statuses),
       pg::Param::TextArray(managers), pg::Param::TextArray(departments), pg::Param::TextArray(levels),
       pg::Param::TextArray(documents), pg::Param::TextArray(versions), pg::Param::TextArray(created),
       pg::Param::TextArray(updated), pg::Param::TextArray(roles), pg::Param::TextArray(zones),
       pg::Param::TextArray(skills), pg::Param::TextArray(focus)});
  if (result.status().code() == absl::StatusCode::kAlreadyExists) {
    return errors::AlreadyExists("person", people.size() == 1 ? "hr_employee_id '" + people[0].hr_employee_id() + "'"
                                                              : "one of these hr_employee_ids");
  }
  if (!result.ok()) return result.status();
  for (const auto& p : people) {
    if (!p.excluded_person_ids().empty()) {
      if (auto written = WriteExclusions(txn, p); !written.ok()) return written;
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<Person>> PersonStore::GetForUpdate(pg::Transaction& txn, const std::string& person_id) {
  auto rows = txn.Exec("SELECT document FROM people WHERE person_id = $1 AND NOT erased FOR UPDATE", {person_id});
  if (!rows.ok()) return rows.status();
  if (rows->rows() == 0) return std::optional<Person>();
  auto people = Decode(*rows, 0);
  if (!people.ok()) return people.status();
  return std::optional<Person>(std::move(people->front()));
}

absl::StatusOr<std::vector<Person>> PersonStore::GetManyForUpdate(pg::Transaction& txn,
                                                                  const std::vector<std::string>& person_ids) {
  // In id order, so two writers locking overlapping sets cannot deadlock.
  auto rows = txn.Exec(
      "SELECT document FROM people WHERE person_id = ANY($1::uuid[]) AND NOT erased ORDER BY person_id FOR UPDATE",
      {pg::Param::TextArray(person_ids)});
  if (!rows.ok()) return rows.status();
  return Decode(*rows, 0);
}

absl::StatusOr<std::vector<Person>> PersonStore::DirectReportsForUpdate(pg::Transaction& txn,
                                                                        const std::string& manager_id) {
  auto rows = txn.Exec("SELECT document FROM people WHERE manager_id = $1 AND NOT erased ORDER BY person_id FOR UPDATE",
                       {manager_id});
  if (!rows.ok()) return rows.status();
  return Decode(*rows, 0);
}

absl::Status PersonStore::Update(pg::Transaction& txn, const Person& person, bool exclusions_changed) {
  auto result = txn.Exec(
      "UPDATE people SET hr_employee_id = $2, employment_status = $3, manager_id = $4, department = $5, "
      "career_level = $6, document = $7, version = $8, updated_at = $9, role = $10, time_zone = $11, "
      "skills = $12, focus_areas = $13 WHERE person_id = $1",
      {person.person_id(), person.hr_employee_id(), static_cast<int>(person.employment_status()),
       person.manager_id().empty() ? pg::Param(nullptr) : pg::Param(person.manager_id()), person.department(),
       person.career_level(), pg::Param::Bytes(person.SerializeAsString()), person.version(),
       Rfc3339(person.updated_at()), static_cast<int>(person.mentoring_profile().role()), person.time_zone(),
       SkillTags(person), FocusAreas(person)});
  if (result.status().code() == absl::StatusCode::kAlreadyExists) {
    return errors::AlreadyExists("person", "hr_employee_id '" + person.hr_employee_id() + "'");
  }
  if (!result.ok()) return result.status();
  return exclusions_changed ? WriteExclusions(txn, person) : absl::OkStatus();
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

absl::StatusOr<bool> PersonStore::AnyErased(pg::Transaction& txn, const std::vector<std::string>& person_ids) {
  auto rows = txn.Exec("SELECT EXISTS (SELECT 1 FROM people WHERE person_id = ANY($1::uuid[]) AND erased)",
                       {pg::Param::TextArray(person_ids)});
  if (!rows.ok()) return rows.status();
  return rows->Bool(0, 0);
}

absl::StatusOr<std::vector<Person>> PersonStore::Search(const SearchFilter& filter, int limit,
                                                        const std::string& after_id) {
  // Each filter is "parameter is NULL or the row matches", so one statement serves all.
  const auto optional_text = [](const std::string& v) { return v.empty() ? pg::Param(nullptr) : pg::Param(v); };
  const auto optional_int = [](int v) { return v == 0 ? pg::Param(nullptr) : pg::Param(v); };
  std::optional<std::vector<int64_t>> roles;
  if (filter.role == common::v1::MENTORING_ROLE_MENTOR || filter.role == common::v1::MENTORING_ROLE_MENTEE) {
    roles = std::vector<int64_t>{filter.role, common::v1::MENTORING_ROLE_BOTH};
  } else if (filter.role != common::v1::MENTORING_ROLE_UNSPECIFIED) {
    roles = std::vector<int64_t>{filter.role};
  }
  auto rows = pool_.Exec(
      "SELECT document FROM people WHERE NOT erased AND person_id > $1::uuid "
      "AND ($2::text IS NULL OR department = $2) "
      "AND ($3::text IS NULL OR skills @> ARRAY[$3::text]) "
      "AND ($4::int IS NULL OR focus_areas @> ARRAY[$4::int]) "
      "AND ($5::int[] IS NULL OR role = ANY($5::int[])) "
      "AND ($6::int IS NULL OR career_level >= $6) AND ($7::int IS NULL OR career_level <= $7) "
      "AND ($8::text IS NULL OR time_zone = $8) "
      "AND ($9 OR employment_status = 1) "
      "ORDER BY person_id LIMIT $10",
      {after_id.empty() ? std::string("00000000-0000-0000-0000-000000000000") : after_id,
       optional_text(filter.department), optional_text(filter.skill), optional_int(filter.focus_area),
       roles ? pg::Param::BigintArray(*roles) : pg::Param(nullptr), optional_int(filter.min_level),
       optional_int(filter.max_level), optional_text(filter.time_zone), filter.include_inactive, limit});
  if (!rows.ok()) return rows.status();
  return Decode(*rows, 0);
}

absl::StatusOr<std::vector<Person>> PersonStore::ReportingChain(const std::string& person_id) {
  // Walks manager links upwards; the depth bound stops a (never expected) cycle.
  auto rows = pool_.Exec(
      "WITH RECURSIVE chain (person_id, depth) AS ("
      "  SELECT manager_id, 1 FROM people WHERE person_id = $1 AND manager_id IS NOT NULL"
      "  UNION ALL"
      "  SELECT p.manager_id, c.depth + 1 FROM chain c JOIN people p ON p.person_id = c.person_id"
      "  WHERE p.manager_id IS NOT NULL AND c.depth < 64)"
      "SELECT p.document FROM chain c JOIN people p ON p.person_id = c.person_id "
      "WHERE NOT p.erased ORDER BY c.depth",
      {person_id});
  if (!rows.ok()) return rows.status();
  return Decode(*rows, 0);
}

absl::StatusOr<std::vector<std::string>> PersonStore::Exclusions(const std::string& person_id) {
  auto rows = pool_.Exec(
      "SELECT excluded_id::text FROM exclusions WHERE person_id = $1 "
      "UNION SELECT person_id::text FROM exclusions WHERE excluded_id = $1 ORDER BY 1",
      {person_id});
  if (!rows.ok()) return rows.status();
  std::vector<std::string> ids;
  for (int i = 0; i < rows->rows(); ++i) ids.emplace_back(rows->Text(i, 0));
  return ids;
}

absl::Status PersonStore::MarkErased(pg::Transaction& txn, const Person& anonymised) {
  auto result = txn.Exec(
      "UPDATE people SET hr_employee_id = $2, employment_status = $3, manager_id = NULL, department = '', "
      "document = $4, version = $5, updated_at = $6, role = 0, time_zone = '', skills = '{}', focus_areas = '{}', "
      "erased = true WHERE person_id = $1",
      {anonymised.person_id(), anonymised.hr_employee_id(), static_cast<int>(anonymised.employment_status()),
       pg::Param::Bytes(anonymised.SerializeAsString()), anonymised.version(), Rfc3339(anonymised.updated_at())});
  if (!result.ok()) return result.status();
  return txn.Exec("DELETE FROM exclusions WHERE person_id = $1", {anonymised.person_id()}).status();
}

}  // namespace mentoring::profiles
