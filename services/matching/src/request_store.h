#pragma once
// Persistence of mentorship requests: the only code that knows the requests table. A
// request is kept as its message, with the columns its queries filter on beside it; the
// database holds one pending request per mentee and mentor.
#include <absl/status/statusor.h>

#include <string>
#include <vector>

#include "mentoring/matching/v1/matching.pb.h"
#include "mentoring/runtime/store.h"

namespace mentoring::matching {

class RequestStore : public pg::DocumentTable<v1::MentorshipRequest> {
 public:
  RequestStore();

  // A new pending request; FAILED_PRECONDITION (ALREADY_REQUESTED) when the mentee already
  // has one pending with this mentor.
  absl::Status InsertPending(pg::Executor& db, const v1::MentorshipRequest& request) const;
  absl::StatusOr<int64_t> CountPendingOf(pg::Executor& db, const std::string& mentee_id) const;
  // The mentee's pending requests other than `except_request_id`, locked.
  absl::StatusOr<std::vector<v1::MentorshipRequest>> OtherPendingOfMenteeForUpdate(
      pg::Transaction& txn, const std::string& mentee_id, const std::string& except_request_id) const;
  // The requests the person made or received (only the pending ones with `pending_only`), locked.
  absl::StatusOr<std::vector<v1::MentorshipRequest>> InvolvingForUpdate(pg::Transaction& txn,
                                                                        const std::string& person_id,
                                                                        bool pending_only) const;
  // The same unlocked, a page of `size` after `after`, oldest first.
  absl::StatusOr<Page<v1::MentorshipRequest>> Involving(pg::Executor& db, const std::string& person_id,
                                                        bool pending_only, const std::optional<PageKey>& after,
                                                        int size) const;
};

}  // namespace mentoring::matching
