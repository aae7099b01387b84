// The matching service: main wires the runtime and the service together and nothing else.
#include <absl/strings/str_cat.h>
#include <spdlog/spdlog.h>

#include <thread>

#include "directory.h"
#include "matching_app.h"
#include "matching_service.h"
#include "mentoring/runtime/config.h"
#include "mentoring/runtime/event_consumer.h"
#include "mentoring/runtime/events.h"
#include "mentoring/runtime/logging.h"
#include "mentoring/runtime/outbox.h"
#include "mentoring/runtime/postgres.h"
#include "mentoring/runtime/server.h"
#include "mentoring/runtime/service_main.h"

namespace mentoring::matching {
const std::vector<pg::Migration>& Migrations();  // generated from migrations/*.sql
}

namespace {

using namespace mentoring;

// The shared settings (runtime/service_main.h) plus what matching alone needs.
struct Settings : ServiceSettings {
  std::string profiles_addr;
  std::string consumer_group;
  int solver_threads = 0;
};

absl::StatusOr<Settings> ReadSettings(int argc, char** argv) {
  Config config = Config::FromProcess("MATCHING", argc, argv);
  Settings s;
  static_cast<ServiceSettings&>(s) = ServiceSettings::Read(config, "127.0.0.1:50062", "127.0.0.1:9462");
  const auto [profiles_host, profiles_port] = config.RequiredHostPort("PROFILES_ADDR");
  s.profiles_addr = absl::StrCat(profiles_host, ":", profiles_port);
  s.consumer_group = config.String("CONSUMER_GROUP", "matching");
  s.solver_threads = static_cast<int>(config.Int("SOLVER_THREADS", 2, 1, 64));
  if (auto status = config.Check(); !status.ok()) return status;
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  BlockShutdownSignals();  // before any thread starts, so only main receives SIGTERM
  auto settings = ReadSettings(argc, argv);
  if (!settings.ok()) {
    std::fprintf(stderr, "matching: %s\n", std::string(settings.status().message()).c_str());
    return 2;
  }
  InitLogging("matching", settings->log_level);
  const Clock& clock = SystemClock::Instance();

  MetricsEndpoint metrics(settings->admin_listen);
  pg::Pool pool({.conninfo = settings->database_url, .size = settings->db_pool_size});
  if (auto migrated = MigrateWhenReachable(pool, "matching", matching::Migrations(), settings->startup_timeout);
      !migrated.ok()) {
    spdlog::critical("cannot prepare the database: {}", migrated.ToString());
    return 1;
  }
  if (auto topic = CheckProducerTopic(settings->kafka_bootstrap, matching::kProducer); !topic.ok()) {
    spdlog::critical("{}", topic.ToString());
    return 1;
  }

  OutboxRelay relay(pool,
                    {.outbox_name = matching::kProducer,
                     .kafka_bootstrap = settings->kafka_bootstrap,
                     .retention = settings->outbox_retention},
                    clock, metrics.registry());
  relay.Start();

  const InternalTokenSettings token_settings{.secret = settings->token_secret};
  InternalTokenVerifier verifier(token_settings, clock);
  InternalTokenSigner signer(token_settings, clock);
  auto profiles_channel = ChannelTo(settings->profiles_addr, settings->tls);
  if (!profiles_channel.ok()) {
    spdlog::critical("{}", profiles_channel.status().ToString());
    return 1;
  }
  matching::ProfilesSource profiles(*profiles_channel, signer);
  matching::Directory directory(pool, clock);
  matching::MatchingApp app(pool, directory, clock, settings->solver_threads);

  // The read model: a full load from profiles until one has completed (retried until
  // profiles answers), then profile.* events keep it current. A fresh group starts
  // consuming a few minutes before the load began (the load covers everything earlier; the
  // overlap is harmless: facts are stored only when newer).
  auto loaded = matching::Directory::Loaded(pool);
  for (int attempt = 0; !loaded.ok() && attempt < 30; ++attempt) {
    absl::SleepFor(absl::Seconds(1));
    loaded = matching::Directory::Loaded(pool);
  }
  if (!loaded.ok()) {
    spdlog::critical("cannot read the read model's state: {}", loaded.status().ToString());
    return 1;
  }
  const bool needs_load = !*loaded;
  absl::Notification stopping;
  std::thread initial_load([&] {
    while (needs_load && !stopping.HasBeenNotified()) {
      auto synced = profiles.SyncAll(pool);
      if (synced.ok()) {
        spdlog::info("read model loaded from profiles: {} people", *synced);
        return;
      }
      spdlog::warn("cannot load the read model from profiles yet: {}", synced.status().ToString());
      stopping.WaitForNotificationWithTimeout(absl::Seconds(2));
    }
  });
  EventConsumer consumer(
      pool,
      {.name = settings->consumer_group,
       .kafka_bootstrap = settings->kafka_bootstrap,
       .topics = {events::TopicFor("profiles"), events::TopicFor("evaluation")},
       .first_start_from = needs_load ? clock.Now() - absl::Minutes(5) : absl::InfinitePast()},
      [&](pg::Transaction& txn, const events::EventEnvelope& event) { return app.OnEvent(txn, event, profiles); },
      metrics.registry());
  if (auto started = consumer.Start(); !started.ok()) {
    spdlog::critical("cannot start the event consumer: {}", started.ToString());
    return 1;
  }

  WorkerPool workers(settings->workers);
  matching::MatchingService service(app, workers, verifier);
  auto server_settings = settings->GrpcServerSettings();
  if (!server_settings.ok()) {
    spdlog::critical("{}", server_settings.status().ToString());
    return 1;
  }
  GrpcServer server(std::move(*server_settings));
  server.AddService(&service);
  if (auto started = server.Start(); !started.ok()) {
    spdlog::critical("{}", started.ToString());
    return 1;
  }
  const int admin_port = metrics.ports().empty() ? 0 : metrics.ports().front();
  spdlog::info("matching serving gRPC on port {}, metrics on port {}", server.port(), admin_port);
  WritePortFile(settings->port_file, server.port(), admin_port);

  const int signal = WaitForShutdownSignal();
  spdlog::info("signal {} received: draining", signal);
  server.Drain();
  consumer.Stop();
  stopping.Notify();
  initial_load.join();
  relay.Stop();
  spdlog::info("matching stopped cleanly");
  return 0;
}
