#include "matching_service.h"

#include <absl/strings/str_cat.h>

#include <functional>

#include "directory.h"
#include "drafts_app.h"
#include "events_app.h"
#include "mentor_pools.h"
#include "mentoring/matching/v1/matching.grpc.pb.h"
#include "profiles_client.h"
#include "programmes_app.h"
#include "recommendations_app.h"
#include "relationships_app.h"
#include "rematch_app.h"
#include "requests_app.h"

namespace mentoring::matching {

Settings Settings::Read(Config& config) {
  Settings s;
  const auto [profiles_host, profiles_port] = config.RequiredHostPort("PROFILES_ADDR");
  s.profiles_addr = absl::StrCat(profiles_host, ":", profiles_port);
  s.solver_threads = static_cast<int>(config.Int("SOLVER_THREADS", 2, 1, 64));
  s.snapshot_interval = config.Duration("SNAPSHOT_INTERVAL", absl::Milliseconds(250));
  s.directory.quiet_period = config.Duration("PEOPLE_SNAPSHOT_QUIET_PERIOD", s.directory.quiet_period);
  s.directory.max_staleness = config.Duration("PEOPLE_SNAPSHOT_MAX_STALENESS", s.directory.max_staleness);
  s.directory.max_rebuild_share =
      static_cast<double>(config.Int("PEOPLE_SNAPSHOT_MAX_REBUILD_PERCENT", 20, 1, 100)) / 100.0;
  return s;
}

absl::Status Wire(ServiceContext& service, const Settings& settings) {
  auto channel = service.ChannelTo(settings.profiles_addr);
  if (!channel.ok()) return channel.status();
  pg::Pool& database = service.database();
  const Clock& clock = service.clock();
  auto& profiles = service.Make<profiles::ProfilesClient>(*channel, service.signer(), service.name());
  auto& directory = service.Make<Directory>(clock, service.metrics(), settings.directory);
  auto& mentor_pools = service.Make<MentorPools>(database, directory);
  auto& programmes = service.Make<ProgrammesApp>(database, clock);
  auto& recommendations = service.Make<RecommendationsApp>(database, directory, mentor_pools);
  auto& drafts = service.Make<DraftsApp>(database, directory, clock, settings.solver_threads);
  auto& requests = service.Make<RequestsApp>(database, directory, clock);
  auto& relationships = service.Make<RelationshipsApp>(database, clock);
  auto& rematch = service.Make<RematchApp>(database, recommendations);
  auto& handlers = service.Make<EventsApp>(database, profiles, clock);

  // The read model of people: loaded from profiles, kept by profile.* events.
  service.ReadModel({.name = "people", .load = std::bind_front(&EventsApp::LoadPeople, &handlers)}, {"profiles"})
      .On<events::v1::ProfileCreated>(std::bind_front(&EventsApp::OnProfileCreated, &handlers))
      .On<events::v1::ProfileUpdated>(std::bind_front(&EventsApp::OnProfileUpdated, &handlers))
      .On<events::v1::ProfileDeactivated>(std::bind_front(&EventsApp::OnProfileDeactivated, &handlers))
      .On<events::v1::ProfileErased>(std::bind_front(&EventsApp::OnProfileErased, &handlers));
  // Recommendations read published snapshots; this keeps them current, off the requests' path.
  service.Every({.name = "recommendation_snapshots", .interval = settings.snapshot_interval},
                std::bind_front(&MentorPools::Refresh, &mentor_pools));
  service.Consume({"evaluation"})
      .On<events::v1::RapportAtRisk>(std::bind_front(&EventsApp::OnRapportAtRisk, &handlers))
      .On<events::v1::ReviewCompleted>(std::bind_front(&EventsApp::OnReviewCompleted, &handlers));

  service.Serve<v1::MatchingService>()
      .Unary("CreateProgramme", programmes, &ProgrammesApp::CreateProgramme)
      .Unary("GetProgramme", programmes, &ProgrammesApp::GetProgramme)
      .Unary("UpdateProgramme", programmes, &ProgrammesApp::UpdateProgramme)
      .Unary("ListProgrammes", programmes, &ProgrammesApp::ListProgrammes)
      .Unary("Enroll", programmes, &ProgrammesApp::Enroll)
      .Unary("WithdrawEnrollment", programmes, &ProgrammesApp::WithdrawEnrollment)
      .Unary("ListEnrollments", programmes, &ProgrammesApp::ListEnrollments)
      .Unary("RecommendMentors", recommendations, &RecommendationsApp::RecommendMentors)
      .Unary("RecommendMentees", recommendations, &RecommendationsApp::RecommendMentees)
      .Unary("RunCohortMatching", drafts, &DraftsApp::RunCohortMatching)
      .Unary("GetDraft", drafts, &DraftsApp::GetDraft)
      .Unary("EditDraft", drafts, &DraftsApp::EditDraft)
      .Unary("PublishDraft", drafts, &DraftsApp::PublishDraft)
      .Unary("DiscardDraft", drafts, &DraftsApp::DiscardDraft)
      .Unary("CreateMentorshipRequest", requests, &RequestsApp::CreateMentorshipRequest)
      .Unary("AcceptRequest", requests, &RequestsApp::AcceptRequest)
      .Unary("DeclineRequest", requests, &RequestsApp::DeclineRequest)
      .Unary("WithdrawRequest", requests, &RequestsApp::WithdrawRequest)
      .Unary("ListRequests", requests, &RequestsApp::ListRequests)
      .Unary("GetRelationship", relationships, &RelationshipsApp::GetRelationship)
      .Unary("ListRelationships", relationships, &RelationshipsApp::ListRelationships)
      .Unary("AcceptAgreement", relationships, &RelationshipsApp::AcceptAgreement)
      .Unary("DeclineMatch", relationships, &RelationshipsApp::DeclineMatch)
      .Unary("ProposeAmendment", relationships, &RelationshipsApp::ProposeAmendment)
      .Unary("PauseRelationship", relationships, &RelationshipsApp::PauseRelationship)
      .Unary("ResumeRelationship", relationships, &RelationshipsApp::ResumeRelationship)
      .Unary("CloseRelationship", relationships, &RelationshipsApp::CloseRelationship)
      .Unary("MoveToAlumni", relationships, &RelationshipsApp::MoveToAlumni)
      .Unary("ListRematchOffers", rematch, &RematchApp::ListRematchOffers);
  return absl::OkStatus();
}

}  // namespace mentoring::matching
