// Outbox publishing measured at a consumer. Writers commit state changes, each with a
// ~1 KB event, through the transactional outbox into a scratch database; the relay
// publishes them; a consumer on the same topic measures what arrives.
//
//   --mode=throughput : writers unthrottled for --seconds; reports committed and consumed
//                       events/s (the ratio to raw `kcat -P` comes from bench/outbox.sh)
//   --mode=latency    : writers paced to --rate events/s in total; reports commit-to-consumer
//                       latency p50/p99/max
//   --mode=drain      : writers fill the outbox for --seconds with the relay stopped, then
//                       the relay starts; reports how fast it drains the backlog (the relay's
//                       own publishing rate, without writers competing for the machine)
//
// Needs the stack (deploy/stack.sh up); reads its env file. Run through bench/outbox.sh.
#include <absl/strings/str_cat.h>
#include <libpq-fe.h>
#include <prometheus/registry.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "mentoring/runtime/config.h"
#include "mentoring/runtime/events.h"
#include "mentoring/runtime/ids.h"
#include "mentoring/runtime/kafka.h"
#include "mentoring/runtime/outbox.h"
#include "mentoring/runtime/postgres.h"

namespace {

using namespace mentoring;

void AdminExec(const std::string& url, const std::string& sql) {
  PGconn* conn = PQconnectdb(url.c_str());
  PQclear(PQexec(conn, sql.c_str()));
  PQfinish(conn);
}

// ~1 KB of ids: 26 subject references of 36-character UUIDs.
void Pad(events::EventEnvelope& event, int bytes) {
  while (static_cast<int>(event.ByteSizeLong()) < bytes) {
    auto* subject = event.add_subjects();
    subject->set_kind("person");
    subject->set_id(NewUuidV7());
  }
}

struct Received {
  std::vector<double> latency_ms;
  absl::Time first = absl::InfiniteFuture();
  absl::Time last = absl::InfinitePast();
  int64_t count = 0;
};

}  // namespace

int main(int argc, char** argv) {
  Config config = Config::FromProcess("BENCH", argc, argv);
  const std::string mode = config.String("MODE", "throughput");
  const int writers = static_cast<int>(config.Int("WRITERS", 8, 1, 64));
  const absl::Duration duration = absl::Seconds(config.Int("SECONDS", 60, 1, 3600));
  const int rate = static_cast<int>(config.Int("RATE", 1000, 1, 100000));
  const int payload = static_cast<int>(config.Int("PAYLOAD", 1024, 64, 100000));
  const std::string pg_host = config.RequiredString("PG_HOST");
  const std::string pg_port = config.RequiredString("PG_PORT");
  const std::string bootstrap = config.RequiredString("KAFKA_BOOTSTRAP");
  if (auto status = config.Check(); !status.ok()) {
    std::fprintf(stderr, "outbox_bench: %s\n", std::string(status.message()).c_str());
    return 2;
  }
  const std::string admin = absl::StrCat("postgresql://postgres@", pg_host, ":", pg_port, "/postgres");
  const std::string db = absl::StrCat("bench_outbox_", getpid());
  AdminExec(admin, "CREATE DATABASE " + db);
  const std::string url = absl::StrCat("postgresql://postgres@", pg_host, ":", pg_port, "/", db);
  // The relay publishes to its producer's topic; the consumer starts at its current end.
  const std::string topic = events::TopicFor("bench");
  if (auto created = kafka::CreateTopic(bootstrap, topic, 6); !created.ok()) {
    std::fprintf(stderr, "outbox_bench: %s\n", created.ToString().c_str());
    return 1;
  }

  pg::Pool pool({.conninfo = url, .size = writers + 2});
  (void)pg::ApplyMigrations(pool, "runtime", RuntimeMigrations());
  (void)pool.Exec("CREATE TABLE widgets (id uuid PRIMARY KEY, version bigint NOT NULL)");

  // Consumer: all partitions from the start of the fresh topic.
  Received received;
  std::atomic<bool> stop_consumer{false};
  std::thread consumer([&] {
    auto conf = kafka::MakeConf({{"bootstrap.servers", bootstrap},
                                 {"group.id", "bench-" + NewUuidV7()},
                                 {"enable.auto.commit", "false"},
                                 {"fetch.wait.max.ms", "10"}});
    kafka::HandlePtr rk = *kafka::NewHandle(RD_KAFKA_CONSUMER, std::move(*conf));
    rd_kafka_poll_set_consumer(rk.get());
    kafka::TopicPartitionListPtr partitions(rd_kafka_topic_partition_list_new(6));
    for (int p = 0; p < 6; ++p) {
      int64_t low = 0;
      int64_t high = 0;
      rd_kafka_query_watermark_offsets(rk.get(), topic.c_str(), p, &low, &high, 10000);
      rd_kafka_topic_partition_list_add(partitions.get(), topic.c_str(), p)->offset = high;
    }
    rd_kafka_assign(rk.get(), partitions.get());
    while (!stop_consumer) {
      kafka::MessagePtr message(rd_kafka_consumer_poll(rk.get(), 50));
      if (!message || message->err) continue;
      const absl::Time now = absl::Now();
      events::EventEnvelope event;
      event.ParseFromArray(message->payload, static_cast<int>(message->len));
      const absl::Time occurred =
          absl::FromUnixSeconds(event.occurred_at().seconds()) + absl::Nanoseconds(event.occurred_at().nanos());
      received.latency_ms.push_back(absl::ToDoubleMilliseconds(now - occurred));
      received.first = std::min(received.first, now);
      received.last = std::max(received.last, now);
      ++received.count;
    }
    rd_kafka_consumer_close(rk.get());
  });

  prometheus::Registry registry;
  OutboxRelay relay(pool, {.outbox_name = "bench", .kafka_bootstrap = bootstrap}, SystemClock::Instance(), registry);
  const bool drain = mode == "drain";
  if (!drain) relay.Start();
  // Before anything is written: the consumer is assigned, and the relay's producer has its
  // producer id (a one-off second per process, not part of steady-state latency).
  absl::SleepFor(absl::Seconds(3));

  std::atomic<int64_t> committed{0};
  std::atomic<int64_t> failed{0};
  const absl::Time start = absl::Now();
  const absl::Time end = start + duration;
  std::vector<std::thread> threads;
  for (int w = 0; w < writers; ++w) {
    threads.emplace_back([&, w] {
      const std::string key = NewUuidV7();
      int64_t version = 0;
      const absl::Duration interval = absl::Seconds(1) * writers / rate;
      absl::Time next = start + interval * w / writers;
      while (absl::Now() < end) {
        if (mode == "latency") {
          const absl::Time now = absl::Now();
          if (now < next) absl::SleepFor(next - now);
          next += interval;
        }
        ++version;
        auto status = pool.InTransaction([&](pg::Transaction& txn) -> absl::Status {
          auto written =
              txn.Exec("INSERT INTO widgets (id, version) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET version = $2",
                       {key, version});
          if (!written.ok()) return written.status();
          auto event = events::NewEvent("bench", "widget", key, version, SystemClock::Instance());
          event.mutable_profile_updated()->set_person_id(key);
          Pad(event, payload);
          return Outbox::Append(txn, std::move(event), SystemClock::Instance());
        });
        (status.ok() ? committed : failed)++;
      }
    });
  }
  for (auto& t : threads) t.join();
  const double write_seconds = absl::ToDoubleSeconds(absl::Now() - start);
  const absl::Time relay_started = absl::Now();
  if (drain) relay.Start();
  // Let the relay drain what is committed.
  const absl::Time drain_deadline = absl::Now() + absl::Seconds(120);
  while (received.count < committed && absl::Now() < drain_deadline) absl::SleepFor(absl::Milliseconds(20));
  const double drain_seconds = absl::ToDoubleSeconds(absl::Now() - start);
  relay.Stop();
  stop_consumer = true;
  consumer.join();

  std::sort(received.latency_ms.begin(), received.latency_ms.end());
  const auto pct = [&](double p) {
    if (received.latency_ms.empty()) return 0.0;
    return received.latency_ms[static_cast<size_t>(p * static_cast<double>(received.latency_ms.size() - 1))];
  };
  std::printf("mode=%s writers=%d payload_bytes=%d committed=%ld failed=%ld consumed=%ld\n", mode.c_str(), writers,
              payload, static_cast<long>(committed.load()), static_cast<long>(failed.load()),
              static_cast<long>(received.count));
  std::printf("committed_per_s=%.0f consumed_per_s=%.0f (commits over %.1fs, all consumed after %.1fs)\n",
              static_cast<double>(committed) / write_seconds, static_cast<double>(received.count) / drain_seconds,
              write_seconds, drain_seconds);
  if (drain) {
    std::printf("drained %ld events in %.2fs: relay_publish_per_s=%.0f\n", static_cast<long>(received.count),
                absl::ToDoubleSeconds(received.last - relay_started),
                static_cast<double>(received.count) / absl::ToDoubleSeconds(received.last - relay_started));
  } else {
    std::printf("latency_ms p50=%.1f p99=%.1f max=%.1f\n", pct(0.50), pct(0.99), pct(1.0));
  }
  AdminExec(admin, "DROP DATABASE " + db + " WITH (FORCE)");
  return received.count == committed ? 0 : 1;
}
