// PostgreSQL restarted under a running service: calls fail cleanly (UNAVAILABLE) while it
// is down and work again afterwards, without restarting the service.
#include <gtest/gtest.h>

#include "harness.h"

namespace mentoring::testing {
namespace {

TEST(PostgresRestart, TheServiceRecoversWithoutARestart) {
  ScratchDatabase db("pg_restart");
  ServiceProcess service(ServiceBinary("profiles"), ServiceEnv("profiles", {{"DATABASE_URL", db.url()}}));
  ASSERT_TRUE(service.Start().ok()) << service.log();
  auto stub = profiles::v1::ProfilesService::NewStub(service.channel());
  const auto create = [&](const std::string& tag) {
    profiles::v1::CreatePersonRequest request;
    *request.mutable_person() = SamplePerson(tag);
    profiles::v1::Person person;
    return stub->CreatePerson(ContextAs(HrCaller()).get(), request, &person);
  };
  ASSERT_TRUE(create("before").ok());

  StackControl("stop", "postgres");
  const auto during = create("during");
  EXPECT_EQ(during.error_code(), grpc::StatusCode::UNAVAILABLE) << during.error_message();
  StackControl("start", "postgres");

  grpc::Status after;
  for (int i = 0; i < 50 && !(after = create("after")).ok(); ++i) absl::SleepFor(absl::Milliseconds(200));
  EXPECT_TRUE(after.ok()) << after.error_message();
  EXPECT_TRUE(service.running()) << "no restart needed";
  EXPECT_EQ(Query(db.url(), "SELECT count(*) FROM people")[0], "2");
}

}  // namespace
}  // namespace mentoring::testing
