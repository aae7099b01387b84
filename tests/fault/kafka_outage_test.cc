// Kafka stopped for 25 s: writes keep succeeding, and afterwards every event arrives, none
// missing, duplicates only as identical copies, in order per key.
#include <gtest/gtest.h>

#include "event_checks.h"
#include "fault_support.h"

namespace mentoring::testing {
namespace {

TEST(KafkaOutage, WritesSucceedAndEveryEventArrivesAfterwards) {
  ScratchDatabase db("kafka_outage");
  ServiceProcess service(ServiceBinary("profiles"), ServiceEnv("profiles", {{"DATABASE_URL", db.url()}}));
  ASSERT_TRUE(service.Start().ok()) << service.log();
  EventCollector collector(events::TopicFor("profiles"));

  ProfileWriters writers(service.channel(), 4);
  absl::SleepFor(absl::Seconds(2));
  StackControl("stop", "kafka");
  const int before_outage = writers.succeeded();
  absl::SleepFor(absl::Seconds(25));
  const int during_outage = writers.succeeded() - before_outage;
  StackControl("start", "kafka");
  absl::SleepFor(absl::Seconds(2));
  writers.Stop();

  EXPECT_TRUE(writers.failures().empty()) << writers.failures().front();
  EXPECT_GT(during_outage, 50) << "writes must keep succeeding while Kafka is down";
  const auto expected = writers.expected();
  const auto received = collector.CollectUntil(
      [&](const auto& got) { return DistinctEventsFor(got, expected) >= TotalExpected(expected); }, absl::Seconds(120));
  EXPECT_TRUE(DeliveredExactlyAsPromised(received, expected));
  EXPECT_EQ(DistinctEventsFor(received, expected), TotalExpected(expected));
  EXPECT_TRUE(service.running()) << "the service survives the outage";
}

}  // namespace
}  // namespace mentoring::testing
