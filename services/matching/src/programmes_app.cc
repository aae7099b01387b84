#include "programmes_app.h"

#include "matching_rules.h"
#include "mentoring/runtime/errors.h"
#include "mentoring/runtime/ids.h"
#include "mentoring/runtime/paging.h"
#include "relationship_changes.h"

namespace mentoring::matching {

// ---------------------------------------------------------------- programmes

absl::StatusOr<v1::Programme> ProgrammesApp::CreateProgramme(const CallContext& call,
                                                             const v1::CreateProgrammeRequest& request) {
  if (auto allowed = RequireAdmin(call.caller); !allowed.ok()) return allowed;
  v1::Programme programme = request.programme();
  if (auto valid = NormaliseProgramme(programme); !valid.ok()) return valid;
  programme.set_programme_id(NewUuidV7(clock_));
  programme.set_version(1);
  SetTimestamp(programme.mutable_created_at(), clock_.Now());
  if (auto inserted = programmes_.Insert(pool_, programme); !inserted.ok()) return inserted;
  return programme;
}

absl::StatusOr<v1::Programme> ProgrammesApp::GetProgramme(const CallContext&, const v1::GetProgrammeRequest& request) {
  return programmes_.Get(pool_, request.programme_id());
}

absl::StatusOr<v1::Programme> ProgrammesApp::UpdateProgramme(const CallContext& call,
                                                             const v1::UpdateProgrammeRequest& request) {
  if (auto allowed = RequireAdmin(call.caller); !allowed.ok()) return allowed;
  v1::Programme programme = request.programme();
  if (auto valid = NormaliseProgramme(programme); !valid.ok()) return valid;
  const int64_t expected = request.expected_version();
  return pg::InTransaction(pool_, [&](pg::Transaction& txn) -> absl::StatusOr<v1::Programme> {
    auto current = programmes_.GetForUpdate(txn, programme.programme_id());
    if (!current.ok()) return current.status();
    if (expected != current->version()) return errors::VersionConflict("programme", expected, current->version());
    if (programme.type() != current->type()) {
      return errors::InvalidArgument("programme.type", "immutable", "a programme's type cannot change");
    }
    v1::Programme updated = programme;
    updated.set_version(current->version() + 1);
    *updated.mutable_created_at() = current->created_at();
    if (auto saved = programmes_.Save(txn, updated); !saved.ok()) return saved;
    return updated;
  });
}

absl::StatusOr<v1::ListProgrammesResponse> ProgrammesApp::ListProgrammes(const CallContext&,
                                                                         const v1::ListProgrammesRequest&) {
  auto programmes = programmes_.All(pool_);
  if (!programmes.ok()) return programmes.status();
  v1::ListProgrammesResponse response;
  for (auto& programme : *programmes) *response.add_programmes() = std::move(programme);
  return response;
}

// ---------------------------------------------------------------- enrollment

absl::StatusOr<v1::Enrollment> ProgrammesApp::Enroll(const CallContext& call, const v1::EnrollRequest& request) {
  v1::Enrollment enrollment = request.enrollment();
  if (auto valid = ValidateEnrollment(enrollment); !valid.ok()) return valid;
  if (auto allowed = RequireSelfOrAdmin(call.caller, enrollment.person_id(), "enrolling"); !allowed.ok()) {
    return allowed;
  }
  auto programme = programmes_.Get(pool_, enrollment.programme_id());
  if (!programme.ok()) return programme.status();
  auto known = people_.Knows(pool_, enrollment.person_id());
  if (!known.ok()) return known.status();
  if (!*known) {
    return errors::FailedPrecondition("UNKNOWN_PERSON", "the person is not in the directory (or was erased)");
  }
  enrollment.set_seats(enrollment.role() == v1::PARTICIPANT_ROLE_MENTOR ? SeatsFor(enrollment, *programme) : 0);
  SetTimestamp(enrollment.mutable_enrolled_at(), clock_.Now());
  auto saved = pool_.InTransaction([&](pg::Transaction& txn) -> absl::Status {
    if (auto written = enrollments_.Save(txn, enrollment); !written.ok()) return written;
    return programmes_.BumpRoster(txn, enrollment.programme_id());
  });
  if (!saved.ok()) return saved;
  return enrollment;
}

absl::StatusOr<v1::WithdrawEnrollmentResponse> ProgrammesApp::WithdrawEnrollment(
    const CallContext& call, const v1::WithdrawEnrollmentRequest& request) {
  if (auto allowed = RequireSelfOrAdmin(call.caller, request.person_id(), "withdrawing"); !allowed.ok()) {
    return allowed;
  }
  auto withdrawn = pool_.InTransaction([&](pg::Transaction& txn) -> absl::Status {
    auto deleted = enrollments_.Delete(txn, request.programme_id(), request.person_id(), request.role());
    if (!deleted.ok()) return deleted.status();
    if (!*deleted) return errors::NotFound("enrollment", request.person_id());
    return programmes_.BumpRoster(txn, request.programme_id());
  });
  if (!withdrawn.ok()) return withdrawn;
  return v1::WithdrawEnrollmentResponse();
}

absl::StatusOr<v1::ListEnrollmentsResponse> ProgrammesApp::ListEnrollments(const CallContext& call,
                                                                           const v1::ListEnrollmentsRequest& request) {
  if (auto allowed = RequireAdmin(call.caller); !allowed.ok()) return allowed;
  auto size = PageSize(request.page_size(), {.fallback = 100, .max = 500});
  if (!size.ok()) return size.status();
  auto after = ParsePageToken(request.page_token());
  if (!after.ok()) return after.status();
  if (auto programme = programmes_.Get(pool_, request.programme_id()); !programme.ok()) return programme.status();
  auto page = enrollments_.PageOfProgramme(pool_, request.programme_id(), request.role(), *after, *size);
  if (!page.ok()) return page.status();
  v1::ListEnrollmentsResponse response;
  for (auto& enrollment : page->items) *response.add_enrollments() = std::move(enrollment);
  response.set_next_page_token(page->next_page_token);
  return response;
}

}  // namespace mentoring::matching
