#include "profiles_service.h"

#include "hr_importer.h"

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
      filter_.updated_after =
          absl::FromUnixSeconds(request.updated_after().seconds()) + absl::Nanoseconds(request.updated_after().nanos());
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

// Client stream: the options first, then the file in chunks. Each chunk is parsed and
// staged on the worker pool before the next is read, so a fast client cannot pile the
// file up in memory.
class ImportPeopleReactor final : public grpc::ServerReadReactor<v1::ImportPeopleChunk> {
 public:
  ImportPeopleReactor(grpc::CallbackServerContext* ctx, ProfilesApp& app, pg::Pool& pool, const Clock& clock,
                      WorkerPool& workers, const InternalTokenVerifier& verifier, v1::ImportReport* response)
      : ctx_(ctx), app_(app), pool_(pool), clock_(clock), workers_(workers), response_(response) {
    auto call = ReadCallContext(*ctx, verifier);
    if (!call.ok()) {
      Finish(errors::ToGrpcStatus(call.status()));
      return;
    }
    if (!call->caller.Has(roles::kHrIntegration) && !call->caller.IsService()) {
      Finish(errors::ToGrpcStatus(errors::PermissionDenied("HR import needs the hr_integration role")));
      return;
    }
    call_ = std::move(*call);
    StartRead(&chunk_);
  }

  void OnReadDone(bool ok) override {
    // The stream also ends this way when the client cancels or the connection drops: a
    // partial file must never be applied (a full sync would deactivate the rest).
    if (!ok && ctx_->IsCancelled()) {
      Finish(grpc::Status(grpc::StatusCode::CANCELLED, "upload cancelled; nothing applied"));
      return;
    }
    workers_.Submit([this, ok] {
      auto status = ok ? Take() : Complete();
      if (!status.ok()) {
        Finish(errors::ToGrpcStatus(status));
      } else if (ok) {
        StartRead(&chunk_);
      }
    });
  }

  void OnDone() override { delete this; }

 private:
  absl::Status Take() {
    if (!importer_) {
      if (!chunk_.has_options()) {
        return errors::InvalidArgument("options", "first", "the first message must carry the import options");
      }
      if (chunk_.options().format() == v1::IMPORT_FORMAT_UNSPECIFIED) {
        return errors::InvalidArgument("options.format", "required", "say CSV or JSON_LINES");
      }
      importer_ = std::make_unique<HrImporter>(pool_, app_, clock_, chunk_.options(), call_.trace.ToHeader());
      return absl::OkStatus();
    }
    if (chunk_.has_options())
      return errors::InvalidArgument("options", "once", "options come only in the first message");
    return importer_->AddChunk(chunk_.data());
  }

  absl::Status Complete() {
    if (!importer_) return errors::InvalidArgument("options", "first", "the stream carried no options");
    auto report = importer_->Finish();
    importer_.reset();
    if (!report.ok()) return report.status();
    *response_ = std::move(*report);
    Finish(grpc::Status::OK);
    return absl::OkStatus();
  }

  grpc::CallbackServerContext* ctx_;
  ProfilesApp& app_;
  pg::Pool& pool_;
  const Clock& clock_;
  WorkerPool& workers_;
  v1::ImportReport* response_;
  CallContext call_;
  v1::ImportPeopleChunk chunk_;
  std::unique_ptr<HrImporter> importer_;
};

}  // namespace

grpc::ServerUnaryReactor* ProfilesService::CreatePerson(grpc::CallbackServerContext* ctx,
                                                        const v1::CreatePersonRequest* request, v1::Person* response) {
  return HandleUnary(ctx, workers_, verifier_, [this, request, response](const CallContext& call) {
    return Into(app_.Create(call, request->person()), response);
  });
}

grpc::ServerUnaryReactor* ProfilesService::GetPerson(grpc::CallbackServerContext* ctx, const grpc::ByteBuffer* request,
                                                     grpc::ByteBuffer* response) {
  // The hot read: answered from the cache without a worker-pool hand-off.
  return HandleUnaryAsync(ctx, verifier_, [this, request, response](const CallContext& call, UnaryDone done) {
    v1::GetPersonRequest get;
    grpc::ByteBuffer bytes(*request);  // shares the slices
    if (!grpc::SerializationTraits<v1::GetPersonRequest>::Deserialize(&bytes, &get).ok()) {
      return done(errors::InvalidArgument("person_id", "message", "not a GetPersonRequest"));
    }
    app_.GetSerializedAsync(call, get.person_id(),
                            [response, done = std::move(done)](absl::StatusOr<std::string> person) {
                              if (!person.ok()) return done(person.status());
                              grpc::Slice slice(*person);
                              *response = grpc::ByteBuffer(&slice, 1);
                              done(absl::OkStatus());
                            });
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

grpc::ServerUnaryReactor* ProfilesService::DeactivatePerson(grpc::CallbackServerContext* ctx,
                                                            const v1::DeactivatePersonRequest* request,
                                                            v1::Person* response) {
  return HandleUnary(ctx, workers_, verifier_, [this, request, response](const CallContext& call) {
    return Into(app_.Deactivate(call, *request), response);
  });
}

grpc::ServerUnaryReactor* ProfilesService::ErasePerson(grpc::CallbackServerContext* ctx,
                                                       const v1::ErasePersonRequest* request,
                                                       v1::ErasePersonResponse* response) {
  return HandleUnary(ctx, workers_, verifier_, [this, request, response](const CallContext& call) {
    return Into(app_.Erase(call, request->person_id()), response);
  });
}

grpc::ServerUnaryReactor* ProfilesService::SearchPeople(grpc::CallbackServerContext* ctx,
                                                        const v1::SearchPeopleRequest* request,
                                                        v1::SearchPeopleResponse* response) {
  return HandleUnary(ctx, workers_, verifier_, [this, request, response](const CallContext& call) {
    return Into(app_.Search(call, *request), response);
  });
}

grpc::ServerUnaryReactor* ProfilesService::GetReportingChain(grpc::CallbackServerContext* ctx,
                                                             const v1::GetReportingChainRequest* request,
                                                             v1::GetReportingChainResponse* response) {
  return HandleUnary(ctx, workers_, verifier_, [this, request, response](const CallContext& call) {
    return Into(app_.ReportingChain(call, request->person_id()), response);
  });
}

grpc::ServerUnaryReactor* ProfilesService::SetGoalStatus(grpc::CallbackServerContext* ctx,
                                                         const v1::SetGoalStatusRequest* request,
                                                         v1::Person* response) {
  return HandleUnary(ctx, workers_, verifier_, [this, request, response](const CallContext& call) {
    return Into(app_.SetGoalStatus(call, *request), response);
  });
}

grpc::ServerUnaryReactor* ProfilesService::GetExclusions(grpc::CallbackServerContext* ctx,
                                                         const v1::GetExclusionsRequest* request,
                                                         v1::GetExclusionsResponse* response) {
  return HandleUnary(ctx, workers_, verifier_, [this, request, response](const CallContext& call) {
    return Into(app_.Exclusions(call, request->person_id()), response);
  });
}

grpc::ServerReadReactor<v1::ImportPeopleChunk>* ProfilesService::ImportPeople(grpc::CallbackServerContext* ctx,
                                                                              v1::ImportReport* response) {
  return new ImportPeopleReactor(ctx, app_, pool_, clock_, workers_, verifier_, response);
}

}  // namespace mentoring::profiles
