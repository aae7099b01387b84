#pragma once
// Typed event handlers: a consumer routes each event to the handler registered for its
// payload type, so no service writes a switch over event types. Types with no handler are
// acknowledged and skipped (a topic carries more types than one consumer cares about).
#include <absl/container/flat_hash_map.h>
#include <absl/status/status.h>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include <functional>
#include <string>
#include <vector>

#include "mentoring/events/v1/envelope.pb.h"
#include "mentoring/runtime/postgres.h"

namespace mentoring {

class EventRouter {
 public:
  template <class Payload>
  using Handler = std::function<absl::Status(pg::Transaction&, const events::v1::EventEnvelope&, const Payload&)>;

  // Routes events carrying a `Payload` (e.g. events::v1::MatchMade) to `handler`, which
  // runs in the transaction that records the event as consumed. One handler per type.
  template <class Payload>
  EventRouter& On(Handler<Payload> handler) {
    const auto* field = PayloadField(Payload::descriptor());
    if (field == nullptr) {
      problems_.push_back(Payload::descriptor()->full_name() + " is not a payload of EventEnvelope");
    } else if (!routes_.try_emplace(field->number(), Erase(std::move(handler), field)).second) {
      problems_.push_back("two handlers for " + field->message_type()->full_name());
    }
    return *this;
  }

  // Applies `event` with its handler; OK and nothing done when none is registered.
  absl::Status Dispatch(pg::Transaction& txn, const events::v1::EventEnvelope& event) const;
  bool Handles(const events::v1::EventEnvelope& event) const { return routes_.contains(event.payload_case()); }
  // Wiring mistakes (a type that is no payload, a type routed twice), reported at start.
  absl::Status Check() const;

 private:
  using Erased = std::function<absl::Status(pg::Transaction&, const events::v1::EventEnvelope&)>;

  static const google::protobuf::FieldDescriptor* PayloadField(const google::protobuf::Descriptor* payload);

  template <class Payload>
  static Erased Erase(Handler<Payload> handler, const google::protobuf::FieldDescriptor* field) {
    return [handler = std::move(handler), field](pg::Transaction& txn, const events::v1::EventEnvelope& event) {
      const auto& payload = event.GetReflection()->GetMessage(event, field);
      return handler(txn, event, static_cast<const Payload&>(payload));
    };
  }

  absl::flat_hash_map<int, Erased> routes_;  // by the payload's field number in the oneof
  std::vector<std::string> problems_;
};

}  // namespace mentoring
