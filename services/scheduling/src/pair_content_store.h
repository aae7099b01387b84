#pragma once
// Persistence of what only the two people of a relationship read: the mentee's agenda for a
// meeting, notes, and action items. Kept apart from meetings so that no meeting body,
// event or calendar output can hold it, and erasing what a person wrote is a delete.
#include <absl/status/statusor.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "mentoring/runtime/store.h"
#include "mentoring/scheduling/v1/scheduling.pb.h"

namespace mentoring::scheduling {

class NoteStore : public pg::DocumentTable<v1::Note> {
 public:
  NoteStore();
  absl::StatusOr<std::vector<v1::Note>> OfMeeting(pg::Executor& db, const std::string& meeting_id,
                                                  const std::string& after_id, int limit) const;
};

class ActionItemStore : public pg::DocumentTable<v1::ActionItem> {
 public:
  ActionItemStore();
  absl::StatusOr<std::vector<v1::ActionItem>> OfRelationship(pg::Executor& db, const std::string& relationship_id,
                                                             bool open_only, const std::string& after_id,
                                                             int limit) const;
};

class AgendaStore {
 public:
  static absl::Status Set(pg::Executor& db, const std::string& meeting_id, const std::string& author_id,
                          const std::string& text);
  static absl::StatusOr<std::optional<std::string>> Get(pg::Executor& db, const std::string& meeting_id);
};

// Deletes what `person_id` wrote: agendas, notes, action items (profile.erased). What the
// other person wrote stays theirs. Returns the meetings whose agenda went.
absl::StatusOr<std::vector<std::string>> EraseWrittenBy(pg::Transaction& txn, const std::string& person_id);
// How many notes each meeting has.
absl::StatusOr<std::map<std::string, int>> NoteCounts(pg::Executor& db, const std::vector<std::string>& meeting_ids);

}  // namespace mentoring::scheduling
