#pragma once
// Use cases of cohort matching, for programme admins: a run solves the whole cohort into an
// open draft, which an admin may read page by page, edit, and then publish (a proposed
// relationship per pair, all or none) or discard.
#include <absl/status/statusor.h>

#include <functional>
#include <string>

#include "directory.h"
#include "draft_store.h"
#include "enrollment_store.h"
#include "mentee_contexts.h"
#include "mentoring/matching/v1/matching.pb.h"
#include "mentoring/runtime/call_context.h"
#include "mentoring/runtime/clock.h"
#include "mentoring/runtime/postgres.h"
#include "programme_store.h"
#include "relationship_store.h"

namespace mentoring::matching {

class DraftsApp {
 public:
  DraftsApp(pg::Pool& pool, Directory& directory, const Clock& clock, int solver_threads)
      : pool_(pool), directory_(directory), clock_(clock), solver_threads_(solver_threads) {}

  absl::StatusOr<v1::MatchDraft> RunCohortMatching(const CallContext& call,
                                                   const v1::RunCohortMatchingRequest& request);
  absl::StatusOr<v1::MatchDraft> GetDraft(const CallContext& call, const v1::GetDraftRequest& request);
  absl::StatusOr<v1::MatchDraft> EditDraft(const CallContext& call, const v1::EditDraftRequest& request);
  absl::StatusOr<v1::MatchDraft> PublishDraft(const CallContext& call, const v1::PublishDraftRequest& request);
  absl::StatusOr<v1::MatchDraft> DiscardDraft(const CallContext& call, const v1::DiscardDraftRequest& request);

 private:
  using DraftChange = std::function<absl::Status(pg::Transaction&, v1::MatchDraft&)>;
  // An open draft changed by an admin, at the expected version; `action` names it in
  // errors. Returns the changed draft's first page.
  absl::StatusOr<v1::MatchDraft> ChangeDraft(const CallContext& call, const std::string& draft_id, int64_t expected,
                                             const char* action, const DraftChange& change);

  pg::Pool& pool_;
  Directory& directory_;
  const Clock& clock_;
  int solver_threads_;
  ProgrammeStore programmes_;
  EnrollmentStore enrollments_;
  RelationshipStore relationships_;
  DraftStore drafts_;
  MenteeContexts contexts_;
};

}  // namespace mentoring::matching
