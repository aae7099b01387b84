#pragma once
// Persistence of relationships as evaluation knows them: the only code that knows the
// relationships table (each kept as its RelationshipRecord, with the columns queries filter
// on beside it) and the per-person event counters.
#include <absl/status/statusor.h>
#include <absl/time/civil_time.h>

#include <optional>
#include <string>
#include <vector>

#include "evaluation_rules.h"
#include "mentoring/runtime/store.h"

namespace mentoring::evaluation {

class RelationshipStore : public pg::DocumentTable<v1::RelationshipRecord> {
 public:
  RelationshipStore();

  // A programme's relationships by id after `after` (optionally of one admin bucket).
  absl::StatusOr<std::vector<v1::RelationshipRecord>> OfProgramme(pg::Executor& db, const std::string& programme_id,
                                                                  v1::HealthBucket bucket, const std::string& after,
                                                                  int limit) const;
  // The person's relationships as mentee or mentor, locked, by id.
  absl::StatusOr<std::vector<v1::RelationshipRecord>> InvolvingForUpdate(pg::Transaction& txn,
                                                                         const std::string& person_id) const;
  // One active relationship whose agreement's review date has come and not opened a
  // review yet, locked (other replicas skip it); nullopt when there is none.
  absl::StatusOr<std::optional<v1::RelationshipRecord>> NextReviewDateDue(pg::Transaction& txn,
                                                                          absl::CivilDay today) const;
  // One open relationship past its end date with no review settled since and no overrun
  // signalled for that date, locked; nullopt when there is none.
  absl::StatusOr<std::optional<v1::RelationshipRecord>> NextOverrun(pg::Transaction& txn, absl::CivilDay today) const;
  // How many of a programme's relationships are in each admin bucket (index: HealthBucket).
  absl::StatusOr<std::vector<int>> CountByBucket(pg::Executor& db, const std::string& programme_id) const;
  // How many of a programme's relationships have had a meeting rated.
  absl::StatusOr<int> CountWithFeedback(pg::Executor& db, const std::string& programme_id) const;

  // The person's next event sequence (evaluation's counter for events keyed by person).
  absl::StatusOr<int64_t> NextPersonSequence(pg::Transaction& txn, const std::string& person_id) const;
};

}  // namespace mentoring::evaluation
