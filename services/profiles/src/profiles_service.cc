#include "profiles_service.h"

#include <functional>

#include "events_app.h"
#include "mentoring/profiles/v1/profiles.grpc.pb.h"
#include "profiles_app.h"

namespace mentoring::profiles {

Settings Settings::Read(Config& config) { return {.cache_ttl = config.Duration("CACHE_TTL", absl::Minutes(10))}; }

absl::Status Wire(ServiceContext& service, const Settings& settings) {
  auto& cache =
      service.Make<redis::VersionedCache>(service.redis(), "profiles:person:", settings.cache_ttl, service.metrics());
  auto& app = service.Make<ProfilesApp>(service.database(), cache, service.workers(), service.clock());
  service.Serve<v1::ProfilesService>()
      .Unary("CreatePerson", app, &ProfilesApp::CreatePerson)
      .UnaryNonBlocking("GetPerson", app, &ProfilesApp::GetPerson)  // the hot read: cached bytes as stored
      .Unary("BatchGetPeople", app, &ProfilesApp::BatchGetPeople)
      .ServerStream("ListPeople", app, &ProfilesApp::ListPeople)
      .Unary("UpdatePerson", app, &ProfilesApp::UpdatePerson)
      .Unary("DeactivatePerson", app, &ProfilesApp::DeactivatePerson)
      .Unary("ErasePerson", app, &ProfilesApp::ErasePerson)
      .Unary("SearchPeople", app, &ProfilesApp::SearchPeople)
      .Unary("GetReportingChain", app, &ProfilesApp::GetReportingChain)
      .Unary("SetGoalStatus", app, &ProfilesApp::SetGoalStatus)
      .Unary("GetExclusions", app, &ProfilesApp::GetExclusions)
      .ClientStream("ImportPeople", app, &ProfilesApp::ImportPeople);

  // Who mentors whom, from matching: a mentor reads the goals their relationship covers.
  auto& handlers = service.Make<EventsApp>(service.settings().consumer_group);
  service.Consume({"matching"})
      .On<events::v1::MatchMade>(std::bind_front(&EventsApp::OnMatchMade, &handlers))
      .On<events::v1::RelationshipAgreementAmended>(
          std::bind_front(&EventsApp::OnRelationshipAgreementAmended, &handlers))
      .On<events::v1::RelationshipResumed>(std::bind_front(&EventsApp::OnRelationshipResumed, &handlers))
      .On<events::v1::RelationshipClosed>(std::bind_front(&EventsApp::OnRelationshipClosed, &handlers))
      .On<events::v1::RelationshipMovedToAlumni>(std::bind_front(&EventsApp::OnRelationshipMovedToAlumni, &handlers));
  return absl::OkStatus();
}

}  // namespace mentoring::profiles
