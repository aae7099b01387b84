// The directory features of the profiles service, through the real process: search,
// reporting chain, goals, exclusions, deactivation, erasure, and two replicas sharing
// one cache.
#include <gtest/gtest.h>

#include "event_checks.h"
#include "harness.h"
#include "mentoring/runtime/events.h"

namespace mentoring::testing {
namespace {

using profiles::v1::Person;

class DirectoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(service_.Start().ok()) << service_.log();
    stub_ = profiles::v1::ProfilesService::NewStub(service_.channel());
  }

  Person Create(Person person) {
    profiles::v1::CreatePersonRequest request;
    *request.mutable_person() = std::move(person);
    Person created;
    auto status = stub_->CreatePerson(ContextAs(HrCaller()).get(), request, &created);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return created;
  }

  Person Mentor(const std::string& tag, const std::string& department, int level, const std::string& skill) {
    Person p = SamplePerson(tag);
    p.set_department(department);
    p.set_career_level(level);
    auto* profile = p.mutable_mentoring_profile();
    profile->set_role(common::v1::MENTORING_ROLE_MENTOR);
    auto* s = profile->add_skills();
    s->set_name(skill);
    s->set_level(4);
    profile->add_expertise()->set_focus_area(common::v1::FOCUS_AREA_LEADERSHIP);
    return p;
  }

  ScratchDatabase db_{"directory"};
  ServiceProcess service_{ServiceBinary("profiles"), ServiceEnv("profiles", {{"DATABASE_URL", db_.url()}})};
  std::unique_ptr<profiles::v1::ProfilesService::Stub> stub_;
};

TEST_F(DirectoryTest, SearchFiltersAndPages) {
  for (int i = 0; i < 7; ++i) Create(Mentor("m" + std::to_string(i), "Research", 8 + (i % 3), "rust"));
  Create(Mentor("other-dept", "Sales", 9, "rust"));
  Create(Mentor("other-skill", "Research", 9, "sql"));
  Person mentee = SamplePerson("mentee");
  mentee.set_department("Research");
  Create(mentee);

  profiles::v1::SearchPeopleRequest request;
  request.set_department("Research");
  request.set_skill("rust");
  request.set_focus_area(common::v1::FOCUS_AREA_LEADERSHIP);
  request.set_role(common::v1::MENTORING_ROLE_MENTOR);
  request.set_min_career_level(8);
  request.set_max_career_level(10);
  request.set_time_zone("Europe/Berlin");
  request.set_page_size(3);
  std::set<std::string> found;
  int pages = 0;
  do {
    profiles::v1::SearchPeopleResponse page;
    ASSERT_TRUE(stub_->SearchPeople(ContextAs(ServiceCaller()).get(), request, &page).ok());
    for (const auto& p : page.people()) found.insert(p.person_id());
    request.set_page_token(page.next_page_token());
    ++pages;
  } while (!request.page_token().empty() && pages < 10);
  EXPECT_EQ(found.size(), 7u);
  EXPECT_EQ(pages, 3);

  request.set_page_size(900);
  profiles::v1::SearchPeopleResponse refused;
  const auto status = stub_->SearchPeople(ContextAs(ServiceCaller()).get(), request, &refused);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("page_size"), std::string::npos);
}

TEST_F(DirectoryTest, TheReportingChainGoesUpToTheTop) {
  Person ceo = Create(SamplePerson("ceo"));
  Person vp = SamplePerson("vp");
  vp.set_manager_id(ceo.person_id());
  vp = Create(vp);
  Person engineer = SamplePerson("eng");
  engineer.set_manager_id(vp.person_id());
  engineer = Create(engineer);
  profiles::v1::GetReportingChainRequest request;
  request.set_person_id(engineer.person_id());
  profiles::v1::GetReportingChainResponse chain;
  ASSERT_TRUE(stub_->GetReportingChain(ContextAs(ServiceCaller()).get(), request, &chain).ok());
  ASSERT_EQ(chain.managers_size(), 2);
  EXPECT_EQ(chain.managers(0).person_id(), vp.person_id());
  EXPECT_EQ(chain.managers(1).person_id(), ceo.person_id());
}

TEST_F(DirectoryTest, EvaluationSetsAGoalsStatusAndOthersCannot) {
  Person p = SamplePerson("goal-owner");
  auto* goal = p.add_goals();
  goal->set_focus_area(common::v1::FOCUS_AREA_CAREER);
  goal->set_description("Get promoted");
  p = Create(p);
  ASSERT_EQ(p.goals_size(), 1);
  ASSERT_FALSE(p.goals(0).goal_id().empty()) << "goals get ids";
  profiles::v1::SetGoalStatusRequest request;
  request.set_person_id(p.person_id());
  request.set_goal_id(p.goals(0).goal_id());
  request.set_status(common::v1::GOAL_STATUS_ACHIEVED);
  Person updated;
  EXPECT_EQ(stub_->SetGoalStatus(ContextAs({"someone-else", {roles::kEmployee}}).get(), request, &updated).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(stub_->SetGoalStatus(ContextAs({"evaluation", {roles::kService}}).get(), request, &updated).ok());
  EXPECT_EQ(updated.goals(0).status(), common::v1::GOAL_STATUS_ACHIEVED);
  EXPECT_EQ(updated.version(), 2);
}

TEST_F(DirectoryTest, ExclusionsHoldBothWays) {
  Person a = Create(SamplePerson("a"));
  Person b = Create(SamplePerson("b"));
  Person with_exclusion = a;
  with_exclusion.add_excluded_person_ids(b.person_id());
  profiles::v1::UpdatePersonRequest update;
  *update.mutable_person() = with_exclusion;
  update.set_expected_version(a.version());
  Person updated;
  ASSERT_TRUE(stub_->UpdatePerson(ContextAs({a.person_id(), {roles::kEmployee}}).get(), update, &updated).ok());
  profiles::v1::GetExclusionsRequest request;
  request.set_person_id(b.person_id());
  profiles::v1::GetExclusionsResponse exclusions;
  ASSERT_TRUE(stub_->GetExclusions(ContextAs(ServiceCaller()).get(), request, &exclusions).ok());
  ASSERT_EQ(exclusions.person_ids_size(), 1);
  EXPECT_EQ(exclusions.person_ids(0), a.person_id()) << "B's exclusions include A, who declared B";
  EXPECT_EQ(
      stub_->GetExclusions(ContextAs({b.person_id(), {roles::kEmployee}}).get(), request, &exclusions).error_code(),
      grpc::StatusCode::PERMISSION_DENIED)
      << "who declared a conflict with you is not yours to see";
}

TEST_F(DirectoryTest, ErasureLeavesNoNameOrEmailAnywhere) {
  EventCollector collector(events::TopicFor("profiles"));
  Person p = SamplePerson("erase-me");
  p.set_display_name("Zebulon Quixote-Erasable");
  p.set_email("zebulon.quixote@erasable.example");
  p = Create(p);
  Person changed = p;
  changed.set_title("Renamed before erasure");
  profiles::v1::UpdatePersonRequest update;
  *update.mutable_person() = changed;
  update.set_expected_version(1);
  Person v2;
  ASSERT_TRUE(stub_->UpdatePerson(ContextAs(HrCaller()).get(), update, &v2).ok());

  profiles::v1::ErasePersonRequest erase;
  erase.set_person_id(p.person_id());
  profiles::v1::ErasePersonResponse erased;
  ASSERT_TRUE(stub_->ErasePerson(ContextAs(HrCaller()).get(), erase, &erased).ok());
  EXPECT_EQ(erased.version(), 3);

  profiles::v1::GetPersonRequest get;
  get.set_person_id(p.person_id());
  Person gone;
  EXPECT_EQ(stub_->GetPerson(ContextAs(ServiceCaller()).get(), get, &gone).error_code(), grpc::StatusCode::NOT_FOUND);

  // Nowhere in the service's tables (every row, every column, as text and as bytes)...
  for (const std::string secret : {"Zebulon", "zebulon.quixote@erasable.example"}) {
    for (const char* table : {"people", "outbox", "exclusions", "import_rows"}) {
      EXPECT_EQ(Query(db_.url(), std::string("SELECT count(*) FROM ") + table + " t WHERE position('" + secret +
                                     "' IN t::text) > 0 OR position(convert_to('" + secret +
                                     "', 'UTF8') IN convert_to(t::text, 'UTF8')) > 0")[0],
                "0")
          << secret << " in " << table;
    }
    EXPECT_EQ(Query(db_.url(), "SELECT count(*) FROM people WHERE position(convert_to('" + secret +
                                   "', 'UTF8') IN document) > 0")[0],
              "0");
    EXPECT_EQ(Query(db_.url(), "SELECT count(*) FROM outbox WHERE position(convert_to('" + secret +
                                   "', 'UTF8') IN payload) > 0")[0],
              "0");
  }
  // ...nor on the Kafka topic, where profile.erased tells every consumer to delete its copy.
  const std::map<std::string, std::vector<int64_t>> expected = {{p.person_id(), {1, 2, 3}}};
  const auto events =
      collector.CollectUntil([&](const auto& got) { return DistinctEventsFor(got, expected) >= 3; }, absl::Seconds(30));
  ASSERT_TRUE(DeliveredExactlyAsPromised(events, expected));
  std::string last_type;
  for (const auto& e : events) {  // every event read, this test's and any other's
    const std::string bytes = e.SerializeAsString();
    EXPECT_EQ(bytes.find("Zebulon"), std::string::npos);
    EXPECT_EQ(bytes.find("zebulon.quixote"), std::string::npos);
    if (e.aggregate_id() == p.person_id()) last_type = e.type();
  }
  EXPECT_EQ(last_type, "profile.erased");
}

TEST_F(DirectoryTest, TwoReplicasSeeEachOthersWrites) {
  ServiceProcess other(ServiceBinary("profiles"), ServiceEnv("profiles", {{"DATABASE_URL", db_.url()}}));
  ASSERT_TRUE(other.Start().ok()) << other.log();
  auto other_stub = profiles::v1::ProfilesService::NewStub(other.channel());
  Person p = Create(SamplePerson("replicas"));
  profiles::v1::GetPersonRequest get;
  get.set_person_id(p.person_id());
  Person read;
  ASSERT_TRUE(other_stub->GetPerson(ContextAs(ServiceCaller()).get(), get, &read).ok());  // cached by the other
  EXPECT_EQ(read.version(), 1);
  for (int round = 0; round < 5; ++round) {
    Person changed = read;
    changed.set_title("Title " + std::to_string(round));
    profiles::v1::UpdatePersonRequest update;
    *update.mutable_person() = changed;
    update.set_expected_version(read.version());
    Person written;
    auto& writer = round % 2 == 0 ? stub_ : other_stub;
    auto& reader = round % 2 == 0 ? other_stub : stub_;
    ASSERT_TRUE(writer->UpdatePerson(ContextAs(HrCaller()).get(), update, &written).ok());
    ASSERT_TRUE(reader->GetPerson(ContextAs(ServiceCaller()).get(), get, &read).ok());
    EXPECT_EQ(read.version(), written.version()) << "round " << round;
    EXPECT_EQ(read.title(), changed.title());
  }
}

TEST_F(DirectoryTest, DeactivationPublishesProfileDeactivated) {
  EventCollector collector(events::TopicFor("profiles"));
  Person p = Create(SamplePerson("leaver"));
  profiles::v1::DeactivatePersonRequest request;
  request.set_person_id(p.person_id());
  request.set_expected_version(1);
  Person after;
  ASSERT_TRUE(stub_->DeactivatePerson(ContextAs(HrCaller()).get(), request, &after).ok());
  EXPECT_EQ(after.employment_status(), common::v1::EMPLOYMENT_STATUS_DEPARTED);
  const std::map<std::string, std::vector<int64_t>> expected = {{p.person_id(), {1, 2, 3}}};
  const auto events =
      collector.CollectUntil([&](const auto& got) { return DistinctEventsFor(got, expected) >= 3; }, absl::Seconds(30));
  EXPECT_TRUE(DeliveredExactlyAsPromised(events, expected));
}

}  // namespace
}  // namespace mentoring::testing
