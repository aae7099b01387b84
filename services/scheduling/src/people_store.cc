#include "people_store.h"

#include <google/protobuf/util/message_differencer.h>

#include <limits>

#include "mentoring/runtime/store.h"

namespace mentoring::scheduling {
namespace {

constexpr char kKept[] =
    "SELECT profile_version, time_zone, availability, erased FROM people WHERE person_id = $1 FOR UPDATE";
constexpr char kUpsert[] =
    "INSERT INTO people (person_id, profile_version, time_zone, availability) VALUES ($1, $2, $3, $4) "
    "ON CONFLICT (person_id) DO UPDATE SET profile_version = EXCLUDED.profile_version, time_zone = "
    "EXCLUDED.time_zone, availability = EXCLUDED.availability "
    "WHERE people.profile_version < EXCLUDED.profile_version AND NOT people.erased";
constexpr char kVersion[] = "SELECT profile_version, erased FROM people WHERE person_id = $1";
constexpr char kGetMany[] =
    "SELECT person_id, profile_version, time_zone, availability, erased FROM people WHERE person_id = ANY($1)";
constexpr char kErase[] =
    "INSERT INTO people (person_id, profile_version, erased) VALUES ($1, 0, true) "
    "ON CONFLICT (person_id) DO UPDATE SET time_zone = NULL, availability = NULL, erased = true";

absl::StatusOr<PersonSchedule> Row(const pg::Result& rows, int row, int first) {
  PersonSchedule person;
  person.profile_version = rows.Int(row, first);
  person.time_zone = rows.IsNull(row, first + 1) ? "" : std::string(rows.Text(row, first + 1));
  if (!rows.IsNull(row, first + 2)) {
    auto profile = pg::ParseColumn<profiles::v1::MentoringProfile>(rows, row, first + 2, "person's availability");
    if (!profile.ok()) return profile.status();
    person.windows.assign(profile->availability().begin(), profile->availability().end());
  }
  person.erased = rows.Bool(row, first + 3);
  return person;
}

}  // namespace

bool PersonSchedule::operator==(const PersonSchedule& other) const {
  if (time_zone != other.time_zone || windows.size() != other.windows.size() || erased != other.erased) return false;
  for (size_t i = 0; i < windows.size(); ++i) {
    if (!google::protobuf::util::MessageDifferencer::Equals(windows[i], other.windows[i])) return false;
  }
  return true;
}

PersonSchedule ScheduleOf(const profiles::v1::Person& person) {
  PersonSchedule schedule;
  schedule.person_id = person.person_id();
  schedule.profile_version = person.version();
  schedule.time_zone = person.time_zone();
  schedule.windows.assign(person.mentoring_profile().availability().begin(),
                          person.mentoring_profile().availability().end());
  return schedule;
}

absl::StatusOr<std::optional<PersonSchedule>> PeopleStore::Upsert(pg::Transaction& txn, const PersonSchedule& person) {
  auto kept = txn.Exec(kKept, {person.person_id});
  if (!kept.ok()) return kept.status();
  std::optional<PersonSchedule> before;
  if (kept->rows() > 0) {
    auto row = Row(*kept, 0, 0);
    if (!row.ok()) return row.status();
    if (row->erased || row->profile_version >= person.profile_version) return std::optional<PersonSchedule>();
    before = std::move(*row);
  }
  profiles::v1::MentoringProfile windows;
  for (const auto& window : person.windows) *windows.add_availability() = window;
  auto written = txn.Exec(kUpsert, {person.person_id, person.profile_version, person.time_zone,
                                    pg::Param::Bytes(windows.SerializeAsString())});
  if (!written.ok()) return written.status();
  if (before.has_value()) {
    before->person_id = person.person_id;
    if (*before == person) return std::optional<PersonSchedule>();  // e.g. a title change: nothing planning keeps
  }
  return before;
}

absl::StatusOr<int64_t> PeopleStore::KeptVersion(pg::Executor& db, const std::string& person_id) {
  auto row = db.Exec(kVersion, {person_id});
  if (!row.ok()) return row.status();
  if (row->rows() == 0) return 0;
  return row->Bool(0, 1) ? std::numeric_limits<int64_t>::max() : row->Int(0, 0);
}

absl::StatusOr<std::map<std::string, PersonSchedule>> PeopleStore::Get(pg::Executor& db,
                                                                       const std::vector<std::string>& ids) {
  auto rows = db.Exec(kGetMany, {pg::Param::TextArray(ids)});
  if (!rows.ok()) return rows.status();
  std::map<std::string, PersonSchedule> people;
  for (int i = 0; i < rows->rows(); ++i) {
    auto person = Row(*rows, i, 1);
    if (!person.ok()) return person.status();
    person->person_id = std::string(rows->Text(i, 0));
    people[person->person_id] = std::move(*person);
  }
  return people;
}

absl::Status PeopleStore::Erase(pg::Transaction& txn, const std::string& person_id) {
  return txn.Exec(kErase, {person_id}).status();
}

}  // namespace mentoring::scheduling
