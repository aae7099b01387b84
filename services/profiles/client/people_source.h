#pragma once
// Where another service learns people's facts: the profiles service, as use cases need it
// and without its transport (profiles_client.h is the gRPC one; tests use a fake).
#include <absl/status/statusor.h>

#include <functional>
#include <string>
#include <vector>

#include "mentoring/profiles/v1/profiles.pb.h"

namespace mentoring::profiles {

class PeopleSource {
 public:
  virtual ~PeopleSource() = default;

  // The person as the owner has them now (never older than an event about them that was
  // read); NOT_FOUND when the owner does not know them (erased, or never existed).
  virtual absl::StatusOr<v1::Person> Fetch(const std::string& person_id) const = 0;
  // Every person, departed ones included, handed to `take` a batch at a time; stops at the
  // first error `take` returns. Returns how many people were taken.
  virtual absl::StatusOr<int64_t> ForEachBatch(
      const std::function<absl::Status(const std::vector<v1::Person>&)>& take) const = 0;
};

}  // namespace mentoring::profiles
