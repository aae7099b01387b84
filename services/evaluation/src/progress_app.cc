#include "progress_app.h"

#include <algorithm>

#include "mentoring/runtime/errors.h"
#include "mentoring/runtime/ids.h"

namespace mentoring::evaluation {

absl::StatusOr<v1::GoalProgress> ProgressApp::RecordGoalProgress(const CallContext& call,
                                                                 const v1::RecordGoalProgressRequest& given) {
  v1::RecordGoalProgressRequest request = given;
  if (auto valid = NormaliseProgress(request); !valid.ok()) return valid;
  auto record = relationships_.Get(pool_, request.relationship_id());
  if (!record.ok()) return record.status();
  if (auto allowed = RequirePair(*record, call.caller, "goal progress"); !allowed.ok()) return allowed;
  if (!IsOpen(record->status())) {
    return errors::FailedPrecondition("RELATIONSHIP_ENDED", "progress is recorded while the relationship runs");
  }
  // Profiles owns goals: the goal must be the mentee's, in the agreement's focus areas.
  auto goal = goals_.Goal(call, record->mentee_id(), request.goal_id());
  if (!goal.ok()) return goal.status();
  const auto& areas = record->focus_areas();
  if (std::find(areas.begin(), areas.end(), goal->focus_area()) == areas.end()) {
    return errors::FailedPrecondition("GOAL_OUTSIDE_AGREEMENT",
                                      "the goal is not in a focus area of this relationship's agreement");
  }
  // Set first (idempotent), then recorded: a failure in between leaves the status right
  // and the observation to record again, never an observation profiles does not reflect.
  if (goal->status() != request.status()) {
    if (auto set = goals_.SetStatus(call, record->mentee_id(), request.goal_id(), request.status()); !set.ok()) {
      return set;
    }
  }
  return pg::InTransaction(pool_, [&](pg::Transaction& txn) -> absl::StatusOr<v1::GoalProgress> {
    auto locked = relationships_.GetForUpdate(txn, request.relationship_id());
    if (!locked.ok()) return locked.status();
    v1::GoalProgress observation;
    observation.set_observation_id(NewUuidV7(assessor_.clock()));
    observation.set_relationship_id(locked->relationship_id());
    observation.set_person_id(locked->mentee_id());
    observation.set_goal_id(request.goal_id());
    observation.set_progress_percent(request.progress_percent());
    observation.set_status(request.status());
    observation.set_evidence_note(request.evidence_note());
    observation.set_recorded_by(call.caller.id);
    SetTimestamp(observation.mutable_recorded_at(), assessor_.clock().Now());
    if (auto inserted = progress_.Insert(txn, observation); !inserted.ok()) return inserted;
    EventEnvelope event = assessor_.PersonEvent(locked->mentee_id(), &call);
    auto* progressed = event.mutable_goal_progressed();
    progressed->set_person_id(locked->mentee_id());
    progressed->set_goal_id(request.goal_id());
    progressed->set_relationship_id(locked->relationship_id());
    progressed->set_progress_percent(request.progress_percent());
    progressed->set_status(request.status());
    std::vector<EventEnvelope> events;
    events.push_back(std::move(event));
    if (auto reassessed = assessor_.Reassess(txn, *locked, std::move(events), &call); !reassessed.ok()) {
      return reassessed;
    }
    return observation;
  });
}

absl::StatusOr<v1::ListGoalProgressResponse> ProgressApp::ListGoalProgress(const CallContext& call,
                                                                           const v1::ListGoalProgressRequest& request) {
  auto size = PageSize(request.page_size());
  if (!size.ok()) return size.status();
  auto after = ParsePageToken(request.page_token());
  if (!after.ok()) return after.status();
  auto record = relationships_.Get(pool_, request.relationship_id());
  if (!record.ok()) return record.status();
  // Evidence notes are the pair's: nobody else reads these.
  if (auto allowed = RequirePair(*record, call.caller, "goal progress"); !allowed.ok()) return allowed;
  auto observations = progress_.OfRelationship(pool_, request.relationship_id(), request.goal_id(), *after, *size + 1);
  if (!observations.ok()) return observations.status();
  v1::ListGoalProgressResponse response;
  for (size_t i = 0; i < observations->size() && i < static_cast<size_t>(*size); ++i) {
    *response.add_observations() = std::move((*observations)[i]);
  }
  if (observations->size() > static_cast<size_t>(*size)) {
    const v1::GoalProgress& last = response.observations(*size - 1);
    response.set_next_page_token(PageToken({Micros(FromTimestamp(last.recorded_at())), last.observation_id()}));
  }
  return response;
}

}  // namespace mentoring::evaluation
