#pragma once
// The service skeleton. A service declares what it is (name, default ports, migrations,
// whether it publishes events or uses Redis), how it reads its own settings, and one
// function that wires its handlers, consumers and background jobs; the skeleton owns the
// rest, the same way for every service:
//
//   start:  settings (every bad one named at once) → JSON logs → metrics → database and
//           migrations → topic check → Redis → outbox relay → the service's wiring → every
//           API checked complete → read-model loads, consumers, jobs → gRPC server
//           (health, reflection) → port file
//   SIGTERM: NOT_SERVING and the drain delay → drain hooks → refuse new calls, finish the
//           ones in flight → stop jobs, read-model loads and consumers → stop the relay →
//           what the wiring made, in reverse order → the runtime's own pieces
//
//   int main(int argc, char** argv) {
//     return mentoring::RunService<matching::Settings>(argc, argv, {
//         .name = "matching", .grpc_listen = "127.0.0.1:50062", .admin_listen = "127.0.0.1:9462",
//         .migrations = matching::Migrations, .read_settings = matching::Settings::Read,
//         .wire = matching::Wire});
//   }
#include <absl/status/status.h>
#include <google/protobuf/descriptor.h>
#include <grpcpp/grpcpp.h>

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "mentoring/runtime/background_job.h"
#include "mentoring/runtime/clock.h"
#include "mentoring/runtime/config.h"
#include "mentoring/runtime/event_consumer.h"
#include "mentoring/runtime/event_router.h"
#include "mentoring/runtime/grpc_api.h"
#include "mentoring/runtime/identity.h"
#include "mentoring/runtime/postgres.h"
#include "mentoring/runtime/read_model.h"
#include "mentoring/runtime/redis.h"
#include "mentoring/runtime/server.h"
#include "mentoring/runtime/service_main.h"

namespace mentoring {

// What a service's wiring function gets: the runtime's pieces, and the places to register
// its API, its consumers, its read models and its background jobs.
class ServiceContext {
 public:
  const std::string& name() const { return name_; }
  const ServiceSettings& settings() const { return settings_; }
  // The service's clock: real time, or with TEST_CLOCK=true real time that tests move on.
  const Clock& clock() const { return *clock_; }
  pg::Pool& database();
  redis::Client& redis();
  WorkerPool& workers() { return *workers_; }
  prometheus::Registry& metrics() { return ProcessRegistry(); }
  // Signs this service's own calls to other services (caller id = the service's name).
  const InternalTokenSigner& signer() const { return *signer_; }
  const InternalTokenVerifier& verifier() const { return *verifier_; }

  // Makes an object that lives until the service has stopped taking calls and events; the
  // objects made are destroyed in reverse order, before the runtime's own pieces.
  template <class T, class... Args>
  T& Make(Args&&... args) {
    auto object = std::make_shared<T>(std::forward<Args>(args)...);
    T& ref = *object;
    owned_.push_back(std::move(object));
    return ref;
  }

  // The same for an object made elsewhere (a factory's unique_ptr).
  template <class T>
  T& Own(std::unique_ptr<T> object) {
    T& ref = *object;
    owned_.push_back(std::shared_ptr<T>(std::move(object)));
    return ref;
  }

  // The gRPC API of a generated service (e.g. Serve<v1::MatchingService>()): register a
  // handler for each of its methods.
  template <class GeneratedService>
  GrpcApi& Serve() {
    return Serve(FindService(GeneratedService::service_full_name()));
  }
  GrpcApi& Serve(const google::protobuf::ServiceDescriptor& service);
  // A channel to another service of the suite: mutual TLS when configured, client metrics.
  absl::StatusOr<std::shared_ptr<grpc::Channel>> ChannelTo(const std::string& target) const;
  // A consumer of these producers' topics, in the service's consumer group; route each
  // event type it needs on the router.
  EventRouter& Consume(const std::vector<std::string>& producers);
  // A read model kept from these producers' topics (a group of its own, starting at its
  // snapshot); route the events that keep it current on the router.
  EventRouter& ReadModel(ReadModelSettings settings, const std::vector<std::string>& producers);
  // A background job.
  void Every(JobSettings settings, JobTick tick);
  // Runs on SIGTERM once the service reports NOT_SERVING and the drain delay has passed,
  // before calls in flight are finished (the gateway answers its HTTP requests here).
  void OnDrain(std::function<void()> hook) { drain_hooks_.push_back(std::move(hook)); }
  // Another port to publish in the port file (NAME=port), e.g. the gateway's HTTP port.
  void PublishPort(std::string name, int port) { extra_ports_.emplace_back(std::move(name), port); }
  // A wiring mistake, reported with every other one before the service starts.
  void Fail(std::string problem) { problems_.push_back(std::move(problem)); }

 private:
  friend class ServiceRunner;
  static const google::protobuf::ServiceDescriptor& FindService(const char* full_name);
  struct Consumer {
    std::string group;
    std::vector<std::string> topics;
    std::unique_ptr<EventRouter> router;
    std::unique_ptr<ReadModelLoader> loader;  // null for a plain consumer
    std::unique_ptr<EventConsumer> consumer;
  };

  std::string name_;
  ServiceSettings settings_;
  std::unique_ptr<Clock> own_clock_;  // the adjustable clock of TEST_CLOCK
  const Clock* clock_ = &SystemClock::Instance();
  std::unique_ptr<pg::Pool> database_;
  std::unique_ptr<redis::Client> redis_;
  std::unique_ptr<WorkerPool> workers_;
  std::unique_ptr<InternalTokenVerifier> verifier_;
  std::unique_ptr<InternalTokenSigner> signer_;
  std::vector<std::unique_ptr<GrpcApi>> apis_;
  std::vector<Consumer> consumers_;
  std::vector<std::unique_ptr<BackgroundJob>> jobs_;
  std::vector<std::function<void()>> drain_hooks_;
  std::vector<std::pair<std::string, int>> extra_ports_;
  std::vector<std::shared_ptr<void>> owned_;
  std::vector<std::string> problems_;
};

// Runs a service until SIGTERM; returns the process's exit code (2: bad settings, 1: could
// not start, 0: stopped cleanly).
int RunService(int argc, char** argv, const ServiceBasics& basics, const std::function<void(Config&)>& read_settings,
               const std::function<absl::Status(ServiceContext&)>& wire);

template <class Settings>
struct ServiceDefinition {
  std::string name;
  std::string grpc_listen;
  std::string admin_listen;
  const std::vector<pg::Migration>& (*migrations)() = nullptr;
  bool publishes_events = true;
  bool uses_redis = false;
  // The service's own settings; problems are recorded in `config` and reported together
  // with the shared ones (docs/operations.md lists both).
  Settings (*read_settings)(Config& config) = nullptr;
  absl::Status (*wire)(ServiceContext& service, const Settings& settings) = nullptr;
};

template <class Settings>
int RunService(int argc, char** argv, const ServiceDefinition<Settings>& definition) {
  Settings settings;
  return RunService(
      argc, argv,
      {definition.name, definition.grpc_listen, definition.admin_listen, definition.migrations,
       definition.publishes_events, definition.uses_redis},
      [&](Config& config) {
        if (definition.read_settings != nullptr) settings = definition.read_settings(config);
      },
      [&](ServiceContext& service) { return definition.wire(service, settings); });
}

}  // namespace mentoring
