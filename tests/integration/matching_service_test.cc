// The matching service as a real process beside a real profiles service, on the real stack:
// its read model fed from profiles (initial load and profile.* events), recommendations and
// cohort drafts that never break a hard rule, requests and capacity under concurrency, the
// relationship lifecycle and who may see what, and the events it publishes and consumes:
// profiles hears from them who mentors whom (the mentor reads the goals the relationship
// covers), and a manager erased in the middle of a chain keeps the managers above out of
// their former reports' mentors.
#include <absl/strings/str_join.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

#include "event_checks.h"
#include "harness.h"
#include "mentoring/matching/v1/matching.grpc.pb.h"
#include "mentoring/runtime/clock.h"
#include "mentoring/runtime/errors.h"
#include "mentoring/runtime/events.h"
#include "mentoring/runtime/grpc_status.h"
#include "mentoring/runtime/kafka.h"

namespace mentoring::testing {
namespace {

namespace mv1 = matching::v1;
using common::v1::FocusArea;
using profiles::v1::Person;
using ::testing::Contains;
using ::testing::Not;

Caller Admin() { return {"admin-1", {roles::kProgrammeAdmin}}; }
Caller As(const std::string& id) { return {id, {roles::kEmployee}}; }

common::v1::Date Day(int y, int m, int d) {
  common::v1::Date date;
  date.set_year(y);
  date.set_month(m);
  date.set_day(d);
  return date;
}

std::vector<std::pair<std::string, std::string>> Violations(const grpc::Status& status) {
  const common::v1::ErrorDetails details = errors::DetailsOf(status);
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& v : details.field_violations()) out.emplace_back(v.field(), v.rule());
  return out;
}

class MatchingServiceTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    profiles_db_ = new ScratchDatabase("mprof");
    matching_db_ = new ScratchDatabase("match");
    profiles_ =
        new ServiceProcess(ServiceBinary("profiles"), ServiceEnv("profiles", {{"DATABASE_URL", profiles_db_->url()}}));
    started_ = profiles_->Start();
    if (!started_.ok()) return;
    profiles_stub_ = profiles::v1::ProfilesService::NewStub(profiles_->channel()).release();
    // Some people exist before matching starts: they arrive by the initial load.
    auto early = NewPerson("early", 6, {}, {FocusArea::FOCUS_AREA_CAREER});
    if (!early.ok()) {
      started_ = early.status();
      return;
    }
    early_id_ = early->person_id();
    matching_ = new ServiceProcess(
        ServiceBinary("matching"),
        ServiceEnv("matching", {{"DATABASE_URL", matching_db_->url()},
                                {"PROFILES_ADDR", absl::StrCat("127.0.0.1:", profiles_->grpc_port())}}));
    started_ = matching_->Start();
    if (!started_.ok()) return;
    stub_ = mv1::MatchingService::NewStub(matching_->channel()).release();
  }
  static void TearDownTestSuite() {
    delete stub_;
    delete profiles_stub_;
    delete matching_;
    delete profiles_;
    delete matching_db_;
    delete profiles_db_;
  }
  void SetUp() override { ASSERT_TRUE(started_.ok()) << started_; }

 public:  // also for the organisation builder below
  // A person in profiles: goals (as mentee) and expertise (as mentor), London, English.
  static absl::StatusOr<Person> NewPerson(const std::string& tag, int level, std::vector<FocusArea> goals,
                                          std::vector<FocusArea> offers, const std::string& zone = "Europe/London",
                                          int max_mentees = 3, std::vector<std::string> excluded = {},
                                          const std::string& manager = "") {
    Person p = MentoringPerson(tag, level, goals, offers);
    p.set_time_zone(zone);
    p.set_manager_id(manager);
    for (const auto& id : excluded) p.add_excluded_person_ids(id);
    p.mutable_mentoring_profile()->mutable_capacity()->set_max_active_mentees(max_mentees);
    profiles::v1::CreatePersonRequest request;
    *request.mutable_person() = p;
    Person created;
    auto status = profiles_stub_->CreatePerson(ContextAs(HrCaller()).get(), request, &created);
    if (!status.ok()) return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
    return created;
  }

  // Waits until matching's read model holds these people at (at least) these versions, and
  // the snapshot recommendations read holds them too.
  static void WaitKnown(const std::vector<Person>& people) {
    // Generous: a liveness bound for a loaded 2-core CI machine, not a performance claim.
    const absl::Time give_up = absl::Now() + absl::Seconds(60);
    for (const auto& p : people) {
      while (true) {
        auto rows = Query(matching_db_->url(), absl::StrCat("SELECT profile_version FROM people WHERE person_id = '",
                                                            p.person_id(), "' AND NOT erased"));
        if (!rows.empty() && std::stoll(rows[0]) >= p.version()) break;
        if (absl::Now() >= give_up) {
          const std::string log = matching_->log();
          const std::string profiles_log = profiles_->log();
          const auto outbox = Query(profiles_db_->url(),
                                    "SELECT concat(event_type, ' ', partition_key, ' published ', published_at) "
                                    "FROM outbox ORDER BY id");
          const auto consumed =
              Query(matching_db_->url(), "SELECT concat(consumer, ' ', event_id) FROM consumed_events");
          FAIL() << "matching never learned about " << p.person_id() << "\nprofiles' outbox:\n"
                 << absl::StrJoin(outbox, "\n") << "\nmatching consumed:\n"
                 << absl::StrJoin(consumed, "\n") << "\nmatching's log ends:\n"
                 << log.substr(log.size() > 3000 ? log.size() - 3000 : 0) << "\nprofiles' log ends:\n"
                 << profiles_log.substr(profiles_log.size() > 3000 ? profiles_log.size() - 3000 : 0);
        }
        absl::SleepFor(absl::Milliseconds(50));
      }
    }
    ASSERT_TRUE(WaitForMatchingSnapshot(*matching_, matching_db_->url())) << "matching's snapshot never caught up";
  }

  static mv1::Programme NewProgramme(int max_zone_hours = 3, int min_gap = 2) {
    mv1::CreateProgrammeRequest request;
    auto* p = request.mutable_programme();
    p->set_name("Test cohort");
    p->set_type(common::v1::PROGRAMME_TYPE_ONE_TO_ONE);
    *p->mutable_start_date() = Day(2026, 12, 1);
    *p->mutable_end_date() = Day(2027, 11, 30);
    p->mutable_policy()->set_max_time_zone_difference_hours(max_zone_hours);
    p->mutable_policy()->set_min_level_gap(min_gap);
    mv1::Programme created;
    auto status = stub_->CreateProgramme(ContextAs(Admin()).get(), request, &created);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return created;
  }

  static void Enroll(const mv1::Programme& programme, const Person& person, mv1::ParticipantRole role, int hours = 4) {
    mv1::EnrollRequest request;
    auto* e = request.mutable_enrollment();
    e->set_programme_id(programme.programme_id());
    e->set_person_id(person.person_id());
    e->set_role(role);
    e->set_consent(true);
    e->set_hours_per_month(hours);
    mv1::Enrollment out;
    auto status = stub_->Enroll(ContextAs(As(person.person_id())).get(), request, &out);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }

  static grpc::Status Ask(const Person& mentee, const Person& mentor, const std::string& programme_id,
                          std::vector<FocusArea> areas, mv1::MentorshipRequest* out) {
    mv1::CreateMentorshipRequestRequest request;
    auto* r = request.mutable_request();
    r->set_programme_id(programme_id);
    r->set_mentee_id(mentee.person_id());
    r->set_mentor_id(mentor.person_id());
    for (auto area : areas) r->add_focus_areas(area);
    r->set_message("would love your help");
    return stub_->CreateMentorshipRequest(ContextAs(As(mentee.person_id())).get(), request, out);
  }

  static grpc::Status Accept(const std::string& request_id, const Person& mentor, mv1::MentorshipRequest* out) {
    mv1::DecideRequestRequest request;
    request.set_request_id(request_id);
    return stub_->AcceptRequest(ContextAs(As(mentor.person_id())).get(), request, out);
  }

  static grpc::Status AcceptAgreement(const mv1::Relationship& r, const std::string& who, mv1::Relationship* out) {
    mv1::AcceptAgreementRequest request;
    request.set_relationship_id(r.relationship_id());
    request.set_agreement_version(r.has_pending_amendment() ? r.pending_amendment().version()
                                                            : r.agreement().version());
    return stub_->AcceptAgreement(ContextAs(As(who)).get(), request, out);
  }

  static mv1::Relationship GetAs(const std::string& id, const Caller& caller,
                                 mv1::RelationshipView view = mv1::RELATIONSHIP_VIEW_UNSPECIFIED,
                                 grpc::Status* status_out = nullptr) {
    mv1::GetRelationshipRequest request;
    request.set_relationship_id(id);
    request.set_view(view);
    mv1::Relationship r;
    auto status = stub_->GetRelationship(ContextAs(caller).get(), request, &r);
    if (status_out != nullptr) *status_out = status;
    return r;
  }

  static inline absl::Status started_;
  static inline ScratchDatabase* profiles_db_ = nullptr;
  static inline ScratchDatabase* matching_db_ = nullptr;
  static inline ServiceProcess* profiles_ = nullptr;
  static inline ServiceProcess* matching_ = nullptr;
  static inline profiles::v1::ProfilesService::Stub* profiles_stub_ = nullptr;
  static inline mv1::MatchingService::Stub* stub_ = nullptr;
  static inline std::string early_id_;
};

TEST_F(MatchingServiceTest, ReadModelIsLoadedFromProfilesAndHoldsNoPersonalData) {
  Person early;
  early.set_person_id(early_id_);
  early.set_version(1);
  WaitKnown({early});
  // The facts row is the Person without name, e-mail, title, HR id or goal text.
  const auto bytes =
      Query(matching_db_->url(),
            absl::StrCat("SELECT encode(facts, 'escape') FROM people WHERE person_id = '", early_id_, "'"));
  ASSERT_EQ(bytes.size(), 1u);
  EXPECT_EQ(bytes[0].find("Sample Person"), std::string::npos);
  EXPECT_EQ(bytes[0].find("@example.com"), std::string::npos);
}

TEST_F(MatchingServiceTest, ProgrammeRulesNameTheFieldAndOnlyAdminsCreate) {
  mv1::CreateProgrammeRequest request;
  request.mutable_programme()->set_type(common::v1::PROGRAMME_TYPE_ONE_TO_ONE);
  request.mutable_programme()->mutable_policy()->set_max_time_zone_difference_hours(30);
  mv1::Programme out;
  auto status = stub_->CreateProgramme(ContextAs(Admin()).get(), request, &out);
  ASSERT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(Violations(status), Contains(std::pair<std::string, std::string>("programme.name", "required")));
  EXPECT_THAT(Violations(status), Contains(std::pair<std::string, std::string>(
                                      "programme.policy.max_time_zone_difference_hours", "range_0_12")));
  request.mutable_programme()->set_name("x");
  EXPECT_EQ(stub_->CreateProgramme(ContextAs(As("someone")).get(), request, &out).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

// One organisation for recommendations and the cohort: every hard rule has a candidate
// that breaks it.
struct Org {
  Person boss, good, excluded, on_leave, tokyo, mentee, second, far, lonely;
};

Org MakeOrg(const std::string& tag) {
  using enum common::v1::FocusArea;
  Org o;
  auto must = [](absl::StatusOr<Person> p) {
    EXPECT_TRUE(p.ok()) << p.status();
    return p.ok() ? *p : Person();
  };
  o.boss = must(MatchingServiceTest::NewPerson(tag + "-boss", 12, {}, {FOCUS_AREA_TECHNICAL}, "Europe/London", 1));
  o.good = must(MatchingServiceTest::NewPerson(tag + "-good", 9, {}, {FOCUS_AREA_TECHNICAL, FOCUS_AREA_CAREER},
                                               "Europe/London", 2));
  o.excluded = must(MatchingServiceTest::NewPerson(tag + "-excluded", 9, {}, {FOCUS_AREA_TECHNICAL}));
  o.on_leave = must(MatchingServiceTest::NewPerson(tag + "-leave", 9, {}, {FOCUS_AREA_TECHNICAL}));
  o.tokyo = must(MatchingServiceTest::NewPerson(tag + "-tokyo", 9, {}, {FOCUS_AREA_TECHNICAL}, "Asia/Tokyo"));
  o.mentee = must(MatchingServiceTest::NewPerson(tag + "-mentee", 4, {FOCUS_AREA_TECHNICAL, FOCUS_AREA_CAREER}, {},
                                                 "Europe/London", 3, {o.excluded.person_id()}, o.boss.person_id()));
  o.second = must(MatchingServiceTest::NewPerson(tag + "-second", 4, {FOCUS_AREA_TECHNICAL}, {}));
  o.far = must(MatchingServiceTest::NewPerson(tag + "-far", 4, {FOCUS_AREA_TECHNICAL}, {}, "Pacific/Honolulu"));
  o.lonely = must(MatchingServiceTest::NewPerson(
      tag + "-lonely", 4, {FOCUS_AREA_TECHNICAL}, {}, "Europe/London", 3,
      {o.boss.person_id(), o.good.person_id(), o.excluded.person_id(), o.on_leave.person_id()}));
  // On leave: deactivated in profiles, which matching hears as an event.
  profiles::v1::DeactivatePersonRequest leave;
  leave.set_person_id(o.on_leave.person_id());
  leave.set_expected_version(o.on_leave.version());
  leave.set_employment_status(common::v1::EMPLOYMENT_STATUS_ON_LEAVE);
  EXPECT_TRUE(
      MatchingServiceTest::profiles_stub_->DeactivatePerson(ContextAs(HrCaller()).get(), leave, &o.on_leave).ok());
  MatchingServiceTest::WaitKnown(
      {o.boss, o.good, o.excluded, o.on_leave, o.tokyo, o.mentee, o.second, o.far, o.lonely});
  return o;
}

TEST_F(MatchingServiceTest, RecommendationsNeverBreakAHardRuleAndExplainThemselves) {
  const Org o = MakeOrg("rec");
  const mv1::Programme programme = NewProgramme();
  for (const Person* m : {&o.boss, &o.good, &o.excluded, &o.on_leave, &o.tokyo}) {
    Enroll(programme, *m, mv1::PARTICIPANT_ROLE_MENTOR);
  }
  Enroll(programme, o.mentee, mv1::PARTICIPANT_ROLE_MENTEE);
  mv1::RecommendRequest request;
  request.set_programme_id(programme.programme_id());
  request.set_person_id(o.mentee.person_id());
  mv1::RecommendResponse response;
  auto status = stub_->RecommendMentors(ContextAs(As(o.mentee.person_id())).get(), request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  // The manager, the excluded one, the one on leave and the one nine hours away are out.
  ASSERT_EQ(response.recommendations_size(), 1);
  const auto& best = response.recommendations(0);
  EXPECT_EQ(best.person_id(), o.good.person_id());
  int sum = 0;
  for (const auto& c : best.contributions()) sum += c.points();
  EXPECT_EQ(sum, best.score());
  EXPECT_THAT(best.explanation(), ::testing::HasSubstr("shares 2 of 2 goal areas"));
  EXPECT_THAT(best.explanation(), ::testing::HasSubstr("5 levels above"));
  // Someone else may not ask for the mentee's recommendations.
  EXPECT_EQ(stub_->RecommendMentors(ContextAs(As(o.second.person_id())).get(), request, &response).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(MatchingServiceTest, CohortDraftIsOptimalExplainedEditableAndPublishable) {
  const Org o = MakeOrg("cohort");
  const mv1::Programme programme = NewProgramme();
  EventCollector events(events::TopicFor("matching"));
  for (const Person* m : {&o.boss, &o.good, &o.excluded, &o.on_leave, &o.tokyo}) {
    Enroll(programme, *m, mv1::PARTICIPANT_ROLE_MENTOR);
  }
  for (const Person* m : {&o.mentee, &o.second, &o.far, &o.lonely}) Enroll(programme, *m, mv1::PARTICIPANT_ROLE_MENTEE);

  mv1::RunCohortMatchingRequest run;
  run.set_programme_id(programme.programme_id());
  mv1::MatchDraft draft;
  EXPECT_EQ(stub_->RunCohortMatching(ContextAs(As(o.mentee.person_id())).get(), run, &draft).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  auto status = stub_->RunCohortMatching(ContextAs(Admin()).get(), run, &draft);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_TRUE(draft.stats().proven_optimal());
  EXPECT_EQ(draft.stats().matched(), draft.pairs_size());
  std::map<std::string, std::string> mentor_of;
  for (const auto& pair : draft.pairs()) mentor_of[pair.mentee_id()] = pair.mentor_id();
  EXPECT_EQ(mentor_of[o.mentee.person_id()], o.good.person_id());  // the only one allowed
  ASSERT_TRUE(mentor_of.contains(o.second.person_id()));
  EXPECT_THAT((std::set<std::string>{o.good.person_id(), o.boss.person_id(), o.excluded.person_id()}),
              Contains(mentor_of[o.second.person_id()]));
  std::map<std::string, mv1::UnmatchedReason> reason_of;
  for (const auto& u : draft.unmatched()) reason_of[u.mentee_id()] = u.reason();
  // Read in pages of one, the draft is the same: its pairs, then its unmatched mentees.
  {
    mv1::GetDraftRequest get;
    get.set_draft_id(draft.draft_id());
    get.set_page_size(1);
    int pairs = 0, unmatched = 0, pages = 0;
    do {
      mv1::MatchDraft page;
      ASSERT_TRUE(stub_->GetDraft(ContextAs(Admin()).get(), get, &page).ok());
      ASSERT_LE(page.pairs_size() + page.unmatched_size(), 1);
      pairs += page.pairs_size();
      unmatched += page.unmatched_size();
      EXPECT_EQ(page.stats().matched(), draft.stats().matched());
      get.set_page_token(page.next_page_token());
      ++pages;
    } while (!get.page_token().empty() && pages < 100);
    EXPECT_EQ(pairs, draft.pairs_size());
    EXPECT_EQ(unmatched, draft.unmatched_size());
    get.set_page_token("not-a-token");
    mv1::MatchDraft page;
    EXPECT_EQ(stub_->GetDraft(ContextAs(Admin()).get(), get, &page).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  }
  EXPECT_EQ(reason_of[o.far.person_id()], mv1::UNMATCHED_REASON_NO_MENTOR_IN_TIME_ZONE_LIMIT);
  EXPECT_EQ(reason_of[o.lonely.person_id()], mv1::UNMATCHED_REASON_ALL_EXCLUDED);

  // An edit that breaks a hard rule is refused, naming the edit and the rule.
  mv1::EditDraftRequest edit;
  edit.set_draft_id(draft.draft_id());
  edit.set_expected_version(draft.version());
  auto* change = edit.add_edits();
  change->set_mentee_id(o.mentee.person_id());
  change->set_mentor_id(o.boss.person_id());
  mv1::MatchDraft edited;
  status = stub_->EditDraft(ContextAs(Admin()).get(), edit, &edited);
  ASSERT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(Violations(status),
              Contains(std::pair<std::string, std::string>("edits[0]", "constraint_management_chain")));
  // Taking the second mentee out is fine.
  change->set_mentee_id(o.second.person_id());
  change->clear_mentor_id();
  ASSERT_TRUE(stub_->EditDraft(ContextAs(Admin()).get(), edit, &edited).ok());
  EXPECT_EQ(edited.version(), draft.version() + 1);
  EXPECT_EQ(edited.pairs_size(), 1);

  mv1::PublishDraftRequest publish;
  publish.set_draft_id(draft.draft_id());
  publish.set_expected_version(draft.version());  // stale
  mv1::MatchDraft published;
  EXPECT_EQ(stub_->PublishDraft(ContextAs(Admin()).get(), publish, &published).error_code(), grpc::StatusCode::ABORTED);
  publish.set_expected_version(edited.version());
  status = stub_->PublishDraft(ContextAs(Admin()).get(), publish, &published);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(published.state(), mv1::DRAFT_STATE_PUBLISHED);
  ASSERT_EQ(published.relationship_ids_size(), 1);
  const auto r = GetAs(published.relationship_ids(0), As(o.mentee.person_id()));
  EXPECT_EQ(r.state(), mv1::RELATIONSHIP_STATE_PROPOSED);
  EXPECT_EQ(r.mentor_id(), o.good.person_id());
  EXPECT_EQ(r.origin(), "cohort");

  const auto received = events.CollectUntil(
      [&](const auto& all) {
        return std::any_of(all.begin(), all.end(),
                           [&](const auto& e) { return e.aggregate_id() == r.relationship_id(); });
      },
      absl::Seconds(15));
  EXPECT_TRUE(DeliveredExactlyAsPromised(received, {{r.relationship_id(), {1}}}));
  for (const auto& e : received) {
    if (e.aggregate_id() == r.relationship_id()) {
      EXPECT_TRUE(e.has_match_proposed());
    }
  }
}

TEST_F(MatchingServiceTest, LifecycleTransitionsAndWhoSeesWhat) {
  using enum common::v1::FocusArea;
  auto mentor = NewPerson("life-mentor", 9, {}, {FOCUS_AREA_CAREER});
  auto mentee = NewPerson("life-mentee", 3, {FOCUS_AREA_CAREER}, {});
  auto stranger = NewPerson("life-stranger", 5, {}, {});
  ASSERT_TRUE(mentor.ok() && mentee.ok() && stranger.ok());
  WaitKnown({*mentor, *mentee, *stranger});
  EventCollector events(events::TopicFor("matching"));

  mv1::MentorshipRequest request;
  ASSERT_TRUE(Ask(*mentee, *mentor, "", {FOCUS_AREA_CAREER}, &request).ok());
  mv1::MentorshipRequest accepted;
  const auto accept_status = Accept(request.request_id(), *mentor, &accepted);
  ASSERT_TRUE(accept_status.ok()) << accept_status.error_message();
  const std::string id = accepted.relationship_id();
  mv1::Relationship r = GetAs(id, As(mentee->person_id()));
  ASSERT_EQ(r.state(), mv1::RELATIONSHIP_STATE_PROPOSED);

  // Not active until both accepted the agreement.
  ASSERT_TRUE(AcceptAgreement(r, mentee->person_id(), &r).ok());
  EXPECT_EQ(r.state(), mv1::RELATIONSHIP_STATE_PROPOSED);
  ASSERT_TRUE(AcceptAgreement(r, mentor->person_id(), &r).ok());
  EXPECT_EQ(r.state(), mv1::RELATIONSHIP_STATE_ACTIVE);

  // Refused transitions: resume an active one, alumni before closing.
  mv1::RelationshipCommand command;
  command.set_relationship_id(id);
  mv1::Relationship out;
  EXPECT_EQ(stub_->ResumeRelationship(ContextAs(As(mentee->person_id())).get(), command, &out).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(stub_->MoveToAlumni(ContextAs(As(mentee->person_id())).get(), command, &out).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);

  mv1::PauseRelationshipRequest pause;
  pause.set_relationship_id(id);
  *pause.mutable_resume_by() = Day(2027, 3, 1);
  ASSERT_TRUE(stub_->PauseRelationship(ContextAs(As(mentor->person_id())).get(), pause, &out).ok());
  EXPECT_EQ(out.state(), mv1::RELATIONSHIP_STATE_PAUSED);
  ASSERT_TRUE(stub_->ResumeRelationship(ContextAs(As(mentee->person_id())).get(), command, &out).ok());
  EXPECT_EQ(out.state(), mv1::RELATIONSHIP_STATE_ACTIVE);

  // An amendment: proposed by one, accepted by the other, versioned.
  mv1::ProposeAmendmentRequest amend;
  amend.set_relationship_id(id);
  *amend.mutable_agreement() = out.agreement();
  amend.mutable_agreement()->set_cadence_rrule("FREQ=WEEKLY;INTERVAL=2");
  amend.mutable_agreement()->set_expectations("private: honest feedback on my talks");
  ASSERT_TRUE(stub_->ProposeAmendment(ContextAs(As(mentee->person_id())).get(), amend, &out).ok());
  EXPECT_EQ(AcceptAgreement(out, mentee->person_id(), &out).error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  // A proposal replaced after the mentor read it is never accepted blind.
  const mv1::Relationship read_by_mentor = out;
  amend.mutable_agreement()->set_meeting_minutes(240);
  ASSERT_TRUE(stub_->ProposeAmendment(ContextAs(As(mentee->person_id())).get(), amend, &out).ok());
  EXPECT_EQ(AcceptAgreement(read_by_mentor, mentor->person_id(), &out).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  amend.mutable_agreement()->set_meeting_minutes(read_by_mentor.pending_amendment().meeting_minutes());
  ASSERT_TRUE(stub_->ProposeAmendment(ContextAs(As(mentee->person_id())).get(), amend, &out).ok());
  ASSERT_TRUE(AcceptAgreement(out, mentor->person_id(), &out).ok());
  EXPECT_EQ(out.agreement().version(), 4);  // proposals 2 and 3 were superseded
  EXPECT_EQ(out.agreement().cadence_rrule(), "FREQ=WEEKLY;INTERVAL=2");

  // Who sees what: the pair everything, an admin the summary, anyone else nothing.
  grpc::Status status;
  EXPECT_EQ(GetAs(id, As(mentor->person_id())).agreement().expectations(), "private: honest feedback on my talks");
  const auto summary = GetAs(id, Admin(), mv1::RELATIONSHIP_VIEW_UNSPECIFIED, &status);
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(summary.view(), mv1::RELATIONSHIP_VIEW_SUMMARY);
  EXPECT_TRUE(summary.agreement().expectations().empty());
  EXPECT_EQ(summary.agreement().cadence_rrule(), "FREQ=WEEKLY;INTERVAL=2");
  GetAs(id, Admin(), mv1::RELATIONSHIP_VIEW_FULL, &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  GetAs(id, As(stranger->person_id()), mv1::RELATIONSHIP_VIEW_FULL, &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  GetAs(id, As(stranger->person_id()), mv1::RELATIONSHIP_VIEW_SUMMARY, &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(stub_->PauseRelationship(ContextAs(As(stranger->person_id())).get(), pause, &out).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);

  mv1::CloseRelationshipRequest close;
  close.set_relationship_id(id);
  EXPECT_EQ(stub_->CloseRelationship(ContextAs(As(mentee->person_id())).get(), close, &out).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);  // a reason code is required
  close.set_reason(common::v1::CLOSURE_REASON_GOALS_ACHIEVED);
  close.set_note("private: we did it");
  ASSERT_TRUE(stub_->CloseRelationship(ContextAs(As(mentee->person_id())).get(), close, &out).ok());
  EXPECT_EQ(out.state(), mv1::RELATIONSHIP_STATE_CLOSED);
  EXPECT_TRUE(GetAs(id, Admin()).closure_note().empty());
  EXPECT_EQ(GetAs(id, As(mentor->person_id())).closure_note(), "private: we did it");
  ASSERT_TRUE(stub_->MoveToAlumni(ContextAs(As(mentor->person_id())).get(), command, &out).ok());
  EXPECT_EQ(out.state(), mv1::RELATIONSHIP_STATE_ALUMNI);

  // Each step published once, in order, and no private text ever reached the topic.
  const std::vector<int64_t> sequences{1, 2, 3, 4, 5, 6, 7, 8, 9};
  const auto received = events.CollectUntil(
      [&](const auto& all) {
        return DistinctEventsFor(all, {{id, sequences}}) >= 7;
      },
      absl::Seconds(15));
  std::vector<std::string> types;
  std::set<std::string> seen;
  for (const auto& e : received) {
    if (e.aggregate_id() != id || !seen.insert(e.event_id()).second) continue;
    types.push_back(events::TypeOf(e));
    EXPECT_EQ(e.SerializeAsString().find("private:"), std::string::npos);
  }
  EXPECT_EQ(types, (std::vector<std::string>{"match.proposed", "match.made", "relationship.paused",
                                             "relationship.resumed", "relationship.agreement_amended",
                                             "relationship.closed", "relationship.moved_to_alumni"}));
}

TEST_F(MatchingServiceTest, RequestsLimitsWithdrawalAndTheLastSeatUnderConcurrency) {
  using enum common::v1::FocusArea;
  auto mentor = NewPerson("seat-mentor", 9, {}, {FOCUS_AREA_TECHNICAL, FOCUS_AREA_CAREER}, "Europe/London", 1);
  auto other_mentor = NewPerson("seat-other", 9, {}, {FOCUS_AREA_TECHNICAL});
  auto a = NewPerson("seat-a", 3, {FOCUS_AREA_TECHNICAL}, {});
  auto b = NewPerson("seat-b", 3, {FOCUS_AREA_TECHNICAL}, {});
  ASSERT_TRUE(mentor.ok() && other_mentor.ok() && a.ok() && b.ok());
  WaitKnown({*mentor, *other_mentor, *a, *b});

  // Bad input names the field; a duplicate pending request is refused.
  mv1::MentorshipRequest ra, rb, ra2, dup;
  auto status = Ask(*a, *a, "", {FOCUS_AREA_TECHNICAL}, &dup);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(Violations(status), Contains(std::pair<std::string, std::string>("request.mentor_id", "not_self")));
  ASSERT_TRUE(Ask(*a, *mentor, "", {FOCUS_AREA_TECHNICAL}, &ra).ok());
  EXPECT_EQ(Ask(*a, *mentor, "", {FOCUS_AREA_TECHNICAL}, &dup).error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  ASSERT_TRUE(Ask(*a, *other_mentor, "", {FOCUS_AREA_TECHNICAL}, &ra2).ok());
  ASSERT_TRUE(Ask(*b, *mentor, "", {FOCUS_AREA_TECHNICAL}, &rb).ok());

  // The mentor has one seat; two acceptances race for it.
  std::atomic<int> ok{0}, no_capacity{0};
  std::vector<std::thread> racers;
  for (const auto* request : {&ra, &rb}) {
    racers.emplace_back([&, request] {
      mv1::MentorshipRequest out;
      auto s = Accept(request->request_id(), *mentor, &out);
      if (s.ok()) ++ok;
      if (s.error_code() == grpc::StatusCode::FAILED_PRECONDITION) ++no_capacity;
    });
  }
  for (auto& t : racers) t.join();
  EXPECT_EQ(ok.load(), 1);
  EXPECT_EQ(no_capacity.load(), 1);
  mv1::ListRelationshipsRequest list;
  list.set_person_id(mentor->person_id());
  mv1::ListRelationshipsResponse relationships;
  ASSERT_TRUE(stub_->ListRelationships(ContextAs(As(mentor->person_id())).get(), list, &relationships).ok());
  EXPECT_EQ(relationships.relationships_size(), 1);

  // If a's request won, a's other pending request for the same focus area was withdrawn.
  mv1::ListRequestsRequest mine;
  mine.set_person_id(a->person_id());
  mv1::ListRequestsResponse listed;
  ASSERT_TRUE(stub_->ListRequests(ContextAs(As(a->person_id())).get(), mine, &listed).ok());
  std::map<std::string, mv1::RequestState> state_of;
  for (const auto& r : listed.requests()) state_of[r.request_id()] = r.state();
  if (state_of[ra.request_id()] == mv1::REQUEST_STATE_ACCEPTED) {
    EXPECT_EQ(state_of[ra2.request_id()], mv1::REQUEST_STATE_WITHDRAWN);
  }
  // Someone else listing a's requests gets nothing private (and only an admin may).
  EXPECT_EQ(stub_->ListRequests(ContextAs(As(b->person_id())).get(), mine, &listed).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(stub_->ListRequests(ContextAs(Admin()).get(), mine, &listed).ok());
  for (const auto& r : listed.requests()) EXPECT_TRUE(r.message().empty());

  // Declining needs a reason, which only the pair sees.
  mv1::MentorshipRequest rc;
  auto c = NewPerson("seat-c", 3, {FOCUS_AREA_CAREER}, {});
  ASSERT_TRUE(c.ok());
  WaitKnown({*c});
  ASSERT_TRUE(Ask(*c, *other_mentor, "", {FOCUS_AREA_TECHNICAL}, &rc).ok());
  mv1::DecideRequestRequest decline;
  decline.set_request_id(rc.request_id());
  mv1::MentorshipRequest declined;
  EXPECT_EQ(stub_->DeclineRequest(ContextAs(As(other_mentor->person_id())).get(), decline, &declined).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  decline.set_reason("my diary is full until spring");
  ASSERT_TRUE(stub_->DeclineRequest(ContextAs(As(other_mentor->person_id())).get(), decline, &declined).ok());
  EXPECT_EQ(declined.state(), mv1::REQUEST_STATE_DECLINED);
}

TEST_F(MatchingServiceTest, DepartureClosesRelationshipsAndRapportAtRiskOffersARematch) {
  using enum common::v1::FocusArea;
  auto mentor = NewPerson("dep-mentor", 9, {}, {FOCUS_AREA_STRATEGIC});
  auto backup = NewPerson("dep-backup", 9, {}, {FOCUS_AREA_STRATEGIC});
  auto mentee = NewPerson("dep-mentee", 3, {FOCUS_AREA_STRATEGIC}, {});
  auto leaver_mentor = NewPerson("dep-leaver", 9, {}, {FOCUS_AREA_LEADERSHIP});
  ASSERT_TRUE(mentor.ok() && backup.ok() && mentee.ok() && leaver_mentor.ok());
  WaitKnown({*mentor, *backup, *mentee, *leaver_mentor});
  const mv1::Programme programme = NewProgramme();
  Enroll(programme, *mentor, mv1::PARTICIPANT_ROLE_MENTOR);
  Enroll(programme, *backup, mv1::PARTICIPANT_ROLE_MENTOR);
  Enroll(programme, *mentee, mv1::PARTICIPANT_ROLE_MENTEE);

  mv1::MentorshipRequest r1, r2, a1, a2;
  ASSERT_TRUE(Ask(*mentee, *mentor, programme.programme_id(), {FOCUS_AREA_STRATEGIC}, &r1).ok());
  ASSERT_TRUE(Accept(r1.request_id(), *mentor, &a1).ok());
  ASSERT_TRUE(Ask(*mentee, *leaver_mentor, "", {FOCUS_AREA_LEADERSHIP}, &r2).ok());
  ASSERT_TRUE(Accept(r2.request_id(), *leaver_mentor, &a2).ok());

  // evaluation says rapport is at risk (a synthetic event on its topic).
  auto event = events::NewEvent("evaluation", "relationship", a1.relationship_id(), 3, SystemClock::Instance());
  event.mutable_rapport_at_risk()->set_relationship_id(a1.relationship_id());
  event.mutable_rapport_at_risk()->set_mentee_id(mentee->person_id());
  event.mutable_rapport_at_risk()->set_mentor_id(mentor->person_id());
  event.mutable_rapport_at_risk()->set_rapport_score(2);
  auto producer = kafka::Producer::Create(StackValue("KAFKA_BOOTSTRAP"), absl::Seconds(10));
  ASSERT_TRUE(producer.ok());
  // Delivered twice: the effect happens once.
  for (int copy = 0; copy < 2; ++copy) {
    auto sent = (*producer)->ProduceAndWait({{events::TopicFor("evaluation"), a1.relationship_id(),
                                              event.SerializeAsString(), events::KafkaHeaders(event)}});
    ASSERT_TRUE(sent.front().ok()) << sent.front();
  }
  mv1::ListRematchOffersRequest offers_request;
  offers_request.set_mentee_id(mentee->person_id());
  mv1::ListRematchOffersResponse offers;
  const absl::Time give_up = absl::Now() + absl::Seconds(20);
  while (offers.offers_size() == 0 && absl::Now() < give_up) {
    ASSERT_TRUE(stub_->ListRematchOffers(ContextAs(As(mentee->person_id())).get(), offers_request, &offers).ok());
    absl::SleepFor(absl::Milliseconds(100));
  }
  ASSERT_EQ(offers.offers_size(), 1);
  EXPECT_EQ(offers.offers(0).previous_mentor_id(), mentor->person_id());
  EXPECT_EQ(offers.offers(0).trigger(), "rapport.at_risk");
  std::vector<std::string> offered;
  for (const auto& rec : offers.offers(0).recommendations()) offered.push_back(rec.person_id());
  EXPECT_THAT(offered, Not(Contains(mentor->person_id())));
  EXPECT_THAT(offered, Contains(backup->person_id()));

  // HR says the other mentor left: their relationship closes, reason left_organisation.
  EventCollector events(events::TopicFor("matching"));
  profiles::v1::DeactivatePersonRequest leave;
  leave.set_person_id(leaver_mentor->person_id());
  leave.set_expected_version(leaver_mentor->version());
  Person departed;
  ASSERT_TRUE(profiles_stub_->DeactivatePerson(ContextAs(HrCaller()).get(), leave, &departed).ok());
  mv1::Relationship closed;
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  do {
    closed = GetAs(a2.relationship_id(), As(mentee->person_id()));
    if (closed.state() == mv1::RELATIONSHIP_STATE_CLOSED) break;
    absl::SleepFor(absl::Milliseconds(100));
  } while (absl::Now() < deadline);
  EXPECT_EQ(closed.state(), mv1::RELATIONSHIP_STATE_CLOSED);
  EXPECT_EQ(closed.closure_reason(), common::v1::CLOSURE_REASON_LEFT_ORGANISATION);
  EXPECT_TRUE(closed.closed_by().empty());
  const auto received = events.CollectUntil(
      [&](const auto& all) {
        return DistinctEventsFor(all, {{a2.relationship_id(), {2}}}) >= 1;
      },
      absl::Seconds(15));
  EXPECT_TRUE(DeliveredExactlyAsPromised(received, {{a2.relationship_id(), {2}}}));
}

TEST_F(MatchingServiceTest, ErasureRemovesTheReadModelRowAndPrivateText) {
  using enum common::v1::FocusArea;
  auto mentor = NewPerson("erase-mentor", 9, {}, {FOCUS_AREA_WELLBEING});
  auto mentee = NewPerson("erase-mentee", 3, {FOCUS_AREA_WELLBEING}, {});
  ASSERT_TRUE(mentor.ok() && mentee.ok());
  WaitKnown({*mentor, *mentee});
  Enroll(NewProgramme(), *mentee, mv1::PARTICIPANT_ROLE_MENTEE);
  mv1::MentorshipRequest request, accepted;
  ASSERT_TRUE(Ask(*mentee, *mentor, "", {FOCUS_AREA_WELLBEING}, &request).ok());
  ASSERT_TRUE(Accept(request.request_id(), *mentor, &accepted).ok());
  profiles::v1::ErasePersonRequest erase;
  erase.set_person_id(mentee->person_id());
  profiles::v1::ErasePersonResponse erased;
  ASSERT_TRUE(profiles_stub_->ErasePerson(ContextAs(HrCaller()).get(), erase, &erased).ok());
  const absl::Time give_up = absl::Now() + absl::Seconds(20);
  std::vector<std::string> state;
  do {
    state = Query(matching_db_->url(), absl::StrCat("SELECT erased::text || coalesce(length(facts), 0) FROM people "
                                                    "WHERE person_id = '",
                                                    mentee->person_id(), "'"));
    if (!state.empty() && state[0] == "true0") break;
    absl::SleepFor(absl::Milliseconds(100));
  } while (absl::Now() < give_up);
  ASSERT_EQ(state, std::vector<std::string>{"true0"});
  const auto r = GetAs(accepted.relationship_id(), As(mentor->person_id()));
  EXPECT_EQ(r.state(), mv1::RELATIONSHIP_STATE_CLOSED);
  EXPECT_TRUE(r.agreement().mentee_role().empty());
  EXPECT_EQ(Query(matching_db_->url(),
                  absl::StrCat("SELECT count(*) FROM enrollments WHERE person_id = '", mentee->person_id(), "'")),
            std::vector<std::string>{"0"});
  const auto messages =
      Query(matching_db_->url(), absl::StrCat("SELECT count(*) FROM requests WHERE position('would love your help' in "
                                              "encode(body, 'escape')) > 0 AND mentee_id = '",
                                              mentee->person_id(), "'"));
  EXPECT_EQ(messages, std::vector<std::string>{"0"});
}

TEST_F(MatchingServiceTest, AMentorReadsTheGoalsTheRelationshipCoversWhileItIsOpen) {
  using enum common::v1::FocusArea;
  auto mentee = NewPerson("sees-mentee", 3, {FOCUS_AREA_TECHNICAL, FOCUS_AREA_CAREER}, {});
  auto mentor = NewPerson("sees-mentor", 9, {}, {FOCUS_AREA_TECHNICAL, FOCUS_AREA_CAREER});
  auto colleague = NewPerson("sees-colleague", 9, {}, {FOCUS_AREA_TECHNICAL});
  ASSERT_TRUE(mentee.ok() && mentor.ok() && colleague.ok());
  WaitKnown({*mentee, *mentor});
  // The mentee's profile as `caller` reads it from profiles: each goal's area and description.
  const auto goals_seen_by = [&](const Caller& caller) {
    profiles::v1::GetPersonRequest get;
    get.set_person_id(mentee->person_id());
    Person read;
    EXPECT_TRUE(profiles_stub_->GetPerson(ContextAs(caller).get(), get, &read).ok());
    std::vector<std::string> goals;
    for (const auto& goal : read.goals()) {
      goals.push_back(common::v1::FocusArea_Name(goal.focus_area()) + ":" + goal.description());
    }
    return goals;
  };
  const std::string text = mentee->goals(0).description();
  const std::vector<std::string> admin_view{"FOCUS_AREA_TECHNICAL:", "FOCUS_AREA_CAREER:"};
  const Caller as_mentor = As(mentor->person_id());

  mv1::MentorshipRequest request, accepted;
  ASSERT_TRUE(Ask(*mentee, *mentor, "", {FOCUS_AREA_TECHNICAL}, &request).ok());
  ASSERT_TRUE(Accept(request.request_id(), *mentor, &accepted).ok());
  mv1::Relationship r = GetAs(accepted.relationship_id(), As(mentee->person_id()));
  ASSERT_TRUE(AcceptAgreement(r, mentee->person_id(), &r).ok());
  ASSERT_TRUE(AcceptAgreement(r, mentor->person_id(), &r).ok());
  ASSERT_EQ(r.state(), mv1::RELATIONSHIP_STATE_ACTIVE);

  // match.made reaches profiles: the mentor reads the technical goal, not the career one.
  const std::vector<std::string> technical{"FOCUS_AREA_TECHNICAL:" + text};
  ASSERT_TRUE(Eventually([&] { return goals_seen_by(as_mentor) == technical; })) << profiles_->log();
  EXPECT_TRUE(goals_seen_by(As(colleague->person_id())).empty());
  EXPECT_EQ(goals_seen_by(Admin()), admin_view);

  // An amendment that covers career too.
  mv1::ProposeAmendmentRequest amend;
  amend.set_relationship_id(r.relationship_id());
  *amend.mutable_agreement() = r.agreement();
  amend.mutable_agreement()->add_focus_areas(FOCUS_AREA_CAREER);
  ASSERT_TRUE(stub_->ProposeAmendment(ContextAs(As(mentee->person_id())).get(), amend, &r).ok());
  ASSERT_TRUE(AcceptAgreement(r, mentor->person_id(), &r).ok());
  const std::vector<std::string> both{"FOCUS_AREA_TECHNICAL:" + text, "FOCUS_AREA_CAREER:" + text};
  ASSERT_TRUE(Eventually([&] { return goals_seen_by(as_mentor) == both; }));

  // Closed: the former mentor reads what any colleague reads; the admin what they read before.
  mv1::CloseRelationshipRequest close;
  close.set_relationship_id(r.relationship_id());
  close.set_reason(common::v1::CLOSURE_REASON_GOALS_ACHIEVED);
  ASSERT_TRUE(stub_->CloseRelationship(ContextAs(As(mentee->person_id())).get(), close, &r).ok());
  ASSERT_TRUE(Eventually([&] { return goals_seen_by(as_mentor).empty(); }));
  EXPECT_EQ(goals_seen_by(Admin()), admin_view);
}

TEST_F(MatchingServiceTest, ErasingAManagerKeepsTheManagersAboveOutOfTheirReportsMentors) {
  using enum common::v1::FocusArea;
  // top -> middle -> mentee; elsewhere has no manager. top and middle mentor in the area.
  auto top = NewPerson("chain-top", 12, {}, {FOCUS_AREA_TECHNICAL});
  ASSERT_TRUE(top.ok());
  auto middle = NewPerson("chain-middle", 9, {}, {FOCUS_AREA_TECHNICAL}, "Europe/London", 3, {}, top->person_id());
  ASSERT_TRUE(middle.ok());
  auto mentee = NewPerson("chain-mentee", 4, {FOCUS_AREA_TECHNICAL}, {}, "Europe/London", 3, {}, middle->person_id());
  auto elsewhere = NewPerson("chain-elsewhere", 4, {FOCUS_AREA_TECHNICAL}, {});
  ASSERT_TRUE(mentee.ok() && elsewhere.ok());
  WaitKnown({*top, *middle, *mentee, *elsewhere});
  const mv1::Programme programme = NewProgramme();
  Enroll(programme, *top, mv1::PARTICIPANT_ROLE_MENTOR);
  Enroll(programme, *middle, mv1::PARTICIPANT_ROLE_MENTOR);
  Enroll(programme, *mentee, mv1::PARTICIPANT_ROLE_MENTEE);
  Enroll(programme, *elsewhere, mv1::PARTICIPANT_ROLE_MENTEE);
  const auto recommended_to = [&](const Person& who) {
    mv1::RecommendRequest request;
    request.set_programme_id(programme.programme_id());
    request.set_person_id(who.person_id());
    mv1::RecommendResponse response;
    const auto status = stub_->RecommendMentors(ContextAs(As(who.person_id())).get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    std::set<std::string> ids;
    for (const auto& r : response.recommendations()) ids.insert(r.person_id());
    return ids;
  };
  ASSERT_EQ(recommended_to(*elsewhere), (std::set<std::string>{top->person_id(), middle->person_id()}));
  ASSERT_TRUE(recommended_to(*mentee).empty()) << "both are in the mentee's chain";

  profiles::v1::ErasePersonRequest erase;
  erase.set_person_id(middle->person_id());
  profiles::v1::ErasePersonResponse erased;
  ASSERT_TRUE(profiles_stub_->ErasePerson(ContextAs(HrCaller()).get(), erase, &erased).ok());
  // Matching hears both, the erasure and the mentee's new manager (profile.updated), and
  // recommendations read a snapshot that holds them.
  const std::string is_erased = "SELECT erased::text FROM people WHERE person_id = '" + middle->person_id() + "'";
  ASSERT_TRUE(Eventually([&] { return Query(matching_db_->url(), is_erased) == std::vector<std::string>{"true"}; }));
  Person moved = *mentee;
  moved.set_version(mentee->version() + 1);
  WaitKnown({moved});
  EXPECT_EQ(recommended_to(*elsewhere), std::set<std::string>{top->person_id()}) << "the erased one is gone";
  EXPECT_TRUE(recommended_to(*mentee).empty()) << "the top of the chain is still above the mentee";
  mv1::MentorshipRequest request;
  const auto asked = Ask(*mentee, *top, programme.programme_id(), {FOCUS_AREA_TECHNICAL}, &request);
  ASSERT_EQ(asked.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(Violations(asked),
              Contains(std::pair<std::string, std::string>("request.mentor_id", "constraint_management_chain")));
}

}  // namespace
}  // namespace mentoring::testing
