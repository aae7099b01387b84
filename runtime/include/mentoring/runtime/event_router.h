#pragma once
// Typed event handlers: a consumer routes each event to the handler registered for its
// payload type, so no service writes a switch over event types. Types with no handler are
// acknowledged and skipped (a topic carries more types than one consumer cares about).
// A bulk path (a cohort's match.made arriving by the thousand) registers a batch handler,
// which the consumer hands every run of consecutive events of that type in one call.
#include <absl/container/flat_hash_map.h>
#include <absl/status/status.h>
#include <absl/status/statusor.h>
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

  // One event of a batch, with its payload.
  template <class Payload>
  struct Item {
    const events::v1::EventEnvelope& event;
    const Payload& payload;
  };
  // Applies many events of one type in one go: one status per item, in order, each OK or
  // EventConsumer::Park(...). It must write nothing for an item it parks (the others'
  // effects stay); any other error fails the whole call. It also serves single events.
  template <class Payload>
  using BatchHandler =
      std::function<absl::StatusOr<std::vector<absl::Status>>(pg::Transaction&, const std::vector<Item<Payload>>&)>;

  template <class Payload>
  EventRouter& OnBatch(BatchHandler<Payload> handler) {
    const auto* field = PayloadField(Payload::descriptor());
    auto batch = [handler, field](pg::Transaction& txn, const std::vector<const events::v1::EventEnvelope*>& events) {
      std::vector<Item<Payload>> items;
      items.reserve(events.size());
      for (const auto* event : events) {
        items.push_back({*event, static_cast<const Payload&>(event->GetReflection()->GetMessage(*event, field))});
      }
      return handler(txn, items);
    };
    if (field != nullptr) batch_routes_.try_emplace(field->number(), batch);
    return On<Payload>(
        [batch](pg::Transaction& txn, const events::v1::EventEnvelope& event, const Payload&) -> absl::Status {
          auto outcome = batch(txn, {&event});
          if (!outcome.ok()) return outcome.status();
          if (outcome->size() != 1)
            return absl::InternalError("a batch handler answered for a different number of events");
          return outcome->front();
        });
  }

  // Applies `event` with its handler; OK and nothing done when none is registered.
  absl::Status Dispatch(pg::Transaction& txn, const events::v1::EventEnvelope& event) const;
  bool Handles(const events::v1::EventEnvelope& event) const { return routes_.contains(event.payload_case()); }
  bool HandlesInBatches(const events::v1::EventEnvelope& event) const {
    return batch_routes_.contains(event.payload_case());
  }
  // Applies `events`, all of one type with a batch handler: one status per event (OK or park).
  absl::StatusOr<std::vector<absl::Status>> DispatchBatch(
      pg::Transaction& txn, const std::vector<const events::v1::EventEnvelope*>& events) const;
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

  using ErasedBatch = std::function<absl::StatusOr<std::vector<absl::Status>>(
      pg::Transaction&, const std::vector<const events::v1::EventEnvelope*>&)>;

  absl::flat_hash_map<int, Erased> routes_;  // by the payload's field number in the oneof
  absl::flat_hash_map<int, ErasedBatch> batch_routes_;
  std::vector<std::string> problems_;
};

}  // namespace mentoring
