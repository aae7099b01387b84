#pragma once
// Persistence of relationships: the only code that knows the relationships table (kept as
// their message, with the columns queries filter on beside it) and the person_locks rows
// that serialise everything that opens a relationship. The database holds one open
// relationship per pair.
#include <absl/container/flat_hash_map.h>
#include <absl/status/statusor.h>

#include <string>
#include <vector>

#include "matching_rules.h"
#include "mentoring/matching/v1/matching.pb.h"
#include "mentoring/runtime/store.h"

namespace mentoring::matching {

class RelationshipStore : public pg::DocumentTable<v1::Relationship> {
 public:
  RelationshipStore();

  // A new relationship; FAILED_PRECONDITION (ALREADY_PAIRED) when the two already have an
  // open one.
  absl::Status InsertProposed(pg::Executor& db, const v1::Relationship& relationship) const;

  // Serialises every change to these people's open relationships (seats as a mentor, focus
  // areas and pending requests as a mentee) until the transaction ends: row locks taken in
  // id order, so two transactions locking overlapping sets cannot deadlock, and a waiter
  // gives up after 10 s rather than holding a worker for ever.
  absl::Status LockPeople(pg::Transaction& txn, std::vector<std::string> person_ids) const;

  // The open relationships of these mentors, in total and in `programme_id`; a mentor
  // with none is absent.
  absl::StatusOr<absl::flat_hash_map<std::string, SeatLoad>> SeatLoads(pg::Executor& db,
                                                                       const std::vector<std::string>& mentor_ids,
                                                                       const std::string& programme_id) const;
  // Where to read seat changes from: every change a read made after this call cannot see
  // is marked at or after it (the oldest transaction running now).
  absl::StatusOr<int64_t> SeatChangeMark(pg::Executor& db) const;
  // The mentors whose open relationships may have changed at or after `mark` (a mark from
  // SeatChangeMark or from an earlier call), and the mark to read from next time.
  struct SeatChanges {
    std::vector<std::string> mentor_ids;
    int64_t next_mark = 0;
  };
  absl::StatusOr<SeatChanges> SeatChangesSince(pg::Executor& db, int64_t mark) const;
  // The open relationships of these mentees.
  absl::StatusOr<std::vector<v1::Relationship>> OpenOfMentees(pg::Executor& db,
                                                              const std::vector<std::string>& mentee_ids) const;
  // The person's relationships as mentee or mentor (the open ones unless
  // `include_closed`), locked, by id.
  absl::StatusOr<std::vector<v1::Relationship>> InvolvingForUpdate(pg::Transaction& txn, const std::string& person_id,
                                                                   bool include_closed) const;
  // The same unlocked, a page of `size` after `after`, oldest first.
  absl::StatusOr<Page<v1::Relationship>> Involving(pg::Executor& db, const std::string& person_id, bool include_closed,
                                                   const std::optional<PageKey>& after, int size) const;
  // A programme's relationships (the open ones unless `include_closed`), a page, oldest first.
  absl::StatusOr<Page<v1::Relationship>> OfProgramme(pg::Executor& db, const std::string& programme_id,
                                                     bool include_closed, const std::optional<PageKey>& after,
                                                     int size) const;
};

}  // namespace mentoring::matching
