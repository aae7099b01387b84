#pragma once
// Persistence of people: the only code that knows the people table.
#include <absl/status/statusor.h>
#include <absl/time/time.h>

#include <optional>
#include <string>
#include <vector>

#include "mentoring/profiles/v1/profiles.pb.h"
#include "mentoring/runtime/postgres.h"

namespace mentoring::profiles {

using mentoring::profiles::v1::Person;

struct ListFilter {
  std::optional<absl::Time> updated_after;
  bool include_departed = false;
};

struct SearchFilter {
  std::string department;
  std::string skill;
  int focus_area = 0;
  common::v1::MentoringRole role = common::v1::MENTORING_ROLE_UNSPECIFIED;
  int min_level = 0;
  int max_level = 0;
  std::string time_zone;
  bool include_inactive = false;
};

class PersonStore {
 public:
  explicit PersonStore(pg::Pool& pool) : pool_(pool) {}

  absl::StatusOr<Person> Get(const std::string& person_id);
  // The people found, in the order asked; ids not found are left out.
  absl::StatusOr<std::vector<Person>> GetMany(const std::vector<std::string>& person_ids);
  // One page of a keyset scan ordered by person id, starting after `after_id`.
  absl::StatusOr<std::vector<Person>> ListPage(const std::string& after_id, int limit, const ListFilter& filter);

  absl::StatusOr<std::vector<Person>> Search(const SearchFilter& filter, int limit, const std::string& after_id);
  // Managers of `person_id`, nearest first.
  absl::StatusOr<std::vector<Person>> ReportingChain(const std::string& person_id);
  // Everyone in a declared conflict with `person_id`, either way round.
  absl::StatusOr<std::vector<std::string>> Exclusions(const std::string& person_id);

  // Writes also keep the search columns and the exclusions table in step with the document.
  static absl::Status Insert(pg::Transaction& txn, const Person& person);
  static absl::Status InsertMany(pg::Transaction& txn, const std::vector<Person>& people);
  // Locks the row until the transaction ends; nullopt when there is no such person.
  static absl::StatusOr<std::optional<Person>> GetForUpdate(pg::Transaction& txn, const std::string& person_id);
  // The same for many people in one statement; those not found are left out.
  static absl::StatusOr<std::vector<Person>> GetManyForUpdate(pg::Transaction& txn,
                                                              const std::vector<std::string>& person_ids);
  // The people who report to `manager_id`, locked, in id order.
  static absl::StatusOr<std::vector<Person>> DirectReportsForUpdate(pg::Transaction& txn,
                                                                    const std::string& manager_id);
  // `exclusions_changed`: rewrite the exclusions rows too.
  static absl::Status Update(pg::Transaction& txn, const Person& person, bool exclusions_changed);
  // Replaces the row with an anonymised one that reads as not found from then on.
  static absl::Status MarkErased(pg::Transaction& txn, const Person& anonymised);
  // The ids among `person_ids` that do not exist.
  static absl::StatusOr<std::vector<std::string>> Missing(pg::Transaction& txn,
                                                          const std::vector<std::string>& person_ids);
  // Whether any of `person_ids` was erased.
  static absl::StatusOr<bool> AnyErased(pg::Transaction& txn, const std::vector<std::string>& person_ids);

 private:
  pg::Pool& pool_;
};

}  // namespace mentoring::profiles
