#pragma once
// What matching does with other services' events, one handler per event type, each run in
// the transaction that records the event as consumed:
//   profile.created/updated/deactivated  keep the read model of people (facts fetched from
//                                        the source, kept only when newer) and close a
//                                        departed person's relationships
//   profile.erased                       the person's facts, enrollments, place in drafts,
//                                        private text and rematch offers go
//   rapport.at_risk                      offers the mentee a rematch
//   review.completed                     with END: closes the relationship with the review's
//                                        closure reason, by the system (closed_by empty)
// and the read model's first load, which the same rules keep consistent with the events.
#include <absl/status/status.h>
#include <absl/status/statusor.h>

#include <string>
#include <vector>

#include "draft_store.h"
#include "enrollment_store.h"
#include "mentoring/events/v1/envelope.pb.h"
#include "mentoring/runtime/clock.h"
#include "mentoring/runtime/postgres.h"
#include "people_source.h"
#include "people_store.h"
#include "programme_store.h"
#include "relationship_store.h"
#include "rematch_store.h"
#include "request_store.h"

namespace mentoring::matching {

class EventsApp {
 public:
  EventsApp(pg::Pool& pool, const profiles::PeopleSource& source, const Clock& clock)
      : pool_(pool), source_(source), clock_(clock) {}

  // The whole directory from the source into the read model; returns how many people.
  absl::StatusOr<int64_t> LoadPeople();

  absl::Status OnProfileCreated(pg::Transaction& txn, const events::v1::EventEnvelope& event,
                                const events::v1::ProfileCreated& created);
  absl::Status OnProfileUpdated(pg::Transaction& txn, const events::v1::EventEnvelope& event,
                                const events::v1::ProfileUpdated& updated);
  absl::Status OnProfileDeactivated(pg::Transaction& txn, const events::v1::EventEnvelope& event,
                                    const events::v1::ProfileDeactivated& deactivated);
  absl::Status OnProfileErased(pg::Transaction& txn, const events::v1::EventEnvelope& event,
                               const events::v1::ProfileErased& erased);
  absl::Status OnRapportAtRisk(pg::Transaction& txn, const events::v1::EventEnvelope& event,
                               const events::v1::RapportAtRisk& at_risk);
  absl::Status OnReviewCompleted(pg::Transaction& txn, const events::v1::EventEnvelope& event,
                                 const events::v1::ReviewCompleted& review);

 private:
  // A profile.* event that says the person changed (the event names the version, never the
  // facts): keeps the newer facts and, for someone who departed, ends what they were in.
  absl::Status OnProfileChanged(pg::Transaction& txn, const events::v1::EventEnvelope& event);
  // A departed person: pending requests withdrawn, open relationships closed, under the
  // person's lock (no accept or publish can open a new one meanwhile).
  absl::Status EndWhatTheyWereIn(pg::Transaction& txn, const std::string& person_id);
  // Erased: their enrollments go, with their place in the programmes' drafts.
  absl::Status EraseEnrollments(pg::Transaction& txn, const std::string& person_id);
  // Closes the person's open relationships (and with `erased`, removes the private text
  // from all of them), appending the events to `batch`.
  absl::Status CloseRelationshipsOf(pg::Transaction& txn, const std::string& person_id, bool erased,
                                    std::vector<events::v1::EventEnvelope>& batch);

  pg::Pool& pool_;
  const profiles::PeopleSource& source_;
  const Clock& clock_;
  PeopleStore people_;
  ProgrammeStore programmes_;
  EnrollmentStore enrollments_;
  DraftStore drafts_;
  RequestStore requests_;
  RelationshipStore relationships_;
  RematchStore rematches_;
};

}  // namespace mentoring::matching
