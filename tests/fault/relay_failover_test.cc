// Two replicas share one outbox: one relay is active, the other stands by. Killing the
// active replica mid-stream hands publishing to the standby with no event missing and
// order per key kept.
#include <gtest/gtest.h>
#include <signal.h>

#include "event_checks.h"
#include "fault_support.h"

namespace mentoring::testing {
namespace {

bool RelayActive(ServiceProcess& service) {
  return MetricValue(HttpGet(service.admin_port(), "/metrics"), "mentoring_outbox_relay_active{outbox=\"profiles\"}") ==
         1;
}

TEST(RelayFailover, AStandbyTakesOverWhenTheActiveRelayIsKilled) {
  ScratchDatabase db("failover");
  ServiceProcess first(ServiceBinary("profiles"), ServiceEnv("profiles", {{"DATABASE_URL", db.url()}}));
  ASSERT_TRUE(first.Start().ok()) << first.log();
  for (int i = 0; i < 100 && !RelayActive(first); ++i) absl::SleepFor(absl::Milliseconds(50));
  ASSERT_TRUE(RelayActive(first));
  ServiceProcess second(ServiceBinary("profiles"), ServiceEnv("profiles", {{"DATABASE_URL", db.url()}}));
  ASSERT_TRUE(second.Start().ok()) << second.log();
  absl::SleepFor(absl::Seconds(1));
  EXPECT_FALSE(RelayActive(second)) << "only one relay is active per outbox";

  EventCollector collector(events::TopicFor("profiles"));
  ProfileWriters writers(second.channel(), 4);  // writes go through the survivor
  absl::SleepFor(absl::Seconds(3));
  first.Signal(SIGKILL);  // no drain, no clean lock release: the session just dies
  EXPECT_EQ(first.Wait(), 128 + SIGKILL);
  bool took_over = false;
  for (int i = 0; i < 200 && !(took_over = RelayActive(second)); ++i) absl::SleepFor(absl::Milliseconds(50));
  EXPECT_TRUE(took_over) << "the standby never became active";
  absl::SleepFor(absl::Seconds(3));
  writers.Stop();

  EXPECT_TRUE(writers.failures().empty()) << writers.failures().front();
  const auto expected = writers.expected();
  const auto received = collector.CollectUntil(
      [&](const auto& got) { return DistinctEventsFor(got, expected) >= TotalExpected(expected); }, absl::Seconds(60));
  EXPECT_TRUE(DeliveredExactlyAsPromised(received, expected));
  EXPECT_EQ(DistinctEventsFor(received, expected), TotalExpected(expected));
}

}  // namespace
}  // namespace mentoring::testing
