#include "mentoring/runtime/events.h"

#include <absl/strings/str_cat.h>
#include <absl/time/time.h>

#include "mentoring/runtime/ids.h"

namespace mentoring::events {

namespace {

std::string& TopicNamespace() {
  static std::string name = "mentoring";  // set once at start, before any thread reads it
  return name;
}

}  // namespace

void SetTopicNamespace(std::string_view name) { TopicNamespace() = std::string(name); }

std::string TopicFor(std::string_view producer) { return TopicNamespace() + "." + std::string(producer) + ".v1"; }

std::string TypeOf(const EventEnvelope& event) {
  // The payload's field name is "<aggregate>_<past-tense verb>" (profile_created,
  // relationship_agreement_amended): the type is that with its first '_' a '.'.
  const auto* field = EventEnvelope::descriptor()->FindFieldByNumber(event.payload_case());
  if (field == nullptr) return "";
  std::string type = field->name();
  type[type.find('_')] = '.';
  return type;
}

EventEnvelope NewEvent(std::string_view producer, std::string_view aggregate_type, std::string_view aggregate_id,
                       int64_t sequence, const Clock& clock) {
  EventEnvelope event;
  const absl::Time now = clock.Now();
  event.set_event_id(NewUuidV7(clock));
  event.mutable_occurred_at()->set_seconds(absl::ToUnixSeconds(now));
  event.mutable_occurred_at()->set_nanos(
      static_cast<int32_t>(absl::ToInt64Nanoseconds(now - absl::FromUnixSeconds(absl::ToUnixSeconds(now)))));
  event.set_producer(std::string(producer));
  event.set_aggregate_type(std::string(aggregate_type));
  event.set_aggregate_id(std::string(aggregate_id));
  event.set_sequence(sequence);
  event.set_schema_version(kSchemaVersion);
  return event;
}

std::vector<std::pair<std::string, std::string>> KafkaHeaders(const EventEnvelope& event) {
  const absl::Time time =
      absl::FromUnixSeconds(event.occurred_at().seconds()) + absl::Nanoseconds(event.occurred_at().nanos());
  std::vector<std::pair<std::string, std::string>> headers = {
      {"ce_specversion", "1.0"},
      {"ce_id", event.event_id()},
      {"ce_type", event.type()},
      {"ce_source", "/mentoring/" + event.producer()},
      {"ce_time", absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", time, absl::UTCTimeZone())},
      {"ce_subject", event.aggregate_id()},
      {"ce_sequence", std::to_string(event.sequence())},
      {"content-type", "application/protobuf; messageType=mentoring.events.v1.EventEnvelope"},
  };
  if (!event.traceparent().empty()) headers.emplace_back("traceparent", event.traceparent());
  return headers;
}

}  // namespace mentoring::events
