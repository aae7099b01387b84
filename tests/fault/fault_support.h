#pragma once
// Writers that keep changing people through the real service while a fault is injected,
// and remember what the event stream must contain afterwards.
#include <absl/synchronization/mutex.h>

#include <atomic>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "harness.h"
#include "mentoring/runtime/events.h"

namespace mentoring::testing {

class ProfileWriters {
 public:
  // `threads` writers, each creating a person and then updating it `updates_per_person`
  // times, round after round, until Stop().
  ProfileWriters(std::shared_ptr<grpc::Channel> channel, int threads, int updates_per_person = 3)
      : stub_(profiles::v1::ProfilesService::NewStub(std::move(channel))), updates_(updates_per_person) {
    for (int t = 0; t < threads; ++t) threads_.emplace_back([this, t] { Run(t); });
  }
  ~ProfileWriters() { Stop(); }

  void Stop() {
    stop_ = true;
    for (auto& t : threads_) {
      if (t.joinable()) t.join();
    }
  }

  int succeeded() const { return succeeded_; }
  std::vector<std::string> failures() {
    absl::MutexLock lock(&mu_);
    return failures_;
  }
  std::map<std::string, std::vector<int64_t>> expected() {
    absl::MutexLock lock(&mu_);
    return expected_;
  }

 private:
  void Run(int thread) {
    for (int round = 0; !stop_; ++round) {
      profiles::v1::CreatePersonRequest create;
      *create.mutable_person() = SamplePerson("w" + std::to_string(thread) + "-" + std::to_string(round));
      profiles::v1::Person person;
      const auto created = stub_->CreatePerson(ContextAs(HrCaller()).get(), create, &person);
      if (!Record(created, person.person_id(), 1)) continue;
      for (int u = 0; u < updates_ && !stop_; ++u) {
        profiles::v1::UpdatePersonRequest update;
        *update.mutable_person() = person;
        update.mutable_person()->set_title("Title " + std::to_string(u));
        update.set_expected_version(person.version());
        profiles::v1::Person next;
        const auto updated = stub_->UpdatePerson(ContextAs(HrCaller()).get(), update, &next);
        if (!Record(updated, person.person_id(), person.version() + 1)) break;
        person = next;
      }
    }
  }

  bool Record(const grpc::Status& status, const std::string& person_id, int64_t sequence) {
    absl::MutexLock lock(&mu_);
    if (!status.ok()) {
      failures_.push_back(std::to_string(status.error_code()) + ": " + status.error_message());
      return false;
    }
    ++succeeded_;
    expected_[person_id].push_back(sequence);
    return true;
  }

  std::unique_ptr<profiles::v1::ProfilesService::Stub> stub_;
  const int updates_;
  std::atomic<bool> stop_{false};
  std::atomic<int> succeeded_{0};
  absl::Mutex mu_;
  std::vector<std::string> failures_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::vector<int64_t>> expected_ ABSL_GUARDED_BY(mu_);
  std::vector<std::thread> threads_;
};

}  // namespace mentoring::testing
