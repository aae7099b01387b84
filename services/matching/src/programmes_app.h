#pragma once
// Use cases of programmes and enrollment: programme admins run programmes; people enroll
// themselves (or an admin enrolls them). Each is named after its RPC and takes its request.
#include <absl/status/statusor.h>

#include "enrollment_store.h"
#include "mentoring/matching/v1/matching.pb.h"
#include "mentoring/runtime/call_context.h"
#include "mentoring/runtime/clock.h"
#include "mentoring/runtime/postgres.h"
#include "people_store.h"
#include "programme_store.h"

namespace mentoring::matching {

class ProgrammesApp {
 public:
  ProgrammesApp(pg::Pool& pool, const Clock& clock) : pool_(pool), clock_(clock) {}

  absl::StatusOr<v1::Programme> CreateProgramme(const CallContext& call, const v1::CreateProgrammeRequest& request);
  absl::StatusOr<v1::Programme> GetProgramme(const CallContext& call, const v1::GetProgrammeRequest& request);
  absl::StatusOr<v1::Programme> UpdateProgramme(const CallContext& call, const v1::UpdateProgrammeRequest& request);
  absl::StatusOr<v1::ListProgrammesResponse> ListProgrammes(const CallContext& call,
                                                            const v1::ListProgrammesRequest& request);

  absl::StatusOr<v1::Enrollment> Enroll(const CallContext& call, const v1::EnrollRequest& request);
  absl::StatusOr<v1::WithdrawEnrollmentResponse> WithdrawEnrollment(const CallContext& call,
                                                                    const v1::WithdrawEnrollmentRequest& request);
  absl::StatusOr<v1::ListEnrollmentsResponse> ListEnrollments(const CallContext& call,
                                                              const v1::ListEnrollmentsRequest& request);

 private:
  pg::Pool& pool_;
  const Clock& clock_;
  ProgrammeStore programmes_;
  EnrollmentStore enrollments_;
  PeopleStore people_;
};

}  // namespace mentoring::matching
