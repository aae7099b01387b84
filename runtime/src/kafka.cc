#include "mentoring/runtime/kafka.h"

#include <absl/strings/str_cat.h>
#include <spdlog/spdlog.h>

#include <set>

namespace mentoring::kafka {
namespace {

struct Delivery {
  std::vector<absl::Status>* results;
  size_t index;
  int* outstanding;
};

void LogCallback(const rd_kafka_t*, int level, const char* facility, const char* message) {
  if (level <= 3) {
    spdlog::error("librdkafka {}: {}", facility, message);
  } else if (level <= 5) {
    spdlog::warn("librdkafka {}: {}", facility, message);
  } else {
    spdlog::debug("librdkafka {}: {}", facility, message);
  }
}

}  // namespace

bool IsPermanentRefusal(rd_kafka_resp_err_t err) {
  switch (err) {
    case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE:     // over the topic's max.message.bytes, or the client's
    case RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE:  // larger than a log segment
    case RD_KAFKA_RESP_ERR_INVALID_RECORD:         // the broker's validation refused the record
      return true;
    default:
      // INVALID_MSG (CORRUPT_MESSAGE) is a CRC mismatch, retriable in Kafka's own terms: the
      // bytes we send are the same each time. INVALID_TIMESTAMP: the relay stamps the send
      // time, so a refusal is a clock, not the event. UNKNOWN_TOPIC_OR_PART, the
      // authorisation errors, UNSUPPORTED_FOR_MESSAGE_FORMAT: every event would hit them.
      return false;
  }
}

absl::Status DeliveryStatus(rd_kafka_resp_err_t err, const char* what) {
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return absl::OkStatus();
  const std::string message = absl::StrCat(what, ": ", rd_kafka_err2name(err), ": ", rd_kafka_err2str(err));
  return IsPermanentRefusal(err) ? absl::InvalidArgumentError(message) : absl::UnavailableError(message);
}

void HandleDeleter::operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }

absl::StatusOr<ConfPtr> MakeConf(const std::map<std::string, std::string>& settings) {
  ConfPtr conf(rd_kafka_conf_new());
  char error[512];
  for (const auto& [key, value] : settings) {
    if (rd_kafka_conf_set(conf.get(), key.c_str(), value.c_str(), error, sizeof(error)) != RD_KAFKA_CONF_OK) {
      return absl::InvalidArgumentError(absl::StrCat("kafka setting ", key, "=", value, ": ", error));
    }
  }
  rd_kafka_conf_set_log_cb(conf.get(), &LogCallback);
  return conf;
}

absl::StatusOr<HandlePtr> NewHandle(rd_kafka_type_t type, ConfPtr conf) {
  char error[512];
  HandlePtr rk(rd_kafka_new(type, conf.get(), error, sizeof(error)));
  if (!rk) return absl::InvalidArgumentError(absl::StrCat("kafka client: ", error));
  (void)conf.release();  // rd_kafka_new owns it now
  return rk;
}

void Producer::OnDelivery(rd_kafka_t*, const rd_kafka_message_t* message, void*) {
  auto* delivery = static_cast<Delivery*>(message->_private);
  if (delivery == nullptr) return;
  (*delivery->results)[delivery->index] = DeliveryStatus(message->err, "kafka delivery failed");
  --*delivery->outstanding;
}

absl::StatusOr<std::unique_ptr<Producer>> Producer::Create(const std::string& bootstrap, absl::Duration message_timeout,
                                                           std::map<std::string, std::string> extra) {
  std::map<std::string, std::string> settings = {
      {"bootstrap.servers", bootstrap},
      {"enable.idempotence", "true"},
      {"acks", "all"},
      {"linger.ms", "5"},
      {"compression.type", "lz4"},
      {"message.timeout.ms", std::to_string(absl::ToInt64Milliseconds(message_timeout))},
      {"socket.keepalive.enable", "true"},
  };
  for (auto& [k, v] : extra) settings[k] = v;
  auto conf = MakeConf(settings);
  if (!conf.ok()) return conf.status();
  rd_kafka_conf_set_dr_msg_cb(conf->get(), &Producer::OnDelivery);
  auto rk = NewHandle(RD_KAFKA_PRODUCER, std::move(*conf));
  if (!rk.ok()) return rk.status();
  auto producer = std::unique_ptr<Producer>(new Producer());
  producer->rk_ = std::move(*rk);
  producer->message_timeout_ = message_timeout;
  return producer;
}

Producer::~Producer() {
  if (rk_) rd_kafka_flush(rk_.get(), 2000);
}

std::vector<absl::Status> Producer::ProduceAndWait(const std::vector<OutgoingMessage>& messages) {
  std::vector<absl::Status> results(messages.size(), absl::UnavailableError("not delivered"));
  std::vector<Delivery> deliveries(messages.size());
  std::set<std::pair<std::string, std::string>> refused_keys;  // (topic, key) refused at enqueue
  int outstanding = 0;
  for (size_t i = 0; i < messages.size(); ++i) {
    const auto& m = messages[i];
    deliveries[i] = Delivery{&results, i, &outstanding};
    // Once a key's message was refused, its later ones wait for the next round, so they
    // can never reach the partition ahead of it.
    if (refused_keys.contains({m.topic, m.key})) {
      results[i] = absl::UnavailableError("an earlier message of this key was not accepted");
      continue;
    }
    rd_kafka_headers_t* headers = rd_kafka_headers_new(m.headers.size());
    for (const auto& [name, value] : m.headers) {
      rd_kafka_header_add(headers, name.data(), static_cast<ssize_t>(name.size()), value.data(),
                          static_cast<ssize_t>(value.size()));
    }
    rd_kafka_resp_err_t err;
    // Queue full is transient: serve delivery reports and try again.
    while (true) {
      err = rd_kafka_producev(rk_.get(), RD_KAFKA_V_TOPIC(m.topic.c_str()), RD_KAFKA_V_KEY(m.key.data(), m.key.size()),
                              RD_KAFKA_V_VALUE(const_cast<char*>(m.value.data()), m.value.size()),
                              RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_HEADERS(headers),
                              RD_KAFKA_V_OPAQUE(&deliveries[i]), RD_KAFKA_V_END);
      if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) break;
      rd_kafka_poll(rk_.get(), 10);
    }
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      ++outstanding;  // headers now belong to the message
    } else {
      rd_kafka_headers_destroy(headers);
      refused_keys.insert({m.topic, m.key});
      results[i] = DeliveryStatus(err, "kafka produce failed");
    }
  }
  // Every queued message gets a report within message.timeout.ms (delivered or timed out).
  const absl::Time give_up = absl::Now() + message_timeout_ + absl::Seconds(5);
  while (outstanding > 0 && absl::Now() < give_up) rd_kafka_poll(rk_.get(), 50);
  if (outstanding > 0) {
    // Should not happen; purge so no stale message is delivered later, out of order.
    rd_kafka_purge(rk_.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    while (outstanding > 0) rd_kafka_poll(rk_.get(), 50);
  }
  return results;
}

namespace {

// Runs `read` over the cluster's metadata (all topics; asking for one topic by handle could
// auto-create it on a broker that allows that).
template <class Read>
auto WithClusterMetadata(const std::string& bootstrap, absl::Duration timeout, Read read)
    -> absl::StatusOr<decltype(read(std::declval<const rd_kafka_metadata_t&>()))> {
  auto conf = MakeConf({{"bootstrap.servers", bootstrap}});
  if (!conf.ok()) return conf.status();
  auto rk = NewHandle(RD_KAFKA_PRODUCER, std::move(*conf));
  if (!rk.ok()) return rk.status();
  const rd_kafka_metadata_t* raw = nullptr;
  const auto err = rd_kafka_metadata(rk->get(), 1, nullptr, &raw, static_cast<int>(absl::ToInt64Milliseconds(timeout)));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return absl::UnavailableError(rd_kafka_err2str(err));
  MetadataPtr metadata(raw);
  return read(*metadata);
}

}  // namespace

void Producer::Warm(const std::string& topic, absl::Duration timeout) {
  TopicPtr rkt(rd_kafka_topic_new(rk_.get(), topic.c_str(), nullptr));
  const rd_kafka_metadata_t* raw = nullptr;
  if (rd_kafka_metadata(rk_.get(), 0, rkt.get(), &raw, static_cast<int>(absl::ToInt64Milliseconds(timeout))) ==
      RD_KAFKA_RESP_ERR_NO_ERROR) {
    MetadataPtr metadata(raw);
  }
}

absl::StatusOr<int> BrokerCount(const std::string& bootstrap, absl::Duration timeout) {
  return WithClusterMetadata(bootstrap, timeout, [](const rd_kafka_metadata_t& m) { return m.broker_cnt; });
}

absl::StatusOr<int> PartitionCount(const std::string& bootstrap, const std::string& topic, absl::Duration timeout) {
  auto count = WithClusterMetadata(bootstrap, timeout, [&](const rd_kafka_metadata_t& m) {
    for (int i = 0; i < m.topic_cnt; ++i) {
      if (topic == m.topics[i].topic) return m.topics[i].partition_cnt;
    }
    return 0;
  });
  if (count.ok() && *count == 0) return absl::NotFoundError("kafka topic " + topic + " does not exist");
  return count;
}

absl::Status CreateTopic(const std::string& bootstrap, const std::string& topic, int partitions,
                         const std::map<std::string, std::string>& config) {
  auto conf = MakeConf({{"bootstrap.servers", bootstrap}});
  if (!conf.ok()) return conf.status();
  auto rk = NewHandle(RD_KAFKA_PRODUCER, std::move(*conf));
  if (!rk.ok()) return rk.status();
  char error[512];
  NewTopicPtr new_topic(rd_kafka_NewTopic_new(topic.c_str(), partitions, 1, error, sizeof(error)));
  if (!new_topic) return absl::InvalidArgumentError(error);
  for (const auto& [name, value] : config) {
    if (rd_kafka_NewTopic_set_config(new_topic.get(), name.c_str(), value.c_str()) != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return absl::InvalidArgumentError(absl::StrCat("topic setting ", name, "=", value));
    }
  }
  QueuePtr queue(rd_kafka_queue_new(rk->get()));
  rd_kafka_NewTopic_t* topics[] = {new_topic.get()};
  rd_kafka_CreateTopics(rk->get(), topics, 1, nullptr, queue.get());
  EventPtr event(rd_kafka_queue_poll(queue.get(), 15000));
  if (!event) return absl::DeadlineExceededError("CreateTopics timed out");
  if (rd_kafka_event_error(event.get()) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return absl::UnavailableError(rd_kafka_event_error_string(event.get()));
  }
  size_t count = 0;
  const rd_kafka_topic_result_t** results =
      rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event.get()), &count);
  for (size_t i = 0; i < count; ++i) {
    const auto err = rd_kafka_topic_result_error(results[i]);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR && err != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
      return absl::InternalError(rd_kafka_topic_result_error_string(results[i]));
    }
  }
  return absl::OkStatus();
}

absl::Status DeleteTopic(const std::string& bootstrap, const std::string& topic) {
  auto conf = MakeConf({{"bootstrap.servers", bootstrap}});
  if (!conf.ok()) return conf.status();
  auto rk = NewHandle(RD_KAFKA_PRODUCER, std::move(*conf));
  if (!rk.ok()) return rk.status();
  std::unique_ptr<rd_kafka_DeleteTopic_t, void (*)(rd_kafka_DeleteTopic_t*)> doomed(
      rd_kafka_DeleteTopic_new(topic.c_str()), &rd_kafka_DeleteTopic_destroy);
  QueuePtr queue(rd_kafka_queue_new(rk->get()));
  rd_kafka_DeleteTopic_t* topics[] = {doomed.get()};
  rd_kafka_DeleteTopics(rk->get(), topics, 1, nullptr, queue.get());
  EventPtr event(rd_kafka_queue_poll(queue.get(), 15000));
  if (!event) return absl::DeadlineExceededError("DeleteTopics timed out");
  if (rd_kafka_event_error(event.get()) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return absl::UnavailableError(rd_kafka_event_error_string(event.get()));
  }
  size_t count = 0;
  const rd_kafka_topic_result_t** results =
      rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(event.get()), &count);
  for (size_t i = 0; i < count; ++i) {
    const auto err = rd_kafka_topic_result_error(results[i]);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR && err != RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) {
      return absl::InternalError(rd_kafka_topic_result_error_string(results[i]));
    }
  }
  return absl::OkStatus();
}

absl::Status SetTopicConfig(const std::string& bootstrap, const std::string& topic,
                            const std::map<std::string, std::string>& config) {
  auto conf = MakeConf({{"bootstrap.servers", bootstrap}});
  if (!conf.ok()) return conf.status();
  auto rk = NewHandle(RD_KAFKA_PRODUCER, std::move(*conf));
  if (!rk.ok()) return rk.status();
  std::unique_ptr<rd_kafka_ConfigResource_t, void (*)(rd_kafka_ConfigResource_t*)> resource(
      rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic.c_str()), &rd_kafka_ConfigResource_destroy);
  for (const auto& [name, value] : config) {
    if (rd_kafka_ConfigResource_set_config(resource.get(), name.c_str(), value.c_str()) != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return absl::InvalidArgumentError(absl::StrCat("topic setting ", name, "=", value));
    }
  }
  QueuePtr queue(rd_kafka_queue_new(rk->get()));
  rd_kafka_ConfigResource_t* resources[] = {resource.get()};
  rd_kafka_AlterConfigs(rk->get(), resources, 1, nullptr, queue.get());
  EventPtr event(rd_kafka_queue_poll(queue.get(), 15000));
  if (!event) return absl::DeadlineExceededError("AlterConfigs timed out");
  if (rd_kafka_event_error(event.get()) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return absl::UnavailableError(rd_kafka_event_error_string(event.get()));
  }
  size_t count = 0;
  const rd_kafka_ConfigResource_t** results =
      rd_kafka_AlterConfigs_result_resources(rd_kafka_event_AlterConfigs_result(event.get()), &count);
  for (size_t i = 0; i < count; ++i) {
    if (rd_kafka_ConfigResource_error(results[i]) != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return absl::InternalError(rd_kafka_ConfigResource_error_string(results[i]));
    }
  }
  return absl::OkStatus();
}

}  // namespace mentoring::kafka
