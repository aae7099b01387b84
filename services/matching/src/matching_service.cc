#include "matching_service.h"

#include <absl/strings/str_cat.h>

#include "directory.h"
#include "matching_app.h"
#include "mentoring/matching/v1/matching.grpc.pb.h"

namespace mentoring::matching {
namespace {

template <class Item, class List>
void Fill(std::vector<Item> items, List* out) {
  for (auto& item : items) *out->Add() = std::move(item);
}

}  // namespace

Settings Settings::Read(Config& config) {
  Settings s;
  const auto [profiles_host, profiles_port] = config.RequiredHostPort("PROFILES_ADDR");
  s.profiles_addr = absl::StrCat(profiles_host, ":", profiles_port);
  s.solver_threads = static_cast<int>(config.Int("SOLVER_THREADS", 2, 1, 64));
  return s;
}

absl::Status Wire(ServiceContext& service, const Settings& settings) {
  auto channel = service.ChannelTo(settings.profiles_addr);
  if (!channel.ok()) return channel.status();
  auto& profiles = service.Make<ProfilesSource>(*channel, service.signer());
  auto& directory = service.Make<Directory>(service.database(), service.clock());
  auto& app = service.Make<MatchingApp>(service.database(), directory, service.clock(), settings.solver_threads);
  pg::Pool& database = service.database();

  // The read model of people: loaded from profiles, kept by profile.* events.
  const auto on_profile = [&app, &profiles](pg::Transaction& txn, const events::v1::EventEnvelope& event, const auto&) {
    return app.OnEvent(txn, event, profiles);
  };
  service
      .ReadModel({.name = "people", .load = [&profiles, &database] { return profiles.SyncAll(database); }},
                 {"profiles"})
      .On<events::v1::ProfileCreated>(on_profile)
      .On<events::v1::ProfileUpdated>(on_profile)
      .On<events::v1::ProfileDeactivated>(on_profile)
      .On<events::v1::ProfileErased>(on_profile);
  service.Consume({"evaluation"}).On<events::v1::RapportAtRisk>(on_profile);

  using v1::MatchingService;
  service.Serve<MatchingService>()
      .Unary("CreateProgramme",
             [&](const CallContext& call, const v1::CreateProgrammeRequest& r) {
               return app.CreateProgramme(call, r.programme());
             })
      .Unary("GetProgramme", [&](const CallContext& call,
                                 const v1::GetProgrammeRequest& r) { return app.GetProgramme(call, r.programme_id()); })
      .Unary("UpdateProgramme",
             [&](const CallContext& call, const v1::UpdateProgrammeRequest& r) {
               return app.UpdateProgramme(call, r.programme(), r.expected_version());
             })
      .Unary(
          "ListProgrammes",
          [&](const CallContext& call, const v1::ListProgrammesRequest&) -> absl::StatusOr<v1::ListProgrammesResponse> {
            auto programmes = app.ListProgrammes(call);
            if (!programmes.ok()) return programmes.status();
            v1::ListProgrammesResponse out;
            Fill(std::move(*programmes), out.mutable_programmes());
            return out;
          })
      .Unary("Enroll",
             [&](const CallContext& call, const v1::EnrollRequest& r) { return app.Enroll(call, r.enrollment()); })
      .Unary("WithdrawEnrollment",
             [&](const CallContext& call,
                 const v1::WithdrawEnrollmentRequest& r) -> absl::StatusOr<v1::WithdrawEnrollmentResponse> {
               if (auto done = app.WithdrawEnrollment(call, r); !done.ok()) return done;
               return v1::WithdrawEnrollmentResponse();
             })
      .Unary("ListEnrollments",
             [&](const CallContext& call,
                 const v1::ListEnrollmentsRequest& r) -> absl::StatusOr<v1::ListEnrollmentsResponse> {
               auto enrollments = app.ListEnrollments(call, r);
               if (!enrollments.ok()) return enrollments.status();
               v1::ListEnrollmentsResponse out;
               Fill(std::move(*enrollments), out.mutable_enrollments());
               return out;
             })
      .Unary("RecommendMentors", app, &MatchingApp::RecommendMentors)
      .Unary("RecommendMentees", app, &MatchingApp::RecommendMentees)
      .Unary("RunCohortMatching",
             [&](const CallContext& call, const v1::RunCohortMatchingRequest& r) {
               return app.RunCohortMatching(call, r.programme_id());
             })
      .Unary("GetDraft", app, &MatchingApp::GetDraft)
      .Unary("EditDraft", app, &MatchingApp::EditDraft)
      .Unary("PublishDraft",
             [&](const CallContext& call, const v1::PublishDraftRequest& r) {
               return app.PublishDraft(call, r.draft_id(), r.expected_version());
             })
      .Unary("DiscardDraft",
             [&](const CallContext& call, const v1::DiscardDraftRequest& r) {
               return app.DiscardDraft(call, r.draft_id(), r.expected_version());
             })
      .Unary("CreateMentorshipRequest",
             [&](const CallContext& call, const v1::CreateMentorshipRequestRequest& r) {
               return app.CreateRequest(call, r.request());
             })
      .Unary("AcceptRequest",
             [&](const CallContext& call, const v1::DecideRequestRequest& r) {
               return app.AcceptRequest(call, r.request_id());
             })
      .Unary("DeclineRequest",
             [&](const CallContext& call, const v1::DecideRequestRequest& r) {
               return app.DeclineRequest(call, r.request_id(), r.reason());
             })
      .Unary("WithdrawRequest",
             [&](const CallContext& call, const v1::WithdrawRequestRequest& r) {
               return app.WithdrawRequest(call, r.request_id());
             })
      .Unary(
          "ListRequests",
          [&](const CallContext& call, const v1::ListRequestsRequest& r) -> absl::StatusOr<v1::ListRequestsResponse> {
            auto requests = app.ListRequests(call, r);
            if (!requests.ok()) return requests.status();
            v1::ListRequestsResponse out;
            Fill(std::move(*requests), out.mutable_requests());
            return out;
          })
      .Unary("GetRelationship",
             [&](const CallContext& call, const v1::GetRelationshipRequest& r) {
               return app.GetRelationship(call, r.relationship_id(), r.view());
             })
      .Unary("ListRelationships",
             [&](const CallContext& call,
                 const v1::ListRelationshipsRequest& r) -> absl::StatusOr<v1::ListRelationshipsResponse> {
               auto relationships = app.ListRelationships(call, r);
               if (!relationships.ok()) return relationships.status();
               v1::ListRelationshipsResponse out;
               Fill(std::move(*relationships), out.mutable_relationships());
               return out;
             })
      .Unary("AcceptAgreement", app, &MatchingApp::AcceptAgreement)
      .Unary("DeclineMatch", app, &MatchingApp::DeclineMatch)
      .Unary("ProposeAmendment", app, &MatchingApp::ProposeAmendment)
      .Unary("PauseRelationship", app, &MatchingApp::Pause)
      .Unary("ResumeRelationship", app, &MatchingApp::Resume)
      .Unary("CloseRelationship", app, &MatchingApp::Close)
      .Unary("MoveToAlumni", app, &MatchingApp::MoveToAlumni)
      .Unary("ListRematchOffers",
             [&](const CallContext& call,
                 const v1::ListRematchOffersRequest& r) -> absl::StatusOr<v1::ListRematchOffersResponse> {
               auto offers = app.ListRematchOffers(call, r.mentee_id());
               if (!offers.ok()) return offers.status();
               v1::ListRematchOffersResponse out;
               Fill(std::move(*offers), out.mutable_offers());
               return out;
             });
  return absl::OkStatus();
}

}  // namespace mentoring::matching
