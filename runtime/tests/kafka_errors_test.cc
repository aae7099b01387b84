// Which broker answers set an outbox event aside for good (a dead letter) and which are
// retried: only refusals of the message itself are permanent; anything every message would
// hit (a missing topic, authorisation, clocks) or that passes (timeouts, leaders moving)
// keeps the relay retrying, so the outbox's lag alert fires instead of the events draining
// one by one into dead letters.
#include <gtest/gtest.h>

#include "mentoring/runtime/kafka.h"

namespace mentoring::kafka {
namespace {

TEST(KafkaErrors, RefusalsOfTheMessageItselfArePermanent) {
  for (auto err : {RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE, RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE,
                   RD_KAFKA_RESP_ERR_INVALID_RECORD}) {
    EXPECT_TRUE(IsPermanentRefusal(err)) << rd_kafka_err2name(err);
  }
}

TEST(KafkaErrors, WhatEveryMessageWouldHitOrWhatPassesIsRetried) {
  for (auto err : {
           RD_KAFKA_RESP_ERR_NO_ERROR,
           RD_KAFKA_RESP_ERR_INVALID_MSG,  // CORRUPT_MESSAGE: a CRC mismatch in transit
           RD_KAFKA_RESP_ERR_INVALID_TIMESTAMP,
           RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART,
           RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC,
           RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION,
           RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED,
           RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED,
           RD_KAFKA_RESP_ERR_UNSUPPORTED_FOR_MESSAGE_FORMAT,
           RD_KAFKA_RESP_ERR__MSG_TIMED_OUT,
           RD_KAFKA_RESP_ERR__TRANSPORT,
           RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN,
           RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
           RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE,
           RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS,
           RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND,
           RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT,
           RD_KAFKA_RESP_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER,
           RD_KAFKA_RESP_ERR__PURGE_QUEUE,
           RD_KAFKA_RESP_ERR__FATAL,
       }) {
    EXPECT_FALSE(IsPermanentRefusal(err)) << rd_kafka_err2name(err);
  }
}

TEST(KafkaErrors, DeliveryStatusCarriesTheClassAndNamesTheError) {
  EXPECT_TRUE(DeliveryStatus(RD_KAFKA_RESP_ERR_NO_ERROR, "kafka delivery failed").ok());
  const absl::Status too_large = DeliveryStatus(RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE, "kafka delivery failed");
  EXPECT_EQ(too_large.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(too_large.message().find("MSG_SIZE_TOO_LARGE"), absl::string_view::npos) << too_large;
  EXPECT_NE(too_large.message().find("kafka delivery failed"), absl::string_view::npos) << too_large;
  const absl::Status timed_out = DeliveryStatus(RD_KAFKA_RESP_ERR__MSG_TIMED_OUT, "kafka delivery failed");
  EXPECT_EQ(timed_out.code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(timed_out.message().find("_MSG_TIMED_OUT"), absl::string_view::npos) << timed_out;
}

}  // namespace
}  // namespace mentoring::kafka
