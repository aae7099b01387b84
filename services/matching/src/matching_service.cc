#include "matching_service.h"

namespace mentoring::matching {
namespace {

template <class Item, class List>
void Fill(std::vector<Item> items, List* out) {
  for (auto& item : items) *out->Add() = std::move(item);
}

}  // namespace

using grpc::CallbackServerContext;
using grpc::ServerUnaryReactor;

ServerUnaryReactor* MatchingService::CreateProgramme(CallbackServerContext* ctx,
                                                     const v1::CreateProgrammeRequest* request,
                                                     v1::Programme* response) {
  return Serve(ctx, response,
               [this, request](const CallContext& call) { return app_.CreateProgramme(call, request->programme()); });
}

ServerUnaryReactor* MatchingService::GetProgramme(CallbackServerContext* ctx, const v1::GetProgrammeRequest* request,
                                                  v1::Programme* response) {
  return Serve(ctx, response,
               [this, request](const CallContext& call) { return app_.GetProgramme(call, request->programme_id()); });
}

ServerUnaryReactor* MatchingService::UpdateProgramme(CallbackServerContext* ctx,
                                                     const v1::UpdateProgrammeRequest* request,
                                                     v1::Programme* response) {
  return Serve(ctx, response, [this, request](const CallContext& call) {
    return app_.UpdateProgramme(call, request->programme(), request->expected_version());
  });
}

ServerUnaryReactor* MatchingService::ListProgrammes(CallbackServerContext* ctx, const v1::ListProgrammesRequest*,
                                                    v1::ListProgrammesResponse* response) {
  return Serve(ctx, response, [this](const CallContext& call) -> absl::StatusOr<v1::ListProgrammesResponse> {
    auto programmes = app_.ListProgrammes(call);
    if (!programmes.ok()) return programmes.status();
    v1::ListProgrammesResponse out;
    Fill(std::move(*programmes), out.mutable_programmes());
    return out;
  });
}

ServerUnaryReactor* MatchingService::Enroll(CallbackServerContext* ctx, const v1::EnrollRequest* request,
                                            v1::Enrollment* response) {
  return Serve(ctx, response,
               [this, request](const CallContext& call) { return app_.Enroll(call, request->enrollment()); });
}

ServerUnaryReactor* MatchingService::WithdrawEnrollment(CallbackServerContext* ctx,
                                                        const v1::WithdrawEnrollmentRequest* request,
                                                        v1::WithdrawEnrollmentResponse* response) {
  return Serve(ctx, response,
               [this, request](const CallContext& call) -> absl::StatusOr<v1::WithdrawEnrollmentResponse> {
                 if (auto done = app_.WithdrawEnrollment(call, *request); !done.ok()) return done;
                 return v1::WithdrawEnrollmentResponse();
               });
}

ServerUnaryReactor* MatchingService::ListEnrollments(CallbackServerContext* ctx,
                                                     const v1::ListEnrollmentsRequest* request,
                                                     v1::ListEnrollmentsResponse* response) {
  return Serve(ctx, response, [this, request](const CallContext& call) -> absl::StatusOr<v1::ListEnrollmentsResponse> {
    auto enrollments = app_.ListEnrollments(call, *request);
    if (!enrollments.ok()) return enrollments.status();
    v1::ListEnrollmentsResponse out;
    Fill(std::move(*enrollments), out.mutable_enrollments());
    return out;
  });
}

ServerUnaryReactor* MatchingService::RecommendMentors(CallbackServerContext* ctx, const v1::RecommendRequest* request,
                                                      v1::RecommendResponse* response) {
  return Serve(ctx, response,
               [this, request](const CallContext& call) { return app_.RecommendMentors(call, *request); });
}

ServerUnaryReactor* MatchingService::RecommendMentees(CallbackServerContext* ctx, const v1::RecommendRequest* request,
                                                      v1::RecommendResponse* response) {
  return Serve(ctx, response,
               [this, request](const CallContext& call) { return app_.RecommendMentees(call, *request); });
}

ServerUnaryReactor* MatchingService::RunCohortMatching(CallbackServerContext* ctx,
                                                       const v1::RunCohortMatchingRequest* request,
                                                       v1::MatchDraft* response) {
  return Serve(ctx, response, [this, request](const CallContext& call) {
    return app_.RunCohortMatching(call, request->programme_id());
  });
}

ServerUnaryReactor* MatchingService::GetDraft(CallbackServerContext* ctx, const v1::GetDraftRequest* request,
                                              v1::MatchDraft* response) {
  return Serve(ctx, response, [this, request](const CallContext& call) { return app_.GetDraft(call, *request); });
}

ServerUnaryReactor* MatchingService::EditDraft(CallbackServerContext* ctx, const v1::EditDraftRequest* request,
                                               v1::MatchDraft* response) {
  return Serve(ctx, response, [this, request](const CallContext& call) { return app_.EditDraft(call, *request); });
}

ServerUnaryReactor* MatchingService::PublishDraft(CallbackServerContext* ctx, const v1::PublishDraftRequest* request,
                                                  v1::MatchDraft* response) {
  return Serve(ctx, response, [this, request](const CallContext& call) {
    return app_.PublishDraft(call, request->draft_id(), request->expected_version());
  });
}

ServerUnaryReactor* MatchingService::DiscardDraft(CallbackServerContext* ctx, const v1::DiscardDraftRequest* request,
                                                  v1::MatchDraft* response) {
  return Serve(ctx, response, [this, request](const CallContext& call) {
    return app_.DiscardDraft(call, request->draft_id(), request->expected_version());
  });
}

ServerUnaryReactor* MatchingService::CreateMentorshipRequest(CallbackServerContext* ctx,
                                                             const v1::CreateMentorshipRequestRequest* request,
                                                             v1::MentorshipRequest* response) {
  return Serve(ctx, response,
               [this, request](const CallContext& call) { return app_.CreateRequest(call, request->request()); });
}

ServerUnaryReactor* MatchingService::AcceptRequest(CallbackServerContext* ctx, const v1::DecideRequestRequest* request,
                                                   v1::MentorshipRequest* response) {
  return Serve(ctx, response,
               [this, request](const CallContext& call) { return app_.AcceptRequest(call, request->request_id()); });
}

ServerUnaryReactor* MatchingService::DeclineRequest(CallbackServerContext* ctx, const v1::DecideRequestRequest* request,
                                                    v1::MentorshipRequest* response) {
  return Serve(ctx, response, [this, request](const CallContext& call) {
    return app_.DeclineRequest(call, request->request_id(), request->reason());
  });
}

ServerUnaryReactor* MatchingService::WithdrawRequest(CallbackServerContext* ctx,
                                                     const v1::WithdrawRequestRequest* request,
                                                     v1::MentorshipRequest* response) {
  return Serve(ctx, response,
               [this, request](const CallContext& call) { return app_.WithdrawRequest(call, request->request_id()); });
}

ServerUnaryReactor* MatchingService::ListRequests(CallbackServerContext* ctx, const v1::ListRequestsRequest* request,
                                                  v1::ListRequestsResponse* response) {
  return Serve(ctx, response, [this, request](const CallContext& call) -> absl::StatusOr<v1::ListRequestsResponse> {
    auto requests = app_.ListRequests(call, *request);
    if (!requests.ok()) return requests.status();
    v1::ListRequestsResponse out;
    Fill(std::move(*requests), out.mutable_requests());
    return out;
  });
}

ServerUnaryReactor* MatchingService::GetRelationship(CallbackServerContext* ctx,
                                                     const v1::GetRelationshipRequest* request,
                                                     v1::Relationship* response) {
  return Serve(ctx, response, [this, request](const CallContext& call) {
    return app_.GetRelationship(call, request->relationship_id(), request->view());
  });
}

ServerUnaryReactor* MatchingService::ListRelationships(CallbackServerContext* ctx,
                                                       const v1::ListRelationshipsRequest* request,
                                                       v1::ListRelationshipsResponse* response) {
  return Serve(ctx, response,
               [this, request](const CallContext& call) -> absl::StatusOr<v1::ListRelationshipsResponse> {
                 auto relationships = app_.ListRelationships(call, *request);
                 if (!relationships.ok()) return relationships.status();
                 v1::ListRelationshipsResponse out;
                 Fill(std::move(*relationships), out.mutable_relationships());
                 return out;
               });
}

ServerUnaryReactor* MatchingService::AcceptAgreement(CallbackServerContext* ctx,
                                                     const v1::AcceptAgreementRequest* request,
                                                     v1::Relationship* response) {
  return Serve(ctx, response,
               [this, request](const CallContext& call) { return app_.AcceptAgreement(call, *request); });
}

ServerUnaryReactor* MatchingService::DeclineMatch(CallbackServerContext* ctx, const v1::DeclineMatchRequest* request,
                                                  v1::Relationship* response) {
  return Serve(ctx, response, [this, request](const CallContext& call) { return app_.DeclineMatch(call, *request); });
}

ServerUnaryReactor* MatchingService::ProposeAmendment(CallbackServerContext* ctx,
                                                      const v1::ProposeAmendmentRequest* request,
                                                      v1::Relationship* response) {
  return Serve(ctx, response,
               [this, request](const CallContext& call) { return app_.ProposeAmendment(call, *request); });
}

ServerUnaryReactor* MatchingService::PauseRelationship(CallbackServerContext* ctx,
                                                       const v1::PauseRelationshipRequest* request,
                                                       v1::Relationship* response) {
  return Serve(ctx, response, [this, request](const CallContext& call) { return app_.Pause(call, *request); });
}

ServerUnaryReactor* MatchingService::ResumeRelationship(CallbackServerContext* ctx,
                                                        const v1::RelationshipCommand* request,
                                                        v1::Relationship* response) {
  return Serve(ctx, response, [this, request](const CallContext& call) { return app_.Resume(call, *request); });
}

ServerUnaryReactor* MatchingService::CloseRelationship(CallbackServerContext* ctx,
                                                       const v1::CloseRelationshipRequest* request,
                                                       v1::Relationship* response) {
  return Serve(ctx, response, [this, request](const CallContext& call) { return app_.Close(call, *request); });
}

ServerUnaryReactor* MatchingService::MoveToAlumni(CallbackServerContext* ctx, const v1::RelationshipCommand* request,
                                                  v1::Relationship* response) {
  return Serve(ctx, response, [this, request](const CallContext& call) { return app_.MoveToAlumni(call, *request); });
}

ServerUnaryReactor* MatchingService::ListRematchOffers(CallbackServerContext* ctx,
                                                       const v1::ListRematchOffersRequest* request,
                                                       v1::ListRematchOffersResponse* response) {
  return Serve(ctx, response,
               [this, request](const CallContext& call) -> absl::StatusOr<v1::ListRematchOffersResponse> {
                 auto offers = app_.ListRematchOffers(call, request->mentee_id());
                 if (!offers.ok()) return offers.status();
                 v1::ListRematchOffersResponse out;
                 Fill(std::move(*offers), out.mutable_offers());
                 return out;
               });
}

}  // namespace mentoring::matching
