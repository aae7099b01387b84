#pragma once
// librdkafka handles wrapped once (RAII), and the two ways the suite talks to Kafka:
// an idempotent producer (used only by the outbox relay) and a consumer group member.
#include <absl/status/statusor.h>
#include <absl/time/time.h>
#include <librdkafka/rdkafka.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace mentoring::kafka {

struct HandleDeleter {
  void operator()(rd_kafka_t* rk) const;
};
using HandlePtr = std::unique_ptr<rd_kafka_t, HandleDeleter>;

struct MessageDeleter {
  void operator()(rd_kafka_message_t* m) const { rd_kafka_message_destroy(m); }
};
using MessagePtr = std::unique_ptr<rd_kafka_message_t, MessageDeleter>;

struct TopicPartitionListDeleter {
  void operator()(rd_kafka_topic_partition_list_t* l) const { rd_kafka_topic_partition_list_destroy(l); }
};
using TopicPartitionListPtr = std::unique_ptr<rd_kafka_topic_partition_list_t, TopicPartitionListDeleter>;

struct ConfDeleter {
  void operator()(rd_kafka_conf_t* c) const { rd_kafka_conf_destroy(c); }
};
using ConfPtr = std::unique_ptr<rd_kafka_conf_t, ConfDeleter>;

struct TopicDeleter {
  void operator()(rd_kafka_topic_t* t) const { rd_kafka_topic_destroy(t); }
};
using TopicPtr = std::unique_ptr<rd_kafka_topic_t, TopicDeleter>;

struct MetadataDeleter {
  void operator()(const rd_kafka_metadata_t* m) const { rd_kafka_metadata_destroy(m); }
};
using MetadataPtr = std::unique_ptr<const rd_kafka_metadata_t, MetadataDeleter>;

struct QueueDeleter {
  void operator()(rd_kafka_queue_t* q) const { rd_kafka_queue_destroy(q); }
};
using QueuePtr = std::unique_ptr<rd_kafka_queue_t, QueueDeleter>;

struct EventDeleter {
  void operator()(rd_kafka_event_t* e) const { rd_kafka_event_destroy(e); }
};
using EventPtr = std::unique_ptr<rd_kafka_event_t, EventDeleter>;

struct NewTopicDeleter {
  void operator()(rd_kafka_NewTopic_t* t) const { rd_kafka_NewTopic_destroy(t); }
};
using NewTopicPtr = std::unique_ptr<rd_kafka_NewTopic_t, NewTopicDeleter>;

// Builds an rd_kafka_conf_t from key/value settings; INVALID_ARGUMENT names the bad key.
absl::StatusOr<ConfPtr> MakeConf(const std::map<std::string, std::string>& settings);
// A client handle; it takes `conf` over (freed here when the handle cannot be made).
absl::StatusOr<HandlePtr> NewHandle(rd_kafka_type_t type, ConfPtr conf);

struct OutgoingMessage {
  std::string topic;
  std::string key;
  std::string value;
  std::vector<std::pair<std::string, std::string>> headers;
};

// Whether the broker (or the client, before sending) refused a message for what it is, so
// that sending it again unchanged can only be refused again: too large for the topic or
// the client (MSG_SIZE_TOO_LARGE), a batch too large for a segment (RECORD_LIST_TOO_LARGE),
// failed the broker's record validation (INVALID_RECORD). Everything else is transient or
// a setting that every message would hit (a missing or unauthorised topic, a CRC mismatch
// in transit, a clock out of the broker's timestamp range, an unsupported format): those
// keep being retried, so the whole outbox waits and its lag alert fires, instead of every
// event being set aside one by one. An error not named here counts as transient.
bool IsPermanentRefusal(rd_kafka_resp_err_t err);
// The status a delivery report or a refused enqueue becomes: INVALID_ARGUMENT for a
// permanent refusal (above), UNAVAILABLE otherwise; the message names librdkafka's error
// (e.g. "MSG_SIZE_TOO_LARGE: Broker: Message size too large").
absl::Status DeliveryStatus(rd_kafka_resp_err_t err, const char* what);

// Idempotent producer (enable.idempotence=true, acks=all): retries inside librdkafka can
// neither duplicate nor reorder messages of one partition.
class Producer {
 public:
  static absl::StatusOr<std::unique_ptr<Producer>> Create(const std::string& bootstrap, absl::Duration message_timeout,
                                                          std::map<std::string, std::string> extra = {});
  ~Producer();

  // Produces all messages and waits for every delivery report. Returns, per message, OK or
  // the delivery error (DeliveryStatus). Never leaves a message queued inside librdkafka on
  // return. The broker answers per batch: one message it refuses for good fails every
  // message of its batch (one partition's messages sent together) with the same error, so
  // a permanent refusal names a suspect, not a culprit, until the message is sent alone.
  std::vector<absl::Status> ProduceAndWait(const std::vector<OutgoingMessage>& messages);

  // Fetches `topic`'s metadata now, so the first message to it does not wait for the
  // lookup (about a second otherwise). Best effort: a broker that is down is not an error.
  void Warm(const std::string& topic, absl::Duration timeout);

  rd_kafka_t* handle() { return rk_.get(); }

 private:
  Producer() = default;
  static void OnDelivery(rd_kafka_t*, const rd_kafka_message_t* message, void* opaque);
  HandlePtr rk_;
  absl::Duration message_timeout_;
};

// Asks the cluster for its metadata; returns the number of brokers that answered.
absl::StatusOr<int> BrokerCount(const std::string& bootstrap, absl::Duration timeout);

// Partitions of `topic`; NOT_FOUND when the cluster does not have it (topics are never
// auto-created, so a service checks its topic at start).
absl::StatusOr<int> PartitionCount(const std::string& bootstrap, const std::string& topic, absl::Duration timeout);

// Creates a topic (OK if it exists already) with topic-level `config` (e.g.
// max.message.bytes). Used by tests and tools; the suite's own topics are created by
// deploy/stack.sh and the Helm chart.
absl::Status CreateTopic(const std::string& bootstrap, const std::string& topic, int partitions,
                         const std::map<std::string, std::string>& config = {});
// Deletes a topic (OK if it is gone already). Used by tests.
absl::Status DeleteTopic(const std::string& bootstrap, const std::string& topic);
// Sets a topic's dynamic configuration to `config` (AlterConfigs: what is not named goes
// back to the broker's default). Used by tests.
absl::Status SetTopicConfig(const std::string& bootstrap, const std::string& topic,
                            const std::map<std::string, std::string>& config);

}  // namespace mentoring::kafka
