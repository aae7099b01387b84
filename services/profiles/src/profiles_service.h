#pragma once
// gRPC adapter for mentoring.profiles.v1.ProfilesService: translates calls to ProfilesApp
// and results back. No rules live here.
#include "mentoring/profiles/v1/profiles.grpc.pb.h"
#include "mentoring/runtime/server.h"
#include "profiles_app.h"

namespace mentoring::profiles {

class ProfilesService final : public v1::ProfilesService::CallbackService {
 public:
  ProfilesService(ProfilesApp& app, WorkerPool& workers, const InternalTokenVerifier& verifier)
      : app_(app), workers_(workers), verifier_(verifier) {}

  grpc::ServerUnaryReactor* CreatePerson(grpc::CallbackServerContext* ctx, const v1::CreatePersonRequest* request,
                                         v1::Person* response) override;
  grpc::ServerUnaryReactor* GetPerson(grpc::CallbackServerContext* ctx, const v1::GetPersonRequest* request,
                                      v1::Person* response) override;
  grpc::ServerUnaryReactor* BatchGetPeople(grpc::CallbackServerContext* ctx, const v1::BatchGetPeopleRequest* request,
                                           v1::BatchGetPeopleResponse* response) override;
  grpc::ServerUnaryReactor* UpdatePerson(grpc::CallbackServerContext* ctx, const v1::UpdatePersonRequest* request,
                                         v1::Person* response) override;
  grpc::ServerWriteReactor<v1::Person>* ListPeople(grpc::CallbackServerContext* ctx,
                                                   const v1::ListPeopleRequest* request) override;

 private:
  ProfilesApp& app_;
  WorkerPool& workers_;
  const InternalTokenVerifier& verifier_;
};

}  // namespace mentoring::profiles
