#pragma once
// Persistence of programme settings: the only code that knows the programme_settings table.
#include <absl/status/statusor.h>

#include <string>

#include "evaluation_rules.h"
#include "mentoring/runtime/store.h"

namespace mentoring::evaluation {

class SettingsStore : public pg::DocumentTable<v1::ProgrammeSettings> {
 public:
  SettingsStore();
  // The programme's settings with the defaults filled in (version 0 while never set; the
  // suite's defaults for a relationship outside any programme).
  absl::StatusOr<v1::ProgrammeSettings> SettingsOf(pg::Executor& db, const std::string& programme_id) const;
};

}  // namespace mentoring::evaluation
