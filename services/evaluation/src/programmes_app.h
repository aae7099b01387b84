#pragma once
// Use cases for the people who run programmes: a relationship's health (everything for the
// pair, a bucket and admin-visible reasons for admins), a programme's relationships by
// health, the programme's evaluation settings, and its anonymous aggregates (ratings only
// over the programme's minimum group size).
#include <absl/status/statusor.h>

#include "answer_store.h"
#include "assessor.h"
#include "mentoring/runtime/call_context.h"
#include "mentoring/runtime/postgres.h"
#include "relationship_store.h"
#include "review_store.h"
#include "settings_store.h"

namespace mentoring::evaluation {

class ProgrammesApp {
 public:
  ProgrammesApp(pg::Pool& pool, const Clock& clock) : pool_(pool), clock_(clock) {}

  absl::StatusOr<v1::RelationshipHealth> GetRelationshipHealth(const CallContext& call,
                                                               const v1::GetRelationshipHealthRequest& request);
  absl::StatusOr<v1::ListRelationshipHealthResponse> ListRelationshipHealth(
      const CallContext& call, const v1::ListRelationshipHealthRequest& request);
  absl::StatusOr<v1::ProgrammeSettings> GetProgrammeSettings(const CallContext& call,
                                                             const v1::GetProgrammeSettingsRequest& request);
  absl::StatusOr<v1::ProgrammeSettings> UpdateProgrammeSettings(const CallContext& call,
                                                                const v1::UpdateProgrammeSettingsRequest& request);
  absl::StatusOr<v1::ProgrammeSummary> GetProgrammeSummary(const CallContext& call,
                                                           const v1::GetProgrammeSummaryRequest& request);

 private:
  pg::Pool& pool_;
  const Clock& clock_;
  RelationshipStore relationships_;
  ReviewStore reviews_;
  SettingsStore settings_;
  AnswerStore answers_;
};

}  // namespace mentoring::evaluation
