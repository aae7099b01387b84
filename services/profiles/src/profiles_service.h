#pragma once
// gRPC adapter for mentoring.profiles.v1.ProfilesService: translates calls to ProfilesApp
// and results back. No rules live here.
#include "mentoring/profiles/v1/profiles.grpc.pb.h"
#include "mentoring/runtime/server.h"
#include "profiles_app.h"

namespace mentoring::profiles {

// GetPerson is registered raw (bytes in and out), so a cached person goes out as the bytes
// the cache holds, without a parse and a re-serialise per read.
class ProfilesService final
    : public v1::ProfilesService::WithRawCallbackMethod_GetPerson<v1::ProfilesService::CallbackService> {
 public:
  ProfilesService(ProfilesApp& app, pg::Pool& pool, const Clock& clock, WorkerPool& workers,
                  const InternalTokenVerifier& verifier)
      : app_(app), pool_(pool), clock_(clock), workers_(workers), verifier_(verifier) {}

  grpc::ServerUnaryReactor* CreatePerson(grpc::CallbackServerContext* ctx, const v1::CreatePersonRequest* request,
                                         v1::Person* response) override;
  grpc::ServerUnaryReactor* GetPerson(grpc::CallbackServerContext* ctx, const grpc::ByteBuffer* request,
                                      grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* BatchGetPeople(grpc::CallbackServerContext* ctx, const v1::BatchGetPeopleRequest* request,
                                           v1::BatchGetPeopleResponse* response) override;
  grpc::ServerUnaryReactor* UpdatePerson(grpc::CallbackServerContext* ctx, const v1::UpdatePersonRequest* request,
                                         v1::Person* response) override;
  grpc::ServerWriteReactor<v1::Person>* ListPeople(grpc::CallbackServerContext* ctx,
                                                   const v1::ListPeopleRequest* request) override;
  grpc::ServerUnaryReactor* DeactivatePerson(grpc::CallbackServerContext* ctx,
                                             const v1::DeactivatePersonRequest* request, v1::Person* response) override;
  grpc::ServerUnaryReactor* ErasePerson(grpc::CallbackServerContext* ctx, const v1::ErasePersonRequest* request,
                                        v1::ErasePersonResponse* response) override;
  grpc::ServerUnaryReactor* SearchPeople(grpc::CallbackServerContext* ctx, const v1::SearchPeopleRequest* request,
                                         v1::SearchPeopleResponse* response) override;
  grpc::ServerUnaryReactor* GetReportingChain(grpc::CallbackServerContext* ctx,
                                              const v1::GetReportingChainRequest* request,
                                              v1::GetReportingChainResponse* response) override;
  grpc::ServerUnaryReactor* SetGoalStatus(grpc::CallbackServerContext* ctx, const v1::SetGoalStatusRequest* request,
                                          v1::Person* response) override;
  grpc::ServerUnaryReactor* GetExclusions(grpc::CallbackServerContext* ctx, const v1::GetExclusionsRequest* request,
                                          v1::GetExclusionsResponse* response) override;
  grpc::ServerReadReactor<v1::ImportPeopleChunk>* ImportPeople(grpc::CallbackServerContext* ctx,
                                                               v1::ImportReport* response) override;

 private:
  ProfilesApp& app_;
  pg::Pool& pool_;  // for HR imports
  const Clock& clock_;
  WorkerPool& workers_;
  const InternalTokenVerifier& verifier_;
};

}  // namespace mentoring::profiles
