// Inspects, retries and drops the events a service's outbox relay set aside because Kafka
// refused them for good (outbox_dead_letters; the policy is in docs/operations.md). While a
// dead letter is open its key is held: the key's later events wait in the outbox.
//
//   build/tools/outbox_dead_letters --database-url=$PROFILES_DATABASE_URL list [--all]
//   build/tools/outbox_dead_letters --database-url=... show --id=7
//   build/tools/outbox_dead_letters --database-url=... retry --id=7 --by=alice [--reason="topic limit raised"]
//   build/tools/outbox_dead_letters --database-url=... drop --id=7 --by=alice --reason="test payload, never needed"
//
// `retry` puts the event back into the outbox under its own id, ahead of its key's held
// events, so the relay publishes it first (raise the topic's max.message.bytes before, or it
// is refused again and comes back as a new dead letter). `drop` gives it up for good: who and
// why are recorded, the row stays, and the key's held events go on. The database URL may
// also come from OUTBOX_DATABASE_URL, DATABASE_URL or DATABASE_URL_FILE.
#include <google/protobuf/text_format.h>

#include <cstdint>
#include <cstdio>
#include <string>

#include "mentoring/events/v1/envelope.pb.h"
#include "mentoring/runtime/clock.h"
#include "mentoring/runtime/config.h"
#include "mentoring/runtime/outbox.h"
#include "mentoring/runtime/postgres.h"

namespace {

using namespace mentoring;

int Usage() {
  std::fprintf(stderr,
               "usage: outbox_dead_letters --database-url=URL list [--all] | show --id=N | "
               "retry --id=N --by=WHO [--reason=WHY] | drop --id=N --by=WHO --reason=WHY\n");
  return 2;
}

int Fail(const absl::Status& status) {
  std::fprintf(stderr, "outbox_dead_letters: %s\n", status.ToString().c_str());
  return status.code() == absl::StatusCode::kInvalidArgument ? 2 : 1;
}

void PrintRow(const DeadLetter& d) {
  std::printf("%lld\t%s\t%s\t%s\t%s\t%s\tattempts=%lld", static_cast<long long>(d.id), d.dead_lettered_at.c_str(),
              d.topic.c_str(), d.partition_key.c_str(), d.event_type.c_str(), d.event_id.c_str(),
              static_cast<long long>(d.attempts));
  if (d.resolution.empty()) {
    std::printf("\topen\theld=%lld", static_cast<long long>(d.held_events));
  } else {
    std::printf("\t%s by %s at %s", d.resolution.c_str(), d.resolved_by.c_str(), d.resolved_at.c_str());
  }
  if (d.overtaken_by > 0) std::printf("\tovertaken_by=%lld", static_cast<long long>(d.overtaken_by));
  std::printf("\t%s\n", d.error.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  std::string command;
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]).rfind("--", 0) != 0) {
      if (!command.empty()) return Usage();
      command = argv[i];
    }
  }
  if (command != "list" && command != "show" && command != "retry" && command != "drop") return Usage();

  Config config = Config::FromProcess("OUTBOX", argc, argv);
  const std::string url = config.Secret("DATABASE_URL", 1);
  const bool all = config.Bool("ALL", false);
  const bool needs_id = command != "list";
  const int64_t id = needs_id ? config.Int("ID", 0, 1, INT64_MAX) : 0;
  const std::string by = config.String("BY", "");
  const std::string reason = config.String("REASON", "");
  if ((command == "retry" || command == "drop") && by.empty()) config.Reject("BY", "who retries or drops it");
  if (command == "drop" && reason.empty()) config.Reject("REASON", "why it is dropped (it is recorded)");
  if (needs_id && id == 0) config.Reject("ID", "the dead letter's id (from list)");
  if (auto status = config.Check(); !status.ok()) {
    std::fprintf(stderr, "outbox_dead_letters: %s\n", std::string(status.message()).c_str());
    return 2;
  }

  pg::Pool db({.conninfo = url, .size = 1});
  if (command == "list") {
    auto letters = OutboxDeadLetters::List(db, all);
    if (!letters.ok()) return Fail(letters.status());
    std::printf("id\tdead_lettered_at\ttopic\tkey\ttype\tevent_id\tattempts\tstate\terror\n");
    for (const auto& d : *letters) PrintRow(d);
    return 0;
  }
  if (command == "show") {
    auto d = OutboxDeadLetters::Get(db, id);
    if (!d.ok()) return Fail(d.status());
    PrintRow(*d);
    std::printf("outbox id %lld, created %s, %zu bytes\n", static_cast<long long>(d->outbox_id), d->created_at.c_str(),
                d->payload.size());
    if (!d->resolution_reason.empty()) std::printf("reason: %s\n", d->resolution_reason.c_str());
    events::v1::EventEnvelope event;
    std::string text;
    if (event.ParseFromString(d->payload) && google::protobuf::TextFormat::PrintToString(event, &text)) {
      std::printf("%s", text.c_str());
    }
    return 0;
  }
  const absl::Status done = command == "retry" ? OutboxDeadLetters::Retry(db, id, by, reason, SystemClock::Instance())
                                               : OutboxDeadLetters::Drop(db, id, by, reason, SystemClock::Instance());
  if (!done.ok()) return Fail(done);
  std::printf("dead letter %lld %s by %s\n", static_cast<long long>(id), command == "retry" ? "retried" : "dropped",
              by.c_str());
  return 0;
}
