#include "people_app.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <set>

#include "feed_store.h"
#include "mentoring/runtime/errors.h"
#include "pair_content_store.h"
#include "people_store.h"

namespace mentoring::scheduling {

absl::StatusOr<int64_t> PeopleApp::Load() {
  return source_.ForEachBatch([&](const std::vector<profiles::v1::Person>& batch) {
    return pool_.InTransaction([&](pg::Transaction& txn) -> absl::Status {
      for (const auto& person : batch) {
        if (auto stored = PeopleStore::Upsert(txn, ScheduleOf(person)); !stored.ok()) return stored.status();
      }
      return absl::OkStatus();
    });
  });
}

absl::Status PeopleApp::OnCreated(pg::Transaction& txn, const events::v1::EventEnvelope& event,
                                  const events::v1::ProfileCreated& created) {
  return Refresh(txn, event, created.person_id());
}

absl::Status PeopleApp::OnUpdated(pg::Transaction& txn, const events::v1::EventEnvelope& event,
                                  const events::v1::ProfileUpdated& updated) {
  // Only where a person is and when they are free matters here (an empty list: unknown).
  const auto& parts = updated.changed_parts();
  const bool relevant =
      parts.empty() || std::any_of(parts.begin(), parts.end(), [](int part) {
        return part == events::v1::PROFILE_PART_LOCATION || part == events::v1::PROFILE_PART_AVAILABILITY;
      });
  if (!relevant) return absl::OkStatus();
  return Refresh(txn, event, updated.person_id());
}

absl::Status PeopleApp::Refresh(pg::Transaction& txn, const events::v1::EventEnvelope& event,
                                const std::string& person_id) {
  auto kept = PeopleStore::KeptVersion(txn, person_id);
  if (!kept.ok()) return kept.status();
  if (*kept >= event.sequence()) return absl::OkStatus();  // old news, or erased
  // The event says that something changed, never the facts: fetch them (profiles reads are
  // never older than a write that was acknowledged).
  auto person = source_.Fetch(person_id);
  if (!person.ok()) {
    const auto code = person.status().code();
    if (code == absl::StatusCode::kNotFound || code == absl::StatusCode::kInvalidArgument) {
      spdlog::warn("profile event for {} skipped: {}", person_id, person.status().ToString());
      return absl::OkStatus();
    }
    if (code == absl::StatusCode::kInternal || code == absl::StatusCode::kUnknown) return person.status();
    return errors::Unavailable("profiles", person.status().ToString());  // waited out, nothing lost
  }
  auto before = PeopleStore::Upsert(txn, ScheduleOf(*person));
  if (!before.ok()) return before.status();
  if (!before->has_value()) return absl::OkStatus();  // new, or nothing planning keeps changed
  return series_.Replan(txn, person_id, event.traceparent());
}

absl::Status PeopleApp::OnErased(pg::Transaction& txn, const events::v1::EventEnvelope&,
                                 const events::v1::ProfileErased& erased) {
  const std::string& person_id = erased.person_id();
  auto agendas_gone = EraseWrittenBy(txn, person_id);
  if (!agendas_gone.ok()) return agendas_gone.status();
  // Their meetings no longer have an agenda (and nobody is reminded about it). The other
  // person's calendar shows those meetings' SEQUENCE, which moves: so does its ETag.
  std::set<std::string> calendars;
  for (const std::string& meeting_id : *agendas_gone) {
    auto meeting = meetings_.GetForUpdate(txn, meeting_id);
    if (!meeting.ok()) continue;
    meeting->set_has_agenda(false);
    meeting->set_agenda_missing_published(true);
    meeting->set_version(meeting->version() + 1);
    if (auto saved = meetings_.Save(txn, *meeting); !saved.ok()) return saved;
    calendars.insert(meeting->organiser_id());
    calendars.insert(meeting->attendee_id());
  }
  if (auto touched = FeedStore::Touch(txn, calendars); !touched.ok()) return touched;
  if (auto revoked = FeedStore::Revoke(txn, person_id); !revoked.ok()) return revoked.status();
  return PeopleStore::Erase(txn, person_id);
}

}  // namespace mentoring::scheduling
