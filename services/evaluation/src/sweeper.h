#pragma once
// Evaluation's background work, decided on the service's clock: questions unanswered past
// their answer period get a reminder (reminder.due); a review unanswered after a second
// period is recorded as undecided; an agreement's review date opens its review; a
// relationship still open past its end date with no review since raises a risk signal.
// Each due item is handled in a transaction of its own, locked so replicas share the work.
#include <absl/status/statusor.h>

#include "ask_store.h"
#include "assessor.h"
#include "mentoring/runtime/background_job.h"
#include "mentoring/runtime/postgres.h"
#include "relationship_store.h"
#include "review_store.h"

namespace mentoring::evaluation {

class Sweeper {
 public:
  Sweeper(pg::Pool& pool, const Assessor& assessor) : pool_(pool), assessor_(assessor) {}

  // One round: up to kBatch items of each kind; kMoreDue when a kind had more.
  absl::StatusOr<JobProgress> Tick();
  static constexpr int kBatch = 100;

 private:
  // Each handles one due item; false when none was due.
  absl::StatusOr<bool> RemindOne(absl::Time now);
  absl::StatusOr<bool> SettleOneUndecided(absl::Time now);
  absl::StatusOr<bool> OpenOneDatedReview(absl::Time now);
  absl::StatusOr<bool> SignalOneOverrun(absl::Time now);

  pg::Pool& pool_;
  const Assessor& assessor_;
  RelationshipStore relationships_;
  AskStore asks_;
  ReviewStore reviews_;
};

}  // namespace mentoring::evaluation
