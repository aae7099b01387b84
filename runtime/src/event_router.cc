#include "mentoring/runtime/event_router.h"

#include <absl/strings/str_join.h>

namespace mentoring {

const google::protobuf::FieldDescriptor* EventRouter::PayloadField(const google::protobuf::Descriptor* payload) {
  const auto* oneof = events::v1::EventEnvelope::descriptor()->FindOneofByName("payload");
  for (int i = 0; i < oneof->field_count(); ++i) {
    if (oneof->field(i)->message_type() == payload) return oneof->field(i);
  }
  return nullptr;
}

absl::Status EventRouter::Dispatch(pg::Transaction& txn, const events::v1::EventEnvelope& event) const {
  auto route = routes_.find(event.payload_case());
  if (route == routes_.end()) return absl::OkStatus();
  return route->second(txn, event);
}

absl::StatusOr<std::vector<absl::Status>> EventRouter::DispatchBatch(
    pg::Transaction& txn, const std::vector<const events::v1::EventEnvelope*>& events) const {
  if (events.empty()) return std::vector<absl::Status>();
  auto route = batch_routes_.find(events.front()->payload_case());
  if (route == batch_routes_.end()) return absl::InternalError("no batch handler for these events");
  auto outcome = route->second(txn, events);
  if (outcome.ok() && outcome->size() != events.size()) {
    return absl::InternalError("a batch handler answered for a different number of events");
  }
  return outcome;
}

absl::Status EventRouter::Check() const {
  if (problems_.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError("event routes: " + absl::StrJoin(problems_, "; "));
}

}  // namespace mentoring
