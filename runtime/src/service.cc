#include "mentoring/runtime/service.h"

#include <absl/strings/str_cat.h>
#include <absl/strings/str_join.h>
#include <spdlog/spdlog.h>

#include <cstdio>

#include "mentoring/runtime/events.h"
#include "mentoring/runtime/logging.h"
#include "mentoring/runtime/outbox.h"
#include "mentoring/runtime/v1/test_clock.grpc.pb.h"

namespace mentoring {

pg::Pool& ServiceContext::database() {
  if (!database_) {
    // A wiring bug (a service declared without migrations asks for a database): say so.
    spdlog::critical("service {} has no database (its definition names no migrations)", name_);
    std::abort();
  }
  return *database_;
}

redis::Client& ServiceContext::redis() {
  if (!redis_) {
    spdlog::critical("service {} does not use Redis (set uses_redis in its definition)", name_);
    std::abort();
  }
  return *redis_;
}

const google::protobuf::ServiceDescriptor& ServiceContext::FindService(const char* full_name) {
  const auto* service = google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(full_name);
  if (service == nullptr) {
    spdlog::critical("no gRPC service {} is linked into this binary", full_name);
    std::abort();
  }
  return *service;
}

GrpcApi& ServiceContext::Serve(const google::protobuf::ServiceDescriptor& service) {
  apis_.push_back(std::make_unique<GrpcApi>(service, *workers_, *verifier_));
  return *apis_.back();
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> ServiceContext::ChannelTo(const std::string& target) const {
  return mentoring::ChannelTo(target, settings_.tls);
}

EventRouter& ServiceContext::Consume(const std::vector<std::string>& producers) {
  Consumer consumer;
  consumer.group = settings_.consumer_group;
  for (const auto& producer : producers) consumer.topics.push_back(events::TopicFor(producer));
  consumer.router = std::make_unique<EventRouter>();
  consumers_.push_back(std::move(consumer));
  return *consumers_.back().router;
}

EventRouter& ServiceContext::ReadModel(ReadModelSettings settings, const std::vector<std::string>& producers) {
  EventRouter& router = Consume(producers);
  Consumer& consumer = consumers_.back();
  consumer.group = absl::StrCat(settings_.consumer_group, ".", settings.name);
  consumer.loader = std::make_unique<ReadModelLoader>(database(), std::move(settings), metrics());
  return router;
}

void ServiceContext::Every(JobSettings settings, JobTick tick) {
  jobs_.push_back(std::make_unique<BackgroundJob>(std::move(settings), std::move(tick), metrics()));
}

// Puts a service together from its definition and runs it: what RunService does, in the
// order the skeleton promises (service.h).
class ServiceRunner {
 public:
  int Run(int argc, char** argv, const ServiceBasics& basics, const std::function<void(Config&)>& read_settings,
          const std::function<absl::Status(ServiceContext&)>& wire) {
    BlockShutdownSignals();  // before any thread starts, so only this one takes SIGTERM
    std::string prefix = basics.name;
    for (auto& c : prefix) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    Config config = Config::FromProcess(prefix, argc, argv);
    ctx_.name_ = basics.name;
    ctx_.settings_ = ServiceSettings::Read(config, basics);
    read_settings(config);
    if (auto checked = config.Check(); !checked.ok()) {
      std::fprintf(stderr, "%s: %s\n", basics.name.c_str(), std::string(checked.message()).c_str());
      return 2;
    }
    const ServiceSettings& settings = ctx_.settings_;
    InitLogging(basics.name, settings.log_level);
    events::SetTopicNamespace(settings.topic_namespace);
    if (settings.test_clock) {
      spdlog::warn("TEST_CLOCK is on: tests may move this service's clock forward (never in a deployment)");
      ctx_.own_clock_ = std::make_unique<AdjustableClock>();
      ctx_.clock_ = ctx_.own_clock_.get();
    }
    metrics_ = std::make_unique<MetricsEndpoint>(settings.admin_listen);

    if (basics.has_database()) {
      ctx_.database_ = std::make_unique<pg::Pool>(
          pg::PoolSettings{.conninfo = settings.database_url, .size = settings.db_pool_size});
      if (auto migrated =
              MigrateWhenReachable(*ctx_.database_, basics.name, basics.migrations(), settings.startup_timeout);
          !migrated.ok()) {
        spdlog::critical("cannot prepare the database: {}", migrated.ToString());
        return 1;
      }
    }
    if (basics.publishes_events) {
      if (auto topic = CheckProducerTopic(settings.kafka_bootstrap, basics.name); !topic.ok()) {
        spdlog::critical("{}", topic.ToString());
        return 1;
      }
    }
    if (basics.uses_redis) {
      ctx_.redis_ = std::make_unique<redis::Client>(
          redis::Settings{.host = settings.redis_host, .port = settings.redis_port, .pool_size = settings.workers});
    }
    if (basics.publishes_events) {
      relay_ = std::make_unique<OutboxRelay>(*ctx_.database_,
                                             RelaySettings{.outbox_name = basics.name,
                                                           .kafka_bootstrap = settings.kafka_bootstrap,
                                                           .retention = settings.outbox_retention},
                                             ctx_.clock(), ctx_.metrics());
      relay_->Start();
    }
    // Tokens are checked against real time: a test clock moved forward must not expire them.
    const InternalTokenSettings tokens{.secret = settings.token_secret};
    ctx_.verifier_ = std::make_unique<InternalTokenVerifier>(tokens, SystemClock::Instance());
    ctx_.signer_ = std::make_unique<InternalTokenSigner>(tokens, SystemClock::Instance());
    ctx_.workers_ = std::make_unique<WorkerPool>(settings.workers);

    if (auto wired = wire(ctx_); !wired.ok()) ctx_.Fail(wired.ToString());
    if (settings.test_clock) ServeTestClock();
    for (const auto& api : ctx_.apis_) {
      if (auto complete = api->Check(); !complete.ok()) ctx_.Fail(complete.ToString());
    }
    for (const auto& consumer : ctx_.consumers_) {
      if (auto routes = consumer.router->Check(); !routes.ok()) ctx_.Fail(routes.ToString());
    }
    if (!ctx_.problems_.empty()) {
      spdlog::critical("cannot start {}: {}", basics.name, absl::StrJoin(ctx_.problems_, "; "));
      Stop();
      return 1;
    }
    if (auto started = StartConsumers(); !started.ok()) {
      spdlog::critical("cannot start the event consumers: {}", started.ToString());
      Stop();
      return 1;
    }
    for (auto& job : ctx_.jobs_) job->Start();

    auto server_settings = settings.GrpcServerSettings();
    if (!server_settings.ok()) {
      spdlog::critical("{}", server_settings.status().ToString());
      Stop();
      return 1;
    }
    server_ = std::make_unique<GrpcServer>(std::move(*server_settings));
    for (const auto& api : ctx_.apis_) server_->AddService(api.get());
    if (auto started = server_->Start(); !started.ok()) {
      spdlog::critical("{}", started.ToString());
      Stop();
      return 1;
    }
    const int admin_port = metrics_->ports().empty() ? 0 : metrics_->ports().front();
    spdlog::info("{} serving gRPC on port {}, metrics on port {}", basics.name, server_->port(), admin_port);
    WritePortFile(settings.port_file, server_->port(), admin_port, ctx_.extra_ports_);

    const int signal = WaitForShutdownSignal();
    spdlog::info("signal {} received: draining", signal);
    server_->BeginDrain();  // NOT_SERVING, then the drain delay, still serving
    for (auto& hook : ctx_.drain_hooks_) hook();
    server_->FinishDrain();  // refuse new calls; the ones in flight finish within the grace
    Stop();
    spdlog::info("{} stopped cleanly", basics.name);
    return 0;
  }

 private:
  absl::Status StartConsumers() {
    for (auto& c : ctx_.consumers_) {
      ConsumerSettings consumer_settings{
          .name = c.group, .kafka_bootstrap = ctx_.settings_.kafka_bootstrap, .topics = c.topics};
      if (c.loader) {
        auto start_from = c.loader->Prepare();
        if (!start_from.ok()) return start_from.status();
        consumer_settings.first_start_from = *start_from;
      }
      c.consumer =
          std::make_unique<EventConsumer>(ctx_.database(), std::move(consumer_settings), *c.router, ctx_.metrics());
      if (auto started = c.consumer->Start(); !started.ok()) return started;
      if (c.loader) c.loader->Start();
    }
    return absl::OkStatus();
  }

  // Jobs, loads and consumers stop (each finishes what it has in hand), then the relay
  // publishes its batch and lets go of the outbox, then what the wiring made is destroyed.
  void Stop() {
    for (auto& job : ctx_.jobs_) job->Stop();
    for (auto& c : ctx_.consumers_) {
      if (c.loader) c.loader->Stop();
      if (c.consumer) c.consumer->Stop();
    }
    if (relay_) relay_->Stop();
    ctx_.workers_.reset();  // what is queued still runs, before what it may use is destroyed
    while (!ctx_.owned_.empty()) ctx_.owned_.pop_back();
  }

  void ServeTestClock() {
    auto* clock = static_cast<AdjustableClock*>(ctx_.own_clock_.get());
    ctx_.Serve<runtime::v1::TestClock>().Unary(
        "Advance",
        [clock](const CallContext& call,
                const runtime::v1::AdvanceClockRequest& request) -> absl::StatusOr<runtime::v1::ClockTime> {
          if (!call.caller.IsService()) return errors::PermissionDenied("the test clock is for tests only");
          clock->Advance(absl::Seconds(request.by().seconds()) + absl::Nanoseconds(request.by().nanos()));
          runtime::v1::ClockTime now;
          now.mutable_now()->set_seconds(absl::ToUnixSeconds(clock->Now()));
          return now;
        });
  }

  ServiceContext ctx_;
  std::unique_ptr<MetricsEndpoint> metrics_;
  std::unique_ptr<OutboxRelay> relay_;
  std::unique_ptr<GrpcServer> server_;
};

int RunService(int argc, char** argv, const ServiceBasics& basics, const std::function<void(Config&)>& read_settings,
               const std::function<absl::Status(ServiceContext&)>& wire) {
  ServiceRunner runner;
  return runner.Run(argc, argv, basics, read_settings, wire);
}

}  // namespace mentoring
