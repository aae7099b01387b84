// SIGTERM while calls are in flight: every one of them completes successfully, new calls
// are refused, and the process exits cleanly.
#include <gtest/gtest.h>
#include <signal.h>

#include <thread>

#include "harness.h"
#include "mentoring/runtime/postgres.h"

namespace mentoring::testing {
namespace {

TEST(SigtermDrain, InFlightCallsCompleteAndTheProcessExitsCleanly) {
  ScratchDatabase db("drain");
  ServiceProcess service(ServiceBinary("profiles"), ServiceEnv("profiles", {{"DATABASE_URL", db.url()}}));
  ASSERT_TRUE(service.Start().ok()) << service.log();

  // Hold the people table so every create blocks inside the service, deterministically
  // in flight when the signal arrives.
  pg::Connection blocker(db.url());
  ASSERT_TRUE(blocker.Exec("BEGIN").ok());
  ASSERT_TRUE(blocker.Exec("LOCK TABLE people IN ACCESS EXCLUSIVE MODE").ok());

  constexpr int kCalls = 12;
  std::vector<grpc::Status> results(kCalls);
  std::vector<std::thread> callers;
  auto stub = profiles::v1::ProfilesService::NewStub(service.channel());
  for (int i = 0; i < kCalls; ++i) {
    callers.emplace_back([&, i] {
      profiles::v1::CreatePersonRequest request;
      *request.mutable_person() = SamplePerson("drain" + std::to_string(i));
      profiles::v1::Person person;
      results[i] = stub->CreatePerson(ContextAs(HrCaller(), absl::Seconds(30)).get(), request, &person);
    });
  }
  const auto waiting = [&] {
    return std::stoi(Query(db.url(),
                           "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                           "AND wait_event_type = 'Lock'")[0]);
  };
  for (int i = 0; i < 200 && waiting() < kCalls; ++i) absl::SleepFor(absl::Milliseconds(50));
  ASSERT_EQ(waiting(), kCalls) << "calls should be blocked inside the service";

  service.Signal(SIGTERM);
  absl::SleepFor(absl::Seconds(1));
  profiles::v1::GetPersonRequest late;
  late.set_person_id("0190f5a4-0000-7000-8000-000000000001");
  profiles::v1::Person ignored;
  const auto refused = stub->GetPerson(ContextAs(ServiceCaller(), absl::Seconds(3)).get(), late, &ignored);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::UNAVAILABLE) << "new calls are refused while draining";

  ASSERT_TRUE(blocker.Exec("COMMIT").ok());
  for (auto& t : callers) t.join();
  for (int i = 0; i < kCalls; ++i) EXPECT_TRUE(results[i].ok()) << i << ": " << results[i].error_message();
  EXPECT_EQ(service.Wait(), 0) << service.log();
  EXPECT_EQ(Query(db.url(), "SELECT count(*) FROM people")[0], std::to_string(kCalls));
}

}  // namespace
}  // namespace mentoring::testing
