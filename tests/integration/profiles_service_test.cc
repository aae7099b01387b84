// The profiles service as a real process against the real stack: its API, its rules on
// the wire, its events and its metrics.
#include <gtest/gtest.h>

#include "event_checks.h"
#include "harness.h"
#include "mentoring/common/v1/common.pb.h"
#include "mentoring/runtime/errors.h"
#include "mentoring/runtime/events.h"
#include "mentoring/runtime/grpc_status.h"
#include "mentoring/runtime/redis.h"

namespace mentoring::testing {
namespace {

using profiles::v1::Person;

class ProfilesServiceTest : public ProfilesServiceSuite {
 protected:
  static absl::StatusOr<Person> Create(const Person& person, const Caller& caller = HrCaller()) {
    profiles::v1::CreatePersonRequest request;
    *request.mutable_person() = person;
    Person response;
    auto status = stub_->CreatePerson(ContextAs(caller).get(), request, &response);
    if (!status.ok()) return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
    return response;
  }

  static grpc::Status Get(const std::string& id, const Caller& caller, Person* out) {
    profiles::v1::GetPersonRequest request;
    request.set_person_id(id);
    return stub_->GetPerson(ContextAs(caller).get(), request, out);
  }

  static grpc::Status Update(const Person& person, int64_t expected_version, Person* out,
                             const Caller& caller = HrCaller()) {
    profiles::v1::UpdatePersonRequest request;
    *request.mutable_person() = person;
    request.set_expected_version(expected_version);
    return stub_->UpdatePerson(ContextAs(caller).get(), request, out);
  }
};

TEST_F(ProfilesServiceTest, CreateThenGetReturnsTheSamePerson) {
  auto created = Create(SamplePerson("roundtrip"));
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(created->version(), 1);
  EXPECT_EQ(created->employment_status(), common::v1::EMPLOYMENT_STATUS_ACTIVE);
  Person got;
  ASSERT_TRUE(Get(created->person_id(), ServiceCaller(), &got).ok());
  EXPECT_EQ(got.SerializeAsString(), created->SerializeAsString());
}

TEST_F(ProfilesServiceTest, BadInputNamesTheFieldAndRuleAndWritesNothing) {
  Person bad = SamplePerson("bad");
  bad.set_time_zone("Atlantis/Capital");
  profiles::v1::CreatePersonRequest request;
  *request.mutable_person() = bad;
  Person response;
  const auto status = stub_->CreatePerson(ContextAs(HrCaller()).get(), request, &response);
  ASSERT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  const common::v1::ErrorDetails details = errors::DetailsOf(status);
  ASSERT_EQ(details.field_violations_size(), 1);
  EXPECT_EQ(details.field_violations(0).field(), "person.time_zone");
  EXPECT_EQ(details.field_violations(0).rule(), "iana_time_zone");
  EXPECT_EQ(Query(db_->url(), "SELECT count(*) FROM people WHERE hr_employee_id = '" + bad.hr_employee_id() + "'")[0],
            "0");
}

TEST_F(ProfilesServiceTest, AnUnknownManagerIsRefusedAndNothingIsWritten) {
  Person p = SamplePerson("orphan");
  p.set_manager_id("0190f5a4-0000-7000-8000-00000000dead");
  auto created = Create(p);
  EXPECT_EQ(created.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(created.status().message().find("person.manager_id"), std::string::npos);
  EXPECT_EQ(Query(db_->url(),
                  "SELECT count(*) FROM outbox o WHERE o.payload IS NOT NULL AND NOT EXISTS "
                  "(SELECT 1 FROM people WHERE person_id::text = o.partition_key)")[0],
            "0");
}

TEST_F(ProfilesServiceTest, ADuplicateHrIdIsAlreadyExists) {
  Person p = SamplePerson("dup");
  ASSERT_TRUE(Create(p).ok());
  EXPECT_EQ(Create(p).status().code(), absl::StatusCode::kAlreadyExists);
}

TEST_F(ProfilesServiceTest, CallsWithoutAValidTokenAreUnauthenticated) {
  grpc::ClientContext ctx;
  profiles::v1::GetPersonRequest request;
  request.set_person_id("0190f5a4-0000-7000-8000-000000000001");
  Person response;
  EXPECT_EQ(stub_->GetPerson(&ctx, request, &response).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  grpc::ClientContext forged;
  forged.AddMetadata(kInternalTokenHeader, "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.");
  EXPECT_EQ(stub_->GetPerson(&forged, request, &response).error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

// GetPerson answers from the cache on its fast path; these are the answers that do not
// come from a cached entry: a malformed id, an unknown one, and a read after the entry was
// evicted (from PostgreSQL, as the caller may see it, and cached again).
TEST_F(ProfilesServiceTest, GetPersonAnswersOffTheCacheToo) {
  Person missing;
  const auto malformed = Get("not-a-uuid", ServiceCaller(), &missing);
  ASSERT_EQ(malformed.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(errors::DetailsOf(malformed).field_violations(0).field(), "person_id");
  EXPECT_EQ(Get("0190f5a4-0000-7000-8000-00000000beef", ServiceCaller(), &missing).error_code(),
            grpc::StatusCode::NOT_FOUND);

  Person p = SamplePerson("evicted");
  p.add_goals()->set_description("Private ambition");
  p.mutable_goals(0)->set_focus_area(common::v1::FOCUS_AREA_CAREER);
  auto created = Create(p);
  ASSERT_TRUE(created.ok()) << created.status();
  redis::Client redis({.host = StackValue("REDIS_HOST"), .port = std::stoi(StackValue("REDIS_PORT"))});
  const std::string key = "profiles:person:" + created->person_id();
  for (const Caller& caller : {ServiceCaller(), Caller{"0190f5a4-0000-7000-8000-0000000000cc", {roles::kEmployee}}}) {
    ASSERT_TRUE(redis.Command({"DEL", key}).ok());
    Person read;
    ASSERT_TRUE(Get(created->person_id(), caller, &read).ok());
    EXPECT_EQ(read.goals_size(), caller.IsService() ? 1 : 0) << "the colleague view also on a miss";
    EXPECT_EQ(read.display_name(), created->display_name());
    auto cached = redis.Command({"HGET", key, "v"});
    ASSERT_TRUE(cached.ok());
    EXPECT_EQ(cached->str, "1") << "the miss filled the cache";
  }
}

TEST_F(ProfilesServiceTest, AnEmployeeCannotCreatePeopleOrEditSomeoneElse) {
  const Caller employee{"0190f5a4-0000-7000-8000-0000000000ee", {roles::kEmployee}};
  EXPECT_EQ(Create(SamplePerson("by-employee"), employee).status().code(), absl::StatusCode::kPermissionDenied);
  auto other = Create(SamplePerson("other"));
  ASSERT_TRUE(other.ok());
  Person edited = *other;
  edited.set_title("Changed by a colleague");
  Person out;
  EXPECT_EQ(Update(edited, other->version(), &out, employee).error_code(), grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(ProfilesServiceTest, PeopleCannotChangeWhatHrOwnsAboutThem) {
  auto created = Create(SamplePerson("self-edit"));
  ASSERT_TRUE(created.ok());
  Person edited = *created;
  edited.set_employment_status(common::v1::EMPLOYMENT_STATUS_DEPARTED);
  edited.set_career_level(15);
  edited.set_hr_employee_id("SOMEONE-ELSE");
  edited.mutable_mentoring_profile()->set_preferred_cadence_rrule("FREQ=WEEKLY");
  Person out;
  ASSERT_TRUE(Update(edited, 1, &out, {created->person_id(), {roles::kEmployee}}).ok());
  EXPECT_EQ(out.employment_status(), created->employment_status());
  EXPECT_EQ(out.career_level(), created->career_level());
  EXPECT_EQ(out.hr_employee_id(), created->hr_employee_id());
  EXPECT_EQ(out.mentoring_profile().preferred_cadence_rrule(), "FREQ=WEEKLY") << "their own part is theirs";
}

TEST_F(ProfilesServiceTest, AColleagueSeesNoGoalsButThePersonThemselfDoes) {
  Person p = SamplePerson("goals");
  auto* goal = p.add_goals();
  goal->set_focus_area(common::v1::FOCUS_AREA_CAREER);
  goal->set_description("Private ambition");
  auto created = Create(p);
  ASSERT_TRUE(created.ok());
  Person as_colleague;
  ASSERT_TRUE(
      Get(created->person_id(), {"0190f5a4-0000-7000-8000-0000000000cc", {roles::kEmployee}}, &as_colleague).ok());
  EXPECT_EQ(as_colleague.goals_size(), 0);
  Person as_self;
  ASSERT_TRUE(Get(created->person_id(), {created->person_id(), {roles::kEmployee}}, &as_self).ok());
  EXPECT_EQ(as_self.goals_size(), 1);
}

TEST_F(ProfilesServiceTest, AStaleVersionIsAbortedAndANoOpChangesNothing) {
  auto created = Create(SamplePerson("versions"));
  ASSERT_TRUE(created.ok());
  Person changed = *created;
  changed.set_title("Staff Engineer");
  Person v2;
  ASSERT_TRUE(Update(changed, 1, &v2).ok());
  EXPECT_EQ(v2.version(), 2);
  Person ignored;
  changed.set_title("Principal Engineer");
  EXPECT_EQ(Update(changed, 1, &ignored).error_code(), grpc::StatusCode::ABORTED);
  Person same;
  ASSERT_TRUE(Update(v2, 2, &same).ok());
  EXPECT_EQ(same.version(), 2) << "an update that changes nothing is not a new version";
  Person read;
  ASSERT_TRUE(Get(created->person_id(), ServiceCaller(), &read).ok());
  EXPECT_EQ(read.title(), "Staff Engineer") << "the cache serves the committed version";
}

TEST_F(ProfilesServiceTest, TheSixthActiveGoalIsRefusedOnTheWire) {
  Person p = SamplePerson("six-goals");
  for (int i = 0; i < 6; ++i) {
    auto* goal = p.add_goals();
    goal->set_focus_area(common::v1::FOCUS_AREA_TECHNICAL);
    goal->set_description("Goal " + std::to_string(i));
  }
  auto created = Create(p);
  EXPECT_EQ(created.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(created.status().message().find("max_active_goals"), std::string::npos) << created.status();
}

TEST_F(ProfilesServiceTest, EventsAreCreatedUpdatedAndDeactivatedInOrder) {
  EventCollector collector(events::TopicFor("profiles"));
  auto created = Create(SamplePerson("lifecycle"));
  ASSERT_TRUE(created.ok());
  Person changed = *created;
  changed.set_department("Research");
  changed.set_employment_status(common::v1::EMPLOYMENT_STATUS_DEPARTED);
  Person after;
  ASSERT_TRUE(Update(changed, 1, &after).ok());
  EXPECT_EQ(after.version(), 3) << "updated (2) and deactivated (3)";
  const std::map<std::string, std::vector<int64_t>> expected = {{created->person_id(), {1, 2, 3}}};
  const auto events =
      collector.CollectUntil([&](const auto& got) { return DistinctEventsFor(got, expected) >= 3; }, absl::Seconds(30));
  ASSERT_TRUE(DeliveredExactlyAsPromised(events, expected));
  std::vector<std::string> types;
  for (const auto& e : events) {
    if (e.aggregate_id() != created->person_id()) continue;
    types.push_back(e.type());
    EXPECT_EQ(e.producer(), "profiles");
    EXPECT_EQ(e.aggregate_type(), "person");
    EXPECT_FALSE(e.traceparent().empty());
    // No personal data in events: neither the name nor the e-mail appear anywhere.
    const std::string bytes = e.SerializeAsString();
    EXPECT_EQ(bytes.find(created->display_name()), std::string::npos);
    EXPECT_EQ(bytes.find(created->email()), std::string::npos);
  }
  EXPECT_EQ(types, (std::vector<std::string>{"profile.created", "profile.updated", "profile.deactivated"}));
}

TEST_F(ProfilesServiceTest, BatchGetKeepsRequestOrderAndReportsMissingIds) {
  auto a = Create(SamplePerson("batch-a"));
  auto b = Create(SamplePerson("batch-b"));
  ASSERT_TRUE(a.ok() && b.ok());
  profiles::v1::BatchGetPeopleRequest request;
  const std::string missing = "0190f5a4-0000-7000-8000-00000000beef";
  request.add_person_ids(b->person_id());
  request.add_person_ids(missing);
  request.add_person_ids(a->person_id());
  profiles::v1::BatchGetPeopleResponse response;
  ASSERT_TRUE(stub_->BatchGetPeople(ContextAs(ServiceCaller()).get(), request, &response).ok());
  ASSERT_EQ(response.people_size(), 2);
  EXPECT_EQ(response.people(0).person_id(), b->person_id());
  EXPECT_EQ(response.people(1).person_id(), a->person_id());
  EXPECT_EQ(response.missing_ids(0), missing);
}

TEST_F(ProfilesServiceTest, ListPeopleStreamsEveryoneAcrossPages) {
  for (int i = 0; i < 1100; ++i) ASSERT_TRUE(Create(SamplePerson("list" + std::to_string(i))).ok());
  const int stored = std::stoi(Query(db_->url(), "SELECT count(*) FROM people WHERE employment_status <> 3")[0]);
  profiles::v1::ListPeopleRequest request;
  auto ctx = ContextAs(ServiceCaller(), absl::Seconds(60));
  auto reader = stub_->ListPeople(ctx.get(), request);
  Person person;
  std::set<std::string> seen;
  std::string previous;
  while (reader->Read(&person)) {
    EXPECT_GT(person.person_id(), previous) << "ordered by id";
    previous = person.person_id();
    seen.insert(person.person_id());
  }
  ASSERT_TRUE(reader->Finish().ok());
  EXPECT_EQ(static_cast<int>(seen.size()), stored);
}

TEST_F(ProfilesServiceTest, MetricsExposeTheRelaysLagAndPublishedCount) {
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(Create(SamplePerson("metrics" + std::to_string(i))).ok());
  double published = -1;
  std::string metrics;
  for (int i = 0; i < 100; ++i) {
    metrics = HttpGet(service_->admin_port(), "/metrics");
    published = MetricValue(metrics, "mentoring_outbox_published_total{outbox=\"profiles\"}");
    if (published >= 5 && MetricValue(metrics, "mentoring_outbox_lag_events{outbox=\"profiles\"}") == 0) break;
    absl::SleepFor(absl::Milliseconds(100));
  }
  EXPECT_GE(published, 5) << metrics;
  EXPECT_EQ(MetricValue(metrics, "mentoring_outbox_lag_events{outbox=\"profiles\"}"), 0) << metrics;
  EXPECT_GE(MetricValue(metrics, "mentoring_outbox_oldest_unpublished_age_seconds{outbox=\"profiles\"}"), 0);
  EXPECT_EQ(MetricValue(metrics, "mentoring_outbox_relay_active{outbox=\"profiles\"}"), 1);
}

}  // namespace
}  // namespace mentoring::testing
