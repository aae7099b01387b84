// The directory features of the profiles service, through the real process: search,
// reporting chain, goals, exclusions, deactivation, erasure (in the middle of a reporting
// chain too), two replicas sharing one cache, and who mentors whom as matching's events
// tell it (replayed, out of order, about people erased meanwhile).
#include <absl/strings/str_join.h>
#include <gtest/gtest.h>

#include "event_checks.h"
#include "harness.h"
#include "mentoring/runtime/clock.h"
#include "mentoring/runtime/events.h"
#include "mentoring/runtime/ids.h"
#include "mentoring/runtime/kafka.h"

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

  Person Get(const std::string& person_id, const Caller& caller) {
    profiles::v1::GetPersonRequest request;
    request.set_person_id(person_id);
    Person person;
    auto status = stub_->GetPerson(ContextAs(caller).get(), request, &person);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return person;
  }

  void Erase(const Person& person) {
    profiles::v1::ErasePersonRequest erase;
    erase.set_person_id(person.person_id());
    profiles::v1::ErasePersonResponse erased;
    auto status = stub_->ErasePerson(ContextAs(HrCaller()).get(), erase, &erased);
    EXPECT_TRUE(status.ok()) << status.error_message();
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

TEST_F(DirectoryTest, ErasingAManagerMovesTheirReportsToTheManagerAbove) {
  EventCollector collector(events::TopicFor("profiles"));
  const Person ceo = Create(SamplePerson("chain-ceo"));
  Person vp = SamplePerson("chain-vp");
  vp.set_manager_id(ceo.person_id());
  vp = Create(vp);
  std::vector<Person> leads;
  for (const char* tag : {"chain-lead-1", "chain-lead-2"}) {
    Person lead = SamplePerson(tag);
    lead.set_manager_id(vp.person_id());
    leads.push_back(Create(lead));
  }
  Person engineer = SamplePerson("chain-engineer");
  engineer.set_manager_id(leads[0].person_id());
  engineer = Create(engineer);

  Erase(vp);
  for (const Person& lead : leads) {
    const Person moved = Get(lead.person_id(), ServiceCaller());
    EXPECT_EQ(moved.manager_id(), ceo.person_id()) << "until HR says otherwise";
    EXPECT_EQ(moved.version(), 2);
  }
  // The engineer two levels below still has everyone above them who is still there.
  profiles::v1::GetReportingChainRequest request;
  request.set_person_id(engineer.person_id());
  profiles::v1::GetReportingChainResponse chain;
  ASSERT_TRUE(stub_->GetReportingChain(ContextAs(ServiceCaller()).get(), request, &chain).ok());
  ASSERT_EQ(chain.managers_size(), 2);
  EXPECT_EQ(chain.managers(0).person_id(), leads[0].person_id());
  EXPECT_EQ(chain.managers(1).person_id(), ceo.person_id());

  // Each move is a profile.updated of the org position, in the outbox before the erasure.
  const std::map<std::string, std::vector<int64_t>> expected = {
      {leads[0].person_id(), {1, 2}}, {leads[1].person_id(), {1, 2}}, {vp.person_id(), {1, 2}}};
  const auto received =
      collector.CollectUntil([&](const auto& got) { return DistinctEventsFor(got, expected) >= 6; }, absl::Seconds(30));
  ASSERT_TRUE(DeliveredExactlyAsPromised(received, expected));
  for (const auto& e : received) {
    if (e.aggregate_id() == leads[0].person_id() && e.sequence() == 2) {
      ASSERT_TRUE(e.has_profile_updated()) << e.type();
      EXPECT_EQ(e.profile_updated().changed_parts_size(), 1);
      EXPECT_EQ(e.profile_updated().changed_parts(0), events::v1::PROFILE_PART_ORG_POSITION);
    }
  }
  const auto order = Query(db_.url(),
                           "SELECT event_type FROM outbox WHERE event_type IN ('profile.updated', 'profile.erased') "
                           "ORDER BY id");
  EXPECT_EQ(absl::StrJoin(order, ","), "profile.updated,profile.updated,profile.erased");

  // At the top of the tree, their reports are at the top now.
  Erase(ceo);
  for (const Person& lead : leads) EXPECT_EQ(Get(lead.person_id(), ServiceCaller()).manager_id(), "");
}

TEST_F(DirectoryTest, MentorshipsFollowMatchingsEventsInAnyOrderAndForgetTheErased) {
  using enum common::v1::FocusArea;
  auto producer = kafka::Producer::Create(StackValue("KAFKA_BOOTSTRAP"), absl::Seconds(10));
  ASSERT_TRUE(producer.ok()) << producer.status();
  const Person mentee = Create(MentoringPerson("ms-mentee", 4, {FOCUS_AREA_TECHNICAL, FOCUS_AREA_WELLBEING}, {}));
  const Person mentor = Create(MentoringPerson("ms-mentor", 9, {}, {FOCUS_AREA_TECHNICAL}));
  const Person closed_early = Create(MentoringPerson("ms-closed-early", 9, {}, {FOCUS_AREA_TECHNICAL}));
  const Person gone = Create(MentoringPerson("ms-gone", 9, {}, {FOCUS_AREA_TECHNICAL}));
  const auto as = [](const Person& p) { return Caller{p.person_id(), {roles::kEmployee}}; };

  // matching's events as matching publishes them, on its topic, keyed by relationship.
  const auto event = [](const std::string& relationship_id, int64_t sequence) {
    return events::NewEvent("matching", "relationship", relationship_id, sequence, SystemClock::Instance());
  };
  const auto made = [&](const std::string& relationship_id, const Person& with_mentor) {
    auto e = event(relationship_id, 2);
    auto* m = e.mutable_match_made();
    m->set_relationship_id(relationship_id);
    m->set_mentee_id(mentee.person_id());
    m->set_mentor_id(with_mentor.person_id());
    m->add_focus_areas(FOCUS_AREA_TECHNICAL);
    return e;
  };
  std::vector<std::string> sent;
  const auto publish = [&](const std::vector<events::v1::EventEnvelope>& batch) {
    std::vector<kafka::OutgoingMessage> messages;
    for (const auto& e : batch) {
      messages.push_back(
          {events::TopicFor("matching"), e.aggregate_id(), e.SerializeAsString(), events::KafkaHeaders(e)});
      sent.push_back(e.event_id());
    }
    for (const auto& delivered : (*producer)->ProduceAndWait(messages)) ASSERT_TRUE(delivered.ok()) << delivered;
  };
  const auto all_applied = [&] {
    const std::string ids = "'" + absl::StrJoin(sent, "','") + "'";
    const std::string distinct = std::to_string(std::set<std::string>(sent.begin(), sent.end()).size());
    return Eventually([&] {
      return Query(db_.url(), "SELECT count(*) FROM consumed_events WHERE event_id IN (" + ids + ")")[0] == distinct;
    });
  };

  const std::string open = NewUuidV7(SystemClock::Instance());
  const std::string closed = NewUuidV7(SystemClock::Instance());
  const std::string with_gone = NewUuidV7(SystemClock::Instance());
  Erase(gone);
  auto closing = event(closed, 4);
  closing.mutable_relationship_closed()->set_relationship_id(closed);
  const auto open_made = made(open, mentor);
  // A made and its republished copy; a close that overtook its made; a made about someone
  // erased since.
  publish({open_made, open_made, closing, made(closed, closed_early), made(with_gone, gone)});
  ASSERT_TRUE(all_applied()) << service_.log();

  const Person seen = Get(mentee.person_id(), as(mentor));
  ASSERT_EQ(seen.goals_size(), 1) << "the goals the relationship covers, and only those";
  EXPECT_EQ(seen.goals(0).focus_area(), FOCUS_AREA_TECHNICAL);
  EXPECT_EQ(seen.goals(0).description(), mentee.goals(0).description());
  EXPECT_EQ(Get(mentee.person_id(), as(closed_early)).goals_size(), 0) << "its close came first: the made is stale";
  EXPECT_EQ(Query(db_.url(), "SELECT count(*) FROM mentorships WHERE relationship_id <> '" + open + "'")[0], "0");

  // An amendment that covers wellbeing too; then terms from a matching older than their
  // focus areas, which leave what is covered as it was.
  auto amended = event(open, 3);
  amended.mutable_relationship_agreement_amended()->set_relationship_id(open);
  auto* terms = amended.mutable_relationship_agreement_amended()->mutable_terms();
  terms->add_focus_areas(FOCUS_AREA_TECHNICAL);
  terms->add_focus_areas(FOCUS_AREA_WELLBEING);
  auto resumed = event(open, 5);
  resumed.mutable_relationship_resumed()->set_relationship_id(open);
  resumed.mutable_relationship_resumed()->mutable_terms()->set_agreement_version(2);
  publish({amended, resumed});
  ASSERT_TRUE(all_applied()) << service_.log();
  const Person both = Get(mentee.person_id(), as(mentor));
  ASSERT_EQ(both.goals_size(), 2);
  EXPECT_EQ(both.goals(1).description(), mentee.goals(1).description());

  // The mentee's erasure forgets the relationship (its close, heard later, changes nothing).
  Erase(mentee);
  EXPECT_EQ(Query(db_.url(), "SELECT count(*) FROM mentorships")[0], "0");
  auto closed_later = event(open, 6);
  closed_later.mutable_relationship_closed()->set_relationship_id(open);
  publish({closed_later});
  ASSERT_TRUE(all_applied()) << service_.log();
  EXPECT_EQ(Query(db_.url(), "SELECT count(*) FROM mentorships")[0], "0");
}

}  // namespace
}  // namespace mentoring::testing
