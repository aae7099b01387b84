// The integration broker is a real Apache Kafka process, not a mock.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "harness.h"
#include "mentoring/runtime/kafka.h"

namespace mentoring::testing {
namespace {

TEST(Broker, IsARealKafkaProcessAnsweringMetadata) {
  std::ifstream pid_file(StackValue("KAFKA_PID_FILE"));
  std::string pid;
  pid_file >> pid;
  ASSERT_FALSE(pid.empty()) << "no Kafka pid file";
  std::ifstream cmdline_file("/proc/" + pid + "/cmdline");
  std::stringstream cmdline;
  cmdline << cmdline_file.rdbuf();
  std::string args = cmdline.str();
  std::replace(args.begin(), args.end(), '\0', ' ');
  EXPECT_NE(args.find("java"), std::string::npos) << args;
  EXPECT_NE(args.find("kafka.Kafka"), std::string::npos) << args;

  auto brokers = kafka::BrokerCount(StackValue("KAFKA_BOOTSTRAP"), absl::Seconds(10));
  ASSERT_TRUE(brokers.ok()) << brokers.status();
  EXPECT_EQ(*brokers, 1);
}

TEST(Broker, SuiteTopicsExistWithSixPartitions) {
  for (const char* topic :
       {"mentoring.profiles.v1", "mentoring.matching.v1", "mentoring.scheduling.v1", "mentoring.evaluation.v1"}) {
    auto partitions = kafka::PartitionCount(StackValue("KAFKA_BOOTSTRAP"), topic, absl::Seconds(10));
    ASSERT_TRUE(partitions.ok()) << topic << ": " << partitions.status();
    EXPECT_EQ(*partitions, 6) << topic;
  }
}

TEST(Broker, TopicsAreNeverAutoCreated) {
  auto producer = kafka::Producer::Create(StackValue("KAFKA_BOOTSTRAP"), absl::Seconds(3));
  ASSERT_TRUE(producer.ok());
  const auto results = (*producer)->ProduceAndWait({{"mentoring.nobody.v1", "k", "v", {}}});
  EXPECT_FALSE(results[0].ok()) << "producing to an unknown topic must fail, not create it";
  auto partitions = kafka::PartitionCount(StackValue("KAFKA_BOOTSTRAP"), "mentoring.nobody.v1", absl::Seconds(10));
  EXPECT_EQ(partitions.status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace mentoring::testing
