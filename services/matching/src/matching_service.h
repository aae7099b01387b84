#pragma once
// gRPC adapter for mentoring.matching.v1.MatchingService: each call runs on the worker pool,
// authenticated, and is translated to MatchingApp and back. No rules live here.
#include "matching_app.h"
#include "mentoring/matching/v1/matching.grpc.pb.h"
#include "mentoring/runtime/server.h"

namespace mentoring::matching {

class MatchingService final : public v1::MatchingService::CallbackService {
 public:
  MatchingService(MatchingApp& app, WorkerPool& workers, const InternalTokenVerifier& verifier)
      : app_(app), workers_(workers), verifier_(verifier) {}

#define MENTORING_UNARY(Method, Request, Response)                                               \
  grpc::ServerUnaryReactor* Method(grpc::CallbackServerContext* ctx, const v1::Request* request, \
                                   v1::Response* response) override;
  MENTORING_UNARY(CreateProgramme, CreateProgrammeRequest, Programme)
  MENTORING_UNARY(GetProgramme, GetProgrammeRequest, Programme)
  MENTORING_UNARY(UpdateProgramme, UpdateProgrammeRequest, Programme)
  MENTORING_UNARY(ListProgrammes, ListProgrammesRequest, ListProgrammesResponse)
  MENTORING_UNARY(Enroll, EnrollRequest, Enrollment)
  MENTORING_UNARY(WithdrawEnrollment, WithdrawEnrollmentRequest, WithdrawEnrollmentResponse)
  MENTORING_UNARY(ListEnrollments, ListEnrollmentsRequest, ListEnrollmentsResponse)
  MENTORING_UNARY(RecommendMentors, RecommendRequest, RecommendResponse)
  MENTORING_UNARY(RecommendMentees, RecommendRequest, RecommendResponse)
  MENTORING_UNARY(RunCohortMatching, RunCohortMatchingRequest, MatchDraft)
  MENTORING_UNARY(GetDraft, GetDraftRequest, MatchDraft)
  MENTORING_UNARY(EditDraft, EditDraftRequest, MatchDraft)
  MENTORING_UNARY(PublishDraft, PublishDraftRequest, MatchDraft)
  MENTORING_UNARY(DiscardDraft, DiscardDraftRequest, MatchDraft)
  MENTORING_UNARY(CreateMentorshipRequest, CreateMentorshipRequestRequest, MentorshipRequest)
  MENTORING_UNARY(AcceptRequest, DecideRequestRequest, MentorshipRequest)
  MENTORING_UNARY(DeclineRequest, DecideRequestRequest, MentorshipRequest)
  MENTORING_UNARY(WithdrawRequest, WithdrawRequestRequest, MentorshipRequest)
  MENTORING_UNARY(ListRequests, ListRequestsRequest, ListRequestsResponse)
  MENTORING_UNARY(GetRelationship, GetRelationshipRequest, Relationship)
  MENTORING_UNARY(ListRelationships, ListRelationshipsRequest, ListRelationshipsResponse)
  MENTORING_UNARY(AcceptAgreement, AcceptAgreementRequest, Relationship)
  MENTORING_UNARY(DeclineMatch, DeclineMatchRequest, Relationship)
  MENTORING_UNARY(ProposeAmendment, ProposeAmendmentRequest, Relationship)
  MENTORING_UNARY(PauseRelationship, PauseRelationshipRequest, Relationship)
  MENTORING_UNARY(ResumeRelationship, RelationshipCommand, Relationship)
  MENTORING_UNARY(CloseRelationship, CloseRelationshipRequest, Relationship)
  MENTORING_UNARY(MoveToAlumni, RelationshipCommand, Relationship)
  MENTORING_UNARY(ListRematchOffers, ListRematchOffersRequest, ListRematchOffersResponse)
#undef MENTORING_UNARY

 private:
  // Runs `use_case(call)` on the pool and moves its value into `response`.
  template <class Response, class UseCase>
  grpc::ServerUnaryReactor* Serve(grpc::CallbackServerContext* ctx, Response* response, UseCase use_case) {
    return HandleUnary(ctx, workers_, verifier_, [response, use_case = std::move(use_case)](const CallContext& call) {
      auto result = use_case(call);
      if (!result.ok()) return result.status();
      *response = std::move(*result);
      return absl::OkStatus();
    });
  }

  MatchingApp& app_;
  WorkerPool& workers_;
  const InternalTokenVerifier& verifier_;
};

}  // namespace mentoring::matching
