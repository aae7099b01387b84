#pragma once
// What only the two people of a relationship write and read: the mentee's agenda for a
// meeting, notes, and action items (open ones carry into the next meeting). The service
// decides on the caller: anyone else, programme admins included, is refused.
#include <absl/status/statusor.h>

#include "meeting_store.h"
#include "mentoring/runtime/call_context.h"
#include "mentoring/runtime/clock.h"
#include "mentoring/runtime/postgres.h"
#include "mentoring/scheduling/v1/scheduling.pb.h"
#include "pair_content_store.h"

namespace mentoring::scheduling {

class PairContentApp {
 public:
  PairContentApp(pg::Pool& pool, const MeetingStore& meetings, const Clock& clock)
      : pool_(pool), meetings_(meetings), clock_(clock) {}

  absl::StatusOr<v1::Meeting> SetAgenda(const CallContext& call, const v1::SetAgendaRequest& request);
  absl::StatusOr<v1::Note> AddNote(const CallContext& call, const v1::AddNoteRequest& request);
  absl::StatusOr<v1::ListNotesResponse> ListNotes(const CallContext& call, const v1::ListNotesRequest& request);
  absl::StatusOr<v1::ActionItem> AddActionItem(const CallContext& call, const v1::AddActionItemRequest& request);
  absl::StatusOr<v1::ActionItem> CompleteActionItem(const CallContext& call,
                                                    const v1::CompleteActionItemRequest& request);
  absl::StatusOr<v1::ListActionItemsResponse> ListActionItems(const CallContext& call,
                                                              const v1::ListActionItemsRequest& request);

 private:
  // The meeting, when the caller is one of its two people.
  absl::StatusOr<v1::Meeting> PairMeeting(pg::Executor& db, const CallContext& call, const std::string& meeting_id);

  pg::Pool& pool_;
  const MeetingStore& meetings_;
  const Clock& clock_;
  NoteStore notes_;
  ActionItemStore items_;
};

}  // namespace mentoring::scheduling
