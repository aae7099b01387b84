#pragma once
// The event contract in code: topic names, type names and CloudEvents headers, all derived
// from the envelope so no producer spells them by hand.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mentoring/events/v1/envelope.pb.h"
#include "mentoring/runtime/clock.h"

namespace mentoring::events {

using mentoring::events::v1::EventEnvelope;

inline constexpr int kSchemaVersion = 1;

// "<namespace>.<producer>.v1": one topic per producing service. The namespace is
// "mentoring" unless a deployment (or the test suite, "test.mentoring") sets another at
// start, before any thread reads it: a demo stack then never consumes a test's events.
std::string TopicFor(std::string_view producer);
void SetTopicNamespace(std::string_view name);

// "<aggregate>.<past-tense verb>" for the payload the envelope carries; empty if none.
std::string TypeOf(const EventEnvelope& event);

// A new envelope with a fresh event id, the time from `clock`, the producer, the aggregate
// (its id is the Kafka key) and the aggregate's version after the change. The caller sets
// exactly one payload and, where it has one, the traceparent.
EventEnvelope NewEvent(std::string_view producer, std::string_view aggregate_type, std::string_view aggregate_id,
                       int64_t sequence, const Clock& clock);

// CloudEvents Kafka binding (binary mode) attributes plus W3C traceparent.
std::vector<std::pair<std::string, std::string>> KafkaHeaders(const EventEnvelope& event);

}  // namespace mentoring::events
