#include "pair_content_app.h"

#include <absl/strings/str_cat.h>

#include "feed_store.h"
#include "meeting_rules.h"
#include "mentoring/runtime/errors.h"
#include "mentoring/runtime/ids.h"
#include "mentoring/runtime/paging.h"
#include "mentoring/runtime/proto_time.h"
#include "relationship_store.h"

namespace mentoring::scheduling {
namespace {

constexpr size_t kMaxAgenda = 10000;
constexpr size_t kMaxNote = 10000;
constexpr size_t kMaxItem = 2000;
constexpr int kDefaultPage = 50;
constexpr int kMaxPage = 200;

absl::Status CheckText(const std::string& field, const std::string& text, size_t max) {
  if (text.empty()) return errors::InvalidArgument(field, "required", "write something");
  if (text.size() > max) return errors::InvalidArgument(field, "max_length", absl::StrCat("at most ", max, " bytes"));
  if (!errors::IsUtf8(text)) return errors::InvalidArgument(field, "utf8", "must be UTF-8 text");
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<v1::Meeting> PairContentApp::PairMeeting(pg::Executor& db, const CallContext& call,
                                                        const std::string& meeting_id) {
  if (meeting_id.empty()) return errors::InvalidArgument("meeting_id", "required", "name the meeting");
  auto meeting = meetings_.Get(db, meeting_id);
  if (!meeting.ok()) return meeting.status();
  if (auto viewer = ViewerOf(call.caller, meeting->organiser_id(), meeting->attendee_id(), true); !viewer.ok()) {
    return viewer.status();
  }
  return meeting;
}

absl::StatusOr<v1::Meeting> PairContentApp::SetAgenda(const CallContext& call, const v1::SetAgendaRequest& request) {
  if (auto valid = CheckText("agenda", request.agenda(), kMaxAgenda); !valid.ok()) return valid;
  return pg::InTransaction(pool_, [&](pg::Transaction& txn) -> absl::StatusOr<v1::Meeting> {
    if (auto seen = PairMeeting(txn, call, request.meeting_id()); !seen.ok()) return seen.status();
    auto meeting = meetings_.GetForUpdate(txn, request.meeting_id());
    if (!meeting.ok()) return meeting.status();
    // The mentee owns the agenda: their development, their questions.
    if (call.caller.id != meeting->organiser_id()) {
      return errors::PermissionDenied("the mentee (the meeting's organiser) sets its agenda");
    }
    if (meeting->state() != v1::MEETING_STATE_SCHEDULED) {
      return errors::FailedPrecondition("MEETING_NOT_SCHEDULED", "an agenda is for a meeting still ahead");
    }
    if (auto set = AgendaStore::Set(txn, meeting->meeting_id(), call.caller.id, request.agenda()); !set.ok())
      return set;
    meeting->set_has_agenda(true);
    meeting->set_version(meeting->version() + 1);
    SetTimestamp(meeting->mutable_updated_at(), clock_.Now());
    if (auto saved = meetings_.Save(txn, *meeting); !saved.ok()) return saved;
    // The calendars show the meeting's SEQUENCE, which moved: their ETags move with it.
    if (auto touched = FeedStore::Touch(txn, {meeting->organiser_id(), meeting->attendee_id()}); !touched.ok())
      return touched;
    meeting->set_agenda(request.agenda());
    return meeting;
  });
}

absl::StatusOr<v1::Note> PairContentApp::AddNote(const CallContext& call, const v1::AddNoteRequest& request) {
  if (auto valid = CheckText("text", request.text(), kMaxNote); !valid.ok()) return valid;
  auto meeting = PairMeeting(pool_, call, request.meeting_id());
  if (!meeting.ok()) return meeting.status();
  v1::Note note;
  note.set_note_id(NewUuidV7(clock_));
  note.set_meeting_id(meeting->meeting_id());
  note.set_author_id(call.caller.id);
  note.set_text(request.text());
  SetTimestamp(note.mutable_created_at(), clock_.Now());
  if (auto inserted = notes_.Insert(pool_, note); !inserted.ok()) return inserted;
  return note;
}

absl::StatusOr<v1::ListNotesResponse> PairContentApp::ListNotes(const CallContext& call,
                                                                const v1::ListNotesRequest& request) {
  auto limit = PageSize(request.page_size(), {.fallback = kDefaultPage, .max = kMaxPage});
  if (!limit.ok()) return limit.status();
  auto meeting = PairMeeting(pool_, call, request.meeting_id());
  if (!meeting.ok()) return meeting.status();
  auto notes = notes_.OfMeeting(pool_, meeting->meeting_id(), request.page_token(), *limit + 1);
  if (!notes.ok()) return notes.status();
  v1::ListNotesResponse response;
  for (int i = 0; i < static_cast<int>(notes->size()) && i < *limit; ++i) *response.add_notes() = (*notes)[i];
  if (static_cast<int>(notes->size()) > *limit) response.set_next_page_token(response.notes().rbegin()->note_id());
  return response;
}

absl::StatusOr<v1::ActionItem> PairContentApp::AddActionItem(const CallContext& call,
                                                             const v1::AddActionItemRequest& request) {
  if (auto valid = CheckText("text", request.text(), kMaxItem); !valid.ok()) return valid;
  auto meeting = PairMeeting(pool_, call, request.meeting_id());
  if (!meeting.ok()) return meeting.status();
  const std::string owner = request.owner_id().empty() ? meeting->organiser_id() : request.owner_id();
  if (owner != meeting->organiser_id() && owner != meeting->attendee_id()) {
    return errors::InvalidArgument("owner_id", "pair_member", "an action item belongs to the mentee or the mentor");
  }
  v1::ActionItem item;
  item.set_item_id(NewUuidV7(clock_));
  item.set_relationship_id(meeting->relationship_id());
  item.set_meeting_id(meeting->meeting_id());
  item.set_text(request.text());
  item.set_owner_id(owner);
  item.set_author_id(call.caller.id);
  SetTimestamp(item.mutable_created_at(), clock_.Now());
  if (auto inserted = items_.Insert(pool_, item); !inserted.ok()) return inserted;
  return item;
}

absl::StatusOr<v1::ActionItem> PairContentApp::CompleteActionItem(const CallContext& call,
                                                                  const v1::CompleteActionItemRequest& request) {
  return pg::InTransaction(pool_, [&](pg::Transaction& txn) -> absl::StatusOr<v1::ActionItem> {
    auto item = items_.GetForUpdate(txn, request.item_id());
    if (!item.ok()) return item.status();
    if (auto meeting = PairMeeting(txn, call, item->meeting_id()); !meeting.ok()) return meeting.status();
    if (item->done()) return *item;  // done is done: asking again changes nothing
    item->set_done(true);
    SetTimestamp(item->mutable_done_at(), clock_.Now());
    if (auto saved = items_.Save(txn, *item); !saved.ok()) return saved;
    return *item;
  });
}

absl::StatusOr<v1::ListActionItemsResponse> PairContentApp::ListActionItems(const CallContext& call,
                                                                            const v1::ListActionItemsRequest& request) {
  if (request.relationship_id().empty()) {
    return errors::InvalidArgument("relationship_id", "required", "name the relationship");
  }
  auto limit = PageSize(request.page_size(), {.fallback = kDefaultPage, .max = kMaxPage});
  if (!limit.ok()) return limit.status();
  auto relationship = RelationshipStore::Find(pool_, request.relationship_id());
  if (!relationship.ok()) return relationship.status();
  if (!*relationship) return errors::NotFound("relationship", request.relationship_id());
  if (auto viewer = ViewerOf(call.caller, (*relationship)->mentee_id, (*relationship)->mentor_id, true); !viewer.ok()) {
    return viewer.status();
  }
  auto items =
      items_.OfRelationship(pool_, request.relationship_id(), request.open_only(), request.page_token(), *limit + 1);
  if (!items.ok()) return items.status();
  v1::ListActionItemsResponse response;
  for (int i = 0; i < static_cast<int>(items->size()) && i < *limit; ++i) *response.add_items() = (*items)[i];
  if (static_cast<int>(items->size()) > *limit) response.set_next_page_token(response.items().rbegin()->item_id());
  return response;
}

}  // namespace mentoring::scheduling
