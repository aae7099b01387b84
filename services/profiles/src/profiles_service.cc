#include "profiles_service.h"

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
  return absl::OkStatus();
}

}  // namespace mentoring::profiles
