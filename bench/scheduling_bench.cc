// The scheduling service's two bulk paths, measured on a scratch database of the stack's
// PostgreSQL (bench/scheduling.sh runs it; figures go to docs/benchmarks.md):
//
//   --mode=consume : SERIES match.made events already in a fresh topic and the people read
//                    model loaded; first a consumer that only reads (and decodes) the same
//                    topic to its end, then the real scheduling service binary started on
//                    it, timed from its start to the last series and meeting committed.
//                    Reports events/s of both, series/s and meetings/s, and the ratio.
//   --mode=feed-person : for bench/scheduling.sh's feed run on a running suite: ten more
//                    relationships for one person, planned by the running service.
//   --mode=sweep   : MEETINGS meetings of which DUE are past their end plus the grace
//                    period; one MeetingSweeper pass after another until nothing is due
//                    (marking and outbox rows included, Kafka publishing excluded), then
//                    the same refilled with SWEEPERS sweepers at once; checks every due
//                    meeting was marked once with one outbox row.
//
// The people and the match.made events are generated: 12 zones on five continents, 70% of
// pairs in one zone, free 09-12 and 13-17 on most weekdays (on one in five, only one of the
// two), local time,
// and the cadences a programme offers
// (half monthly, 30% every two weeks, 20% weekly), so some pairs have no common slot and
// their series say so, as in real data.
#include <absl/random/random.h>
#include <absl/strings/str_cat.h>
#include <absl/strings/str_join.h>
#include <libpq-fe.h>
#include <prometheus/registry.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <map>
#include <thread>
#include <tuple>
#include <vector>

#include "meeting_store.h"
#include "mentoring/runtime/config.h"
#include "mentoring/runtime/events.h"
#include "mentoring/runtime/ids.h"
#include "mentoring/runtime/kafka.h"
#include "mentoring/runtime/outbox.h"
#include "mentoring/runtime/postgres.h"
#include "mentoring/runtime/proto_time.h"
#include "people_store.h"
#include "scheduling_options.h"
#include "scheduling_service.h"
#include "series_rules.h"
#include "series_store.h"
#include "sweeper.h"

namespace {

using namespace mentoring;
using namespace mentoring::scheduling;

const std::vector<std::string> kZones = {"Europe/London",    "Europe/Berlin",       "America/New_York",
                                         "America/Chicago",  "America/Los_Angeles", "America/Sao_Paulo",
                                         "Asia/Kolkata",     "Asia/Singapore",      "Asia/Tokyo",
                                         "Australia/Sydney", "Africa/Johannesburg", "Europe/Paris"};

void AdminExec(const std::string& url, const std::string& sql) {
  PGconn* conn = PQconnectdb(url.c_str());
  PGresult* result = PQexec(conn, sql.c_str());
  if (PQresultStatus(result) != PGRES_COMMAND_OK) std::fprintf(stderr, "%s: %s", sql.c_str(), PQerrorMessage(conn));
  PQclear(result);
  PQfinish(conn);
}

// CPU seconds (user + system) a process has used so far.
double CpuSeconds(pid_t pid) {
  std::FILE* stat = std::fopen(absl::StrCat("/proc/", pid, "/stat").c_str(), "r");
  if (stat == nullptr) return -1;
  char buffer[1024] = {};
  const size_t n = std::fread(buffer, 1, sizeof(buffer) - 1, stat);
  std::fclose(stat);
  // Fields after the command's closing parenthesis; utime and stime are the 14th and 15th.
  const char* rest = std::strrchr(buffer, ')');
  if (rest == nullptr || n == 0) return -1;
  unsigned long utime = 0, stime = 0;
  if (std::sscanf(rest + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime) != 2) return -1;
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

int64_t Count(pg::Pool& pool, const std::string& sql) {
  auto rows = pool.Exec(sql);
  return rows.ok() && rows->rows() == 1 ? rows->Int(0, 0) : -1;
}

// A scratch database with scheduling's schema, dropped at the end.
struct ScratchDatabase {
  ScratchDatabase(const std::string& host, const std::string& port, const std::string& tag)
      : admin(absl::StrCat("postgresql://postgres@", host, ":", port, "/postgres")),
        name(absl::StrCat("bench_sched_", tag, "_", getpid())),
        url(absl::StrCat("postgresql://postgres@", host, ":", port, "/", name)) {
    AdminExec(admin, "CREATE DATABASE " + name);
  }
  ~ScratchDatabase() { AdminExec(admin, "DROP DATABASE " + name + " WITH (FORCE)"); }
  std::string admin, name, url;
};

absl::Status Migrate(pg::Pool& pool) {
  if (auto runtime = pg::ApplyMigrations(pool, "runtime", RuntimeMigrations()); !runtime.ok()) return runtime;
  return pg::ApplyMigrations(pool, "scheduling", scheduling::Migrations());
}

// ---------------------------------------------------------------- generated people

PersonSchedule RandomPerson(absl::BitGen& random, const std::string& zone) {
  PersonSchedule person;
  person.person_id = NewUuidV7();
  person.profile_version = 1;
  person.time_zone = zone;
  for (int weekday = 1; weekday <= 5; ++weekday) {
    // Most people are free mornings and afternoons; some only one of them that day.
    const double draw = absl::Uniform(random, 0.0, 1.0);
    for (const auto& [start, end, taken] : {std::tuple{9, 12, draw < 0.8}, std::tuple{13, 17, draw >= 0.2}}) {
      if (!taken) continue;
      profiles::v1::AvailabilityWindow window;
      window.set_weekday(weekday);
      window.set_start_minute(start * 60);
      window.set_end_minute(end * 60);
      person.windows.push_back(window);
    }
  }
  return person;
}

// Mentors with five mentees each; returns (mentee, mentor) pairs.
absl::StatusOr<std::vector<std::pair<std::string, std::string>>> LoadPeople(pg::Pool& pool, int pairs) {
  absl::BitGen random;
  std::vector<PersonSchedule> people;
  std::vector<std::pair<std::string, std::string>> out;
  std::vector<PersonSchedule> mentors;
  for (int i = 0; i < (pairs + 4) / 5; ++i) {
    mentors.push_back(RandomPerson(random, kZones[absl::Uniform<size_t>(random, 0, kZones.size())]));
  }
  for (int i = 0; i < pairs; ++i) {
    const PersonSchedule& mentor = mentors[i / 5];
    const std::string zone =
        absl::Bernoulli(random, 0.7) ? mentor.time_zone : kZones[absl::Uniform<size_t>(random, 0, kZones.size())];
    people.push_back(RandomPerson(random, zone));
    out.emplace_back(people.back().person_id, mentor.person_id);
  }
  people.insert(people.end(), mentors.begin(), mentors.end());
  for (size_t start = 0; start < people.size(); start += 2000) {
    auto stored = pool.InTransaction([&](pg::Transaction& txn) -> absl::Status {
      for (size_t i = start; i < std::min(people.size(), start + 2000); ++i) {
        if (auto kept = PeopleStore::Upsert(txn, people[i]); !kept.ok()) return kept.status();
      }
      return absl::OkStatus();
    });
    if (!stored.ok()) return stored;
  }
  // The read model counts as loaded: the service does not call profiles for it.
  if (auto loaded = pool.Exec("INSERT INTO read_model_loads (name, started_at, completed_at) "
                              "VALUES ('people', now(), now())");
      !loaded.ok()) {
    return loaded.status();
  }
  return out;
}

// ---------------------------------------------------------------- consume

std::string Cadence(absl::BitGen& random) {
  const double pick = absl::Uniform(random, 0.0, 1.0);
  if (pick < 0.5) return "FREQ=MONTHLY;BYDAY=2TU";
  if (pick < 0.8) return "FREQ=WEEKLY;INTERVAL=2";
  return "FREQ=WEEKLY";
}

absl::Status ProduceMatches(const std::string& bootstrap, const std::string& topic,
                            const std::vector<std::pair<std::string, std::string>>& pairs) {
  auto conf = kafka::MakeConf({{"bootstrap.servers", bootstrap},
                               {"enable.idempotence", "true"},
                               {"linger.ms", "20"},
                               {"compression.type", "lz4"}});
  if (!conf.ok()) return conf.status();
  auto producer = kafka::NewHandle(RD_KAFKA_PRODUCER, std::move(*conf));
  if (!producer.ok()) return producer.status();
  absl::BitGen random;
  const absl::CivilDay today = absl::ToCivilDay(absl::Now(), absl::UTCTimeZone());
  for (const auto& [mentee, mentor] : pairs) {
    const std::string relationship = NewUuidV7();
    auto event = events::NewEvent("matching", "relationship", relationship, 2, SystemClock::Instance());
    auto* made = event.mutable_match_made();
    made->set_relationship_id(relationship);
    made->set_mentee_id(mentee);
    made->set_mentor_id(mentor);
    auto* terms = made->mutable_terms();
    terms->set_agreement_version(1);
    terms->set_cadence_rrule(Cadence(random));
    terms->set_meeting_minutes(60);
    terms->set_mode(common::v1::MEETING_MODE_VIDEO);
    terms->set_cancellation_notice_hours(24);
    *terms->mutable_start_date() = ToDate(today);
    *terms->mutable_end_date() = ToDate(today + 180);
    const std::string payload = event.SerializeAsString();
    while (true) {
      const auto err = rd_kafka_producev(producer->get(), RD_KAFKA_V_TOPIC(topic.c_str()),
                                         RD_KAFKA_V_KEY(relationship.data(), relationship.size()),
                                         RD_KAFKA_V_VALUE(const_cast<char*>(payload.data()), payload.size()),
                                         RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
      if (err == RD_KAFKA_RESP_ERR_NO_ERROR) break;
      if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) return absl::InternalError(rd_kafka_err2str(err));
      rd_kafka_poll(producer->get(), 50);
    }
    rd_kafka_poll(producer->get(), 0);
  }
  if (rd_kafka_flush(producer->get(), 60000) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return absl::DeadlineExceededError("flushing the match.made events");
  }
  return absl::OkStatus();
}

// The baseline: a consumer of a fresh group reading and decoding the topic to its end.
double ReadOnly(const std::string& bootstrap, const std::string& topic, int expected) {
  auto conf = kafka::MakeConf({{"bootstrap.servers", bootstrap},
                               {"group.id", "bench-read-only-" + NewUuidV7()},
                               {"enable.auto.commit", "false"},
                               {"auto.offset.reset", "earliest"}});
  kafka::HandlePtr rk = *kafka::NewHandle(RD_KAFKA_CONSUMER, std::move(*conf));
  rd_kafka_poll_set_consumer(rk.get());
  kafka::TopicPartitionListPtr topics(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(topics.get(), topic.c_str(), RD_KAFKA_PARTITION_UA);
  const absl::Time start = absl::Now();
  rd_kafka_subscribe(rk.get(), topics.get());
  int read = 0;
  while (read < expected && absl::Now() - start < absl::Minutes(5)) {
    kafka::MessagePtr message(rd_kafka_consumer_poll(rk.get(), 100));
    if (!message || message->err) continue;
    events::EventEnvelope event;
    if (event.ParseFromArray(message->payload, static_cast<int>(message->len)) && event.has_match_made()) ++read;
  }
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  rd_kafka_consumer_close(rk.get());
  return read == expected ? seconds : -1;
}

int Consume(Config& config, const std::string& host, const std::string& port, const std::string& bootstrap) {
  const int series = static_cast<int>(config.Int("SERIES", 50000, 1, 1000000));
  const std::string service_bin = config.RequiredString("SERVICE_BIN");
  const std::string service_log = config.String("SERVICE_LOG", "/tmp/scheduling_bench_service.log");
  if (auto checked = config.Check(); !checked.ok()) {
    std::fprintf(stderr, "scheduling_bench: %s\n", std::string(checked.message()).c_str());
    return 2;
  }
  ScratchDatabase db(host, port, "consume");
  pg::Pool pool({.conninfo = db.url, .size = 2});
  if (auto migrated = Migrate(pool); !migrated.ok()) {
    std::fprintf(stderr, "migrations: %s\n", migrated.ToString().c_str());
    return 1;
  }
  auto pairs = LoadPeople(pool, series);
  if (!pairs.ok()) {
    std::fprintf(stderr, "people: %s\n", pairs.status().ToString().c_str());
    return 1;
  }
  const std::string ns = absl::StrCat("bench", getpid());
  events::SetTopicNamespace(ns);
  for (const char* producer : {"matching", "profiles", "scheduling"}) {
    if (auto created = kafka::CreateTopic(bootstrap, events::TopicFor(producer), 6); !created.ok()) {
      std::fprintf(stderr, "topic: %s\n", created.ToString().c_str());
      return 1;
    }
  }
  if (auto produced = ProduceMatches(bootstrap, events::TopicFor("matching"), *pairs); !produced.ok()) {
    std::fprintf(stderr, "producing: %s\n", produced.ToString().c_str());
    return 1;
  }
  std::fprintf(stderr, "%d people, %d match.made events in %s\n", static_cast<int>(pairs->size() * 6 / 5), series,
               events::TopicFor("matching").c_str());

  const double read_only = ReadOnly(bootstrap, events::TopicFor("matching"), series);

  // The service, as deployed, on that database and those topics.
  const absl::Time start = absl::Now();
  const pid_t child = fork();
  if (child == 0) {
    const std::vector<std::string> env = {
        "SCHEDULING_DATABASE_URL=" + db.url,
        "SCHEDULING_KAFKA_BOOTSTRAP=" + bootstrap,
        "SCHEDULING_KAFKA_TOPIC_NAMESPACE=" + ns,
        "SCHEDULING_CONSUMER_GROUP=bench-scheduling-" + NewUuidV7(),
        "SCHEDULING_PROFILES_ADDR=127.0.0.1:1",  // never called: the read model is loaded
        "SCHEDULING_INTERNAL_TOKEN_SECRET=bench-internal-token-secret-0123456789",
        "SCHEDULING_GRPC_LISTEN=127.0.0.1:0",
        "SCHEDULING_ADMIN_LISTEN=127.0.0.1:0",
        "SCHEDULING_LOG_LEVEL=info",
        "PATH=/usr/bin:/bin"};
    std::vector<char*> envp;
    for (const auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);
    char* argv[] = {const_cast<char*>(service_bin.c_str()), nullptr};
    // Its log, for what the figures do not say (batches that failed, parked events).
    if (FILE* log = std::fopen(service_log.c_str(), "w"); log != nullptr) {
      dup2(fileno(log), STDOUT_FILENO);
      dup2(fileno(log), STDERR_FILENO);
    }
    execve(service_bin.c_str(), argv, envp.data());
    _exit(127);
  }
  // Done when every event is consumed (each in the transaction of its effect).
  int64_t consumed = 0;
  while (absl::Now() - start < absl::Minutes(10)) {
    consumed = Count(pool, "SELECT count(*) FROM consumed_events");
    if (consumed >= series) break;
    int status = 0;
    if (waitpid(child, &status, WNOHANG) == child) {
      std::fprintf(stderr, "the service exited early\n");
      return 1;
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  const double service_cpu = CpuSeconds(child);
  kill(child, SIGTERM);
  waitpid(child, nullptr, 0);
  const int64_t stored_series = Count(pool, "SELECT count(*) FROM meeting_series");
  const int64_t meetings = Count(pool, "SELECT count(*) FROM meetings");
  // A series with no meetings is one whose pair has no common slot (it says why).
  const int64_t unplaced = Count(pool,
                                 "SELECT count(*) FROM meeting_series s WHERE NOT EXISTS "
                                 "(SELECT 1 FROM meetings m WHERE m.series_id = s.series_id)");
  const int64_t outbox = Count(pool, "SELECT count(*) FROM outbox");
  std::printf(
      "consume: series=%d consumed=%lld stored_series=%lld without_slot=%lld meetings=%lld outbox=%lld "
      "seconds=%.2f series_per_s=%.0f meetings_per_s=%.0f read_only_seconds=%.2f read_only_per_s=%.0f "
      "ratio_service_to_read_only=%.3f service_cpu_s=%.2f\n",
      series, static_cast<long long>(consumed), static_cast<long long>(stored_series), static_cast<long long>(unplaced),
      static_cast<long long>(meetings), static_cast<long long>(outbox), seconds, series / seconds, meetings / seconds,
      read_only, series / read_only, read_only / seconds, service_cpu);
  return consumed >= series ? 0 : 1;
}

// ---------------------------------------------------------------- sweep

// `total` meetings, `due` of them ended before `now` minus the grace period (and their
// agendas long due), the rest over the coming year with agendas set far ahead.
absl::Status FillMeetings(pg::Pool& pool, int total, int due, absl::Time now, const SchedulingOptions& options) {
  absl::BitGen random;
  const MeetingStore meetings;
  const SeriesStore series_store;
  constexpr int kPerSeries = 20;
  for (int start = 0; start < total; start += 5000) {
    auto filled = pool.InTransaction([&](pg::Transaction& txn) -> absl::Status {
      std::vector<v1::MeetingSeries> series;
      std::vector<v1::Meeting> batch;
      for (int i = start; i < std::min(total, start + 5000); ++i) {
        if (i % kPerSeries == 0) {
          v1::MeetingSeries s;
          s.set_series_id(NewUuidV7());
          s.set_relationship_id(NewUuidV7());
          s.set_kind(v1::SERIES_KIND_CADENCE);
          s.set_state(v1::SERIES_STATE_ACTIVE);
          s.set_organiser_id(NewUuidV7());
          s.set_attendee_id(NewUuidV7());
          s.set_version(1);
          series.push_back(std::move(s));
        }
        const v1::MeetingSeries& s = series.back();
        // Due ones spread evenly through the table, not bunched at its start.
        const bool is_due = static_cast<int64_t>(i) * due / total != static_cast<int64_t>(i + 1) * due / total;
        const absl::Time starts =
            is_due ? now - options.timings.missed_grace - absl::Hours(absl::Uniform(random, 2, 24 * 20))
                   : now + options.timings.agenda_lead + absl::Hours(absl::Uniform(random, 1, 24 * 365));
        v1::Meeting m = NewMeeting(s, NewUuidV7(), i % kPerSeries + 1, starts, false, "Europe/London", options.timings,
                                   now - absl::Hours(24 * 60));
        batch.push_back(std::move(m));
      }
      if (auto stored = series_store.InsertMany(txn, series); !stored.ok()) return stored;
      return meetings.InsertMany(txn, batch);
    });
    if (!filled.ok()) return filled;
  }
  return pool.Exec("ANALYZE meetings").status();
}

struct SweepResult {
  double seconds = 0;
  int missed = 0;
  int agendas = 0;
};

SweepResult SweepAll(pg::Pool& pool, const SeriesStore& series, const MeetingStore& meetings, const Clock& clock,
                     const SchedulingOptions& options, int sweepers) {
  std::atomic<int> missed{0}, agendas{0};
  std::vector<std::thread> threads;
  const absl::Time start = absl::Now();
  for (int s = 0; s < sweepers; ++s) {
    threads.emplace_back([&] {
      prometheus::Registry registry;
      MeetingSweeper sweeper(pool, series, meetings, clock, options, registry);
      while (true) {
        auto marked = sweeper.SweepOnce();
        if (!marked.ok()) {
          std::fprintf(stderr, "sweep: %s\n", marked.status().ToString().c_str());
          return;
        }
        missed += marked->missed;
        agendas += marked->agendas;
        if (marked->missed == 0 && marked->agendas == 0) return;
      }
    });
  }
  for (auto& t : threads) t.join();
  return {absl::ToDoubleSeconds(absl::Now() - start), missed.load(), agendas.load()};
}

int Sweep(Config& config, const std::string& host, const std::string& port) {
  const int total = static_cast<int>(config.Int("MEETINGS", 1000000, 1000, 10000000));
  const int due = static_cast<int>(config.Int("DUE", 10000, 1, 1000000));
  const int sweepers = static_cast<int>(config.Int("SWEEPERS", 2, 1, 16));
  if (auto checked = config.Check(); !checked.ok()) {
    std::fprintf(stderr, "scheduling_bench: %s\n", std::string(checked.message()).c_str());
    return 2;
  }
  SchedulingOptions options;
  options.sweep_batch = static_cast<int>(config.Int("SWEEP_BATCH", options.sweep_batch, 1, 100000));
  const SeriesStore series;
  const MeetingStore meetings;
  int failures = 0;
  for (int run_sweepers : {1, sweepers}) {
    ScratchDatabase db(host, port, absl::StrCat("sweep", run_sweepers));
    pg::Pool pool({.conninfo = db.url, .size = run_sweepers + 1});
    if (auto migrated = Migrate(pool); !migrated.ok()) {
      std::fprintf(stderr, "migrations: %s\n", migrated.ToString().c_str());
      return 1;
    }
    const absl::Time now = absl::Now();
    const absl::Time fill_start = absl::Now();
    if (auto filled = FillMeetings(pool, total, due, now, options); !filled.ok()) {
      std::fprintf(stderr, "fill: %s\n", filled.ToString().c_str());
      return 1;
    }
    std::fprintf(stderr, "%d meetings (%d due) in %.1fs\n", total, due,
                 absl::ToDoubleSeconds(absl::Now() - fill_start));
    const SweepResult result = SweepAll(pool, series, meetings, SystemClock::Instance(), options, run_sweepers);
    // Each due meeting marked once, with one event each (missed and agenda missing).
    const int64_t marked = Count(pool, "SELECT count(*) FROM meetings WHERE state = 3");
    const int64_t missed_events = Count(pool, "SELECT count(*) FROM outbox WHERE event_type = 'meeting.missed'");
    const int64_t distinct_missed =
        Count(pool, "SELECT count(DISTINCT partition_key) FROM outbox WHERE event_type = 'meeting.missed'");
    const bool exact = result.missed == due && marked == due && missed_events == due;
    failures += exact ? 0 : 1;
    std::printf(
        "sweep: sweepers=%d meetings=%d due=%d seconds=%.3f marked_missed=%d agenda_missing=%d "
        "missed_in_db=%lld missed_events=%lld series_with_missed=%lld exactly_once=%s\n",
        run_sweepers, total, due, result.seconds, result.missed, result.agendas, static_cast<long long>(marked),
        static_cast<long long>(missed_events), static_cast<long long>(distinct_missed), exact ? "yes" : "NO");
  }
  return failures == 0 ? 0 : 1;
}

// ---------------------------------------------------------------- feed-person

// For the feed benchmark on a running suite: a person of the directory with no series gets
// ten relationships (match.made on the live topic, as matching would send them) with people of
// their own time zone, and the series are waited for. Prints PERSON_ID=... for the script.
int FeedPerson(Config& config, const std::string& bootstrap) {
  const std::string url = config.RequiredString("DATABASE_URL");
  const std::string topic = config.String("TOPIC", "mentoring.matching.v1");
  const int series = static_cast<int>(config.Int("SERIES", 10, 1, 1000));
  if (auto checked = config.Check(); !checked.ok()) {
    std::fprintf(stderr, "scheduling_bench: %s\n", std::string(checked.message()).c_str());
    return 2;
  }
  pg::Pool pool({.conninfo = url, .size = 1});
  // The zone with the most people; its person in the fewest relationships first (none,
  // unless every one has been used by an earlier run), to be the one with many series.
  auto people = pool.Exec(
      "SELECT p.person_id FROM people p WHERE NOT p.erased AND p.time_zone = (SELECT time_zone FROM people WHERE "
      "NOT erased GROUP BY time_zone ORDER BY count(*) DESC, time_zone LIMIT 1) ORDER BY (SELECT count(*) FROM "
      "relationships r WHERE p.person_id IN (r.mentee_id, r.mentor_id)), p.person_id");
  if (!people.ok() || people->rows() < 2) {
    std::fprintf(stderr, "scheduling_bench: no people in the scheduling read model (is the demo loaded?)\n");
    return 1;
  }
  const std::string person(people->Text(0, 0));
  std::vector<std::pair<std::string, std::string>> pairs;
  for (int i = 0; i < series; ++i)
    pairs.emplace_back(std::string(people->Text(1 + i % (people->rows() - 1), 0)), person);
  auto before = pool.Exec("SELECT count(*) FROM relationships WHERE mentor_id = $1", {person});
  if (!before.ok()) return 1;
  const int64_t wanted = std::stoll(std::string(before->Text(0, 0))) + series;
  if (auto produced = ProduceMatches(bootstrap, topic, pairs); !produced.ok()) {
    std::fprintf(stderr, "producing: %s\n", produced.ToString().c_str());
    return 1;
  }
  for (int attempt = 0; attempt < 600; ++attempt) {
    auto now = pool.Exec("SELECT count(*) FROM relationships WHERE mentor_id = $1 AND current_series_id IS NOT NULL",
                         {person});
    if (now.ok() && std::stoll(std::string(now->Text(0, 0))) >= wanted) {
      std::printf("PERSON_ID=%s\n", person.c_str());
      return 0;
    }
    absl::SleepFor(absl::Milliseconds(100));
  }
  std::fprintf(stderr, "scheduling_bench: the series did not appear within a minute\n");
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  Config config = Config::FromProcess("BENCH", argc, argv);
  const std::string mode = config.String("MODE", "consume");
  const std::string host = config.RequiredString("PG_HOST");
  const std::string port = config.RequiredString("PG_PORT");
  const std::string bootstrap = config.String("KAFKA_BOOTSTRAP", "");
  if (mode == "consume") return Consume(config, host, port, bootstrap);
  if (mode == "sweep") return Sweep(config, host, port);
  if (mode == "feed-person") return FeedPerson(config, bootstrap);
  std::fprintf(stderr, "scheduling_bench: --mode is consume, sweep or feed-person\n");
  return 2;
}
