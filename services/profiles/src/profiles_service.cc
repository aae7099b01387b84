#include "profiles_service.h"

namespace mentoring::profiles {
namespace {

template <class T>
absl::Status Into(absl::StatusOr<T> result, T* out) {
  if (!result.ok()) return result.status();
  *out = std::move(*result);
  return absl::OkStatus();
}

constexpr int kListPageSize = 500;

// Streams people page by page (keyset on person id): each page is read on the worker pool
// and written with flow control, so memory stays at one page whatever the directory size.
class ListPeopleReactor final : public grpc::ServerWriteReactor<v1::Person> {
 public:
  ListPeopleReactor(grpc::CallbackServerContext* ctx, ProfilesApp& app, WorkerPool& workers,
                    const InternalTokenVerifier& verifier, const v1::ListPeopleRequest& request)
      : app_(app), workers_(workers) {
    auto call = ReadCallContext(*ctx, verifier);
    if (!call.ok()) {
      Finish(errors::ToGrpcStatus(call.status()));
      return;
    }
    call_ = std::move(*call);
    filter_.include_departed = request.include_departed();
    if (request.has_updated_after()) {
      filter_.updated_after = absl::FromUnixSeconds(request.updated_after().seconds()) +
                              absl::Nanoseconds(request.updated_after().nanos());
    }
    FetchPage();
  }

  void OnWriteDone(bool ok) override {
    if (!ok) {
      Finish(grpc::Status(grpc::StatusCode::CANCELLED, "client went away"));
      return;
    }
    WriteNext();
  }

  void OnDone() override { delete this; }

 private:
  void FetchPage() {
    workers_.Submit([this] {
      auto page = app_.ListPage(call_, after_id_, kListPageSize, filter_);
      if (!page.ok()) {
        Finish(errors::ToGrpcStatus(page.status()));
        return;
      }
      page_ = std::move(*page);
      next_ = 0;
      last_page_ = static_cast<int>(page_.size()) < kListPageSize;
      if (!page_.empty()) after_id_ = page_.back().person_id();
      WriteNext();
    });
  }

  void WriteNext() {
    if (next_ < page_.size()) {
      StartWrite(&page_[next_++]);
    } else if (last_page_) {
      Finish(grpc::Status::OK);
    } else {
      FetchPage();
    }
  }

  ProfilesApp& app_;
  WorkerPool& workers_;
  CallContext call_;
  ListFilter filter_;
  std::string after_id_;
  std::vector<v1::Person> page_;
  size_t next_ = 0;
  bool last_page_ = false;
};

}  // namespace

grpc::ServerUnaryReactor* ProfilesService::CreatePerson(grpc::CallbackServerContext* ctx,
                                                        const v1::CreatePersonRequest* request, v1::Person* response) {
  return HandleUnary(ctx, workers_, verifier_, [this, request, response](const CallContext& call) {
    return Into(app_.Create(call, request->person()), response);
  });
}

grpc::ServerUnaryReactor* ProfilesService::GetPerson(grpc::CallbackServerContext* ctx,
                                                     const v1::GetPersonRequest* request, v1::Person* response) {
  return HandleUnary(ctx, workers_, verifier_, [this, request, response](const CallContext& call) {
    return Into(app_.Get(call, request->person_id()), response);
  });
}

grpc::ServerUnaryReactor* ProfilesService::BatchGetPeople(grpc::CallbackServerContext* ctx,
                                                          const v1::BatchGetPeopleRequest* request,
                                                          v1::BatchGetPeopleResponse* response) {
  return HandleUnary(ctx, workers_, verifier_, [this, request, response](const CallContext& call) {
    std::vector<std::string> ids(request->person_ids().begin(), request->person_ids().end());
    return Into(app_.BatchGet(call, ids), response);
  });
}

grpc::ServerUnaryReactor* ProfilesService::UpdatePerson(grpc::CallbackServerContext* ctx,
                                                        const v1::UpdatePersonRequest* request, v1::Person* response) {
  return HandleUnary(ctx, workers_, verifier_, [this, request, response](const CallContext& call) {
    return Into(app_.Update(call, request->person(), request->expected_version()), response);
  });
}

grpc::ServerWriteReactor<v1::Person>* ProfilesService::ListPeople(grpc::CallbackServerContext* ctx,
                                                                  const v1::ListPeopleRequest* request) {
  return new ListPeopleReactor(ctx, app_, workers_, verifier_, *request);
}

}  // namespace mentoring::profiles
