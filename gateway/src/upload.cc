#include "upload.h"

#include <absl/synchronization/mutex.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/impl/codegen/proto_utils.h>  // serialisation of protobuf messages in generic calls

#include <deque>
#include <utility>
#include <vector>

namespace mentoring::gateway {
namespace {

using google::protobuf::Message;
using GenericStub = grpc::TemplatedGenericStub<Message, Message>;

const Message& PrototypeOf(const google::protobuf::Descriptor* type) {
  return *google::protobuf::MessageFactory::generated_factory()->GetPrototype(type);
}

// A client-streaming call driven through the bidirectional callback reactor (the same bytes
// on the wire): writes queue here and go out one at a time; the one response is read once.
class UploadCall final : public Upload,
                         public grpc::ClientBidiReactor<Message, Message>,
                         public std::enable_shared_from_this<UploadCall> {
 public:
  UploadCall(const std::shared_ptr<grpc::Channel>& channel, const Route& route,
             std::unique_ptr<grpc::ClientContext> context, Answered answered)
      : route_(route),
        stub_(channel),
        context_(std::move(context)),
        response_(PrototypeOf(route.method->output_type()).New()),
        answered_(std::move(answered)) {}

  void Start(std::unique_ptr<Message> first) {
    self_ = shared_from_this();  // the call keeps itself until OnDone
    stub_.PrepareBidiStreamingCall(context_.get(), route_.grpc_method, grpc::StubOptions(), this);
    Enqueue({std::move(first), nullptr});
    StartRead(response_.get());
    StartCall();
  }

  void Write(std::string chunk, std::function<void(bool)> taken) override {
    std::unique_ptr<Message> message(PrototypeOf(route_.method->input_type()).New());
    const auto* field = message->GetDescriptor()->FindFieldByName(route_.body);
    message->GetReflection()->SetString(message.get(), field, std::move(chunk));
    Enqueue({std::move(message), std::move(taken)});
  }

  void Finish() override { Enqueue({nullptr, nullptr}); }

  void Cancel() override { context_->TryCancel(); }

  void OnWriteDone(bool ok) override { Sent(ok); }
  void OnWritesDoneDone(bool ok) override { Sent(ok); }
  void OnReadDone(bool) override {}  // the answer is in response_; the status comes to OnDone

  void OnDone(const grpc::Status& status) override {
    for (auto& taken : EndWrites()) taken(false);
    answered_(status, *response_);
    auto keep_until_return = std::move(self_);
  }

 private:
  // A message to send, or (null) the end of the writes; `taken` is told when it has gone.
  struct Outgoing {
    std::unique_ptr<Message> message;
    std::function<void(bool)> taken;
  };

  void Enqueue(Outgoing outgoing) {
    bool refused = false, start = false;
    {
      absl::MutexLock lock(&mu_);
      if (ended_) {
        refused = true;
      } else {
        queue_.push_back(std::move(outgoing));
        if (!writing_) writing_ = start = true;
      }
    }
    if (refused && outgoing.taken) outgoing.taken(false);
    if (start) SendFront();
  }

  // Starts the write at the head of the queue (never under the lock: gRPC may react inline).
  void SendFront() {
    const Message* message = nullptr;
    {
      absl::MutexLock lock(&mu_);
      message = queue_.front().message.get();
    }
    if (message != nullptr) {
      StartWrite(message);
    } else {
      StartWritesDone();
    }
  }

  // The head of the queue has gone (or failed: the call is over, nothing more is sent).
  void Sent(bool ok) {
    Outgoing done;
    std::vector<std::function<void(bool)>> refused;
    bool more = false;
    {
      absl::MutexLock lock(&mu_);
      done = std::move(queue_.front());
      queue_.pop_front();
      writing_ = false;
      if (!ok) ended_ = true;
      if (ended_) {
        for (auto& waiting : queue_)
          if (waiting.taken) refused.push_back(std::move(waiting.taken));
        queue_.clear();
      } else if (!queue_.empty()) {
        writing_ = more = true;
      }
    }
    if (done.taken) done.taken(ok);
    for (auto& taken : refused) taken(false);
    if (more) SendFront();
  }

  std::vector<std::function<void(bool)>> EndWrites() {
    absl::MutexLock lock(&mu_);
    ended_ = true;
    std::vector<std::function<void(bool)>> refused;
    for (auto& waiting : queue_)
      if (waiting.taken) refused.push_back(std::move(waiting.taken));
    queue_.clear();
    return refused;
  }

  const Route& route_;
  GenericStub stub_;
  std::unique_ptr<grpc::ClientContext> context_;
  std::unique_ptr<Message> response_;
  Answered answered_;
  std::shared_ptr<UploadCall> self_;
  absl::Mutex mu_;
  std::deque<Outgoing> queue_ ABSL_GUARDED_BY(mu_);
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool ended_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace

std::shared_ptr<Upload> StartUpload(const std::shared_ptr<grpc::Channel>& channel, const Route& route,
                                    std::unique_ptr<grpc::ClientContext> context, std::unique_ptr<Message> first,
                                    Upload::Answered answered) {
  auto call = std::make_shared<UploadCall>(channel, route, std::move(context), std::move(answered));
  call->Start(std::move(first));
  return call;
}

}  // namespace mentoring::gateway
