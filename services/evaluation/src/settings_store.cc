#include "settings_store.h"

namespace mentoring::evaluation {

SettingsStore::SettingsStore()
    : DocumentTable({.table = "programme_settings",
                     .what = "programme settings",
                     .key_column = "programme_id",
                     .key = [](const v1::ProgrammeSettings& s) { return s.programme_id(); },
                     .version = [](const v1::ProgrammeSettings& s) { return s.version(); },
                     .columns = {}}) {}

absl::StatusOr<v1::ProgrammeSettings> SettingsStore::SettingsOf(pg::Executor& db,
                                                                const std::string& programme_id) const {
  v1::ProgrammeSettings settings;
  settings.set_programme_id(programme_id);
  if (programme_id.empty()) return WithDefaults(settings);
  auto found = Find(db, programme_id);
  if (!found.ok()) return found.status();
  return WithDefaults(found->value_or(settings));
}

}  // namespace mentoring::evaluation
