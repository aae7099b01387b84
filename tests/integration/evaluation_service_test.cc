// The evaluation service as a real process beside real profiles and matching services, on
// the real stack. Relationships are made in matching (match.made reaches evaluation through
// Kafka); scheduling is not built yet, so the test publishes its meeting.* events into
// Kafka itself, early, twice and out of order. Checked: the rapport check fires once, only
// after the second held meeting, and matching offers a rematch on it; a review that ends
// really closes the relationship in matching with its reason; a goal achieved through
// evaluation is achieved in profiles; the undecided path on the test clock; erasure; and
// no private text in any event.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <iostream>
#include <set>

#include "harness.h"
#include "mentoring/evaluation/v1/evaluation.grpc.pb.h"
#include "mentoring/matching/v1/matching.grpc.pb.h"
#include "mentoring/runtime/clock.h"
#include "mentoring/runtime/events.h"
#include "mentoring/runtime/ids.h"
#include "mentoring/runtime/kafka.h"

namespace mentoring::testing {
namespace {

namespace ev1 = evaluation::v1;
namespace mv1 = matching::v1;
using common::v1::FocusArea;
using events::v1::EventEnvelope;
using profiles::v1::Person;

Caller Admin() { return {"eval-admin", {roles::kProgrammeAdmin}}; }
Caller As(const std::string& id) { return {id, {roles::kEmployee}}; }

common::v1::Date Day(int y, int m, int d) {
  common::v1::Date date;
  date.set_year(y);
  date.set_month(m);
  date.set_day(d);
  return date;
}

absl::Status Check(const grpc::Status& status, const std::string& what) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()), what + ": " + status.error_message());
}

// How long things took to reach evaluation, printed with the test's output (a measurement
// for docs/evaluation.md, never asserted).
void Report(const std::string& what, absl::Duration took) {
  std::cerr << "measured: " << what << " in " << absl::FormatDuration(absl::Trunc(took, absl::Milliseconds(1))) << "\n";
}

struct Pair {
  std::string relationship_id;
  Person mentee, mentor;
  std::string programme_id;
  int64_t series_sequence = 0;
};

class EvaluationServiceTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    profiles_db_ = new ScratchDatabase("evprof");
    matching_db_ = new ScratchDatabase("evmatch");
    evaluation_db_ = new ScratchDatabase("eval");
    profiles_ =
        new ServiceProcess(ServiceBinary("profiles"), ServiceEnv("profiles", {{"DATABASE_URL", profiles_db_->url()}}));
    if (!(started_ = profiles_->Start()).ok()) return;
    const std::string profiles_addr = absl::StrCat("127.0.0.1:", profiles_->grpc_port());
    matching_ = new ServiceProcess(
        ServiceBinary("matching"),
        ServiceEnv("matching", {{"DATABASE_URL", matching_db_->url()}, {"PROFILES_ADDR", profiles_addr}}));
    if (!(started_ = matching_->Start()).ok()) return;
    evaluation_ = new ServiceProcess(ServiceBinary("evaluation"),
                                     ServiceEnv("evaluation", {{"DATABASE_URL", evaluation_db_->url()},
                                                               {"PROFILES_ADDR", profiles_addr},
                                                               {"SWEEP_INTERVAL", "200ms"}}));
    if (!(started_ = evaluation_->Start()).ok()) return;
    profiles_stub_ = profiles::v1::ProfilesService::NewStub(profiles_->channel()).release();
    matching_stub_ = mv1::MatchingService::NewStub(matching_->channel()).release();
    stub_ = ev1::EvaluationService::NewStub(evaluation_->channel()).release();
    auto producer = kafka::Producer::Create(StackValue("KAFKA_BOOTSTRAP"), absl::Seconds(10));
    if (!(started_ = producer.status()).ok()) return;
    producer_ = producer->release();
  }
  static void TearDownTestSuite() {
    delete producer_;
    delete stub_;
    delete matching_stub_;
    delete profiles_stub_;
    delete evaluation_;
    delete matching_;
    delete profiles_;
    delete evaluation_db_;
    delete matching_db_;
    delete profiles_db_;
  }
  void SetUp() override { ASSERT_TRUE(started_.ok()) << started_; }

  static absl::StatusOr<Person> NewPerson(const std::string& tag, int level, std::vector<FocusArea> goals,
                                          std::vector<FocusArea> offers) {
    profiles::v1::CreatePersonRequest request;
    *request.mutable_person() = MentoringPerson(tag, level, goals, offers);
    Person created;
    if (auto s = Check(profiles_stub_->CreatePerson(ContextAs(HrCaller()).get(), request, &created), "create");
        !s.ok()) {
      return s;
    }
    return created;
  }

  // A relationship made in matching, in a programme whose agreements are reviewed after two
  // meetings. `before_made` runs once it is proposed, before the two accept it.
  static absl::StatusOr<Pair> MakePair(const std::string& tag, const std::function<void(Pair&)>& before_made = {}) {
    Pair pair;
    auto mentee = NewPerson(tag + "-mentee", 3, {FocusArea::FOCUS_AREA_TECHNICAL}, {});
    auto mentor = NewPerson(tag + "-mentor", 9, {}, {FocusArea::FOCUS_AREA_TECHNICAL});
    if (!mentee.ok()) return mentee.status();
    if (!mentor.ok()) return mentor.status();
    pair.mentee = *mentee;
    pair.mentor = *mentor;
    for (const Person* p : {&pair.mentee, &pair.mentor}) {
      const bool known = Eventually([&] {
        return !Query(matching_db_->url(),
                      absl::StrCat("SELECT 1 FROM people WHERE person_id = '", p->person_id(), "' AND NOT erased"))
                    .empty();
      });
      if (!known) return absl::DeadlineExceededError("matching never learned " + p->person_id());
    }
    mv1::CreateProgrammeRequest create;
    auto* programme = create.mutable_programme();
    programme->set_name("Evaluation cohort " + tag);
    programme->set_type(common::v1::PROGRAMME_TYPE_ONE_TO_ONE);
    *programme->mutable_start_date() = Day(2026, 1, 1);
    *programme->mutable_end_date() = Day(2030, 12, 31);
    programme->mutable_policy()->set_max_time_zone_difference_hours(3);
    programme->mutable_policy()->set_min_level_gap(2);
    programme->mutable_agreement_defaults()->set_review_after_meetings(2);
    mv1::Programme made_programme;
    if (auto s = Check(matching_stub_->CreateProgramme(ContextAs(Admin()).get(), create, &made_programme), "programme");
        !s.ok()) {
      return s;
    }
    pair.programme_id = made_programme.programme_id();
    for (auto [person, role] : {std::pair{&pair.mentee, mv1::PARTICIPANT_ROLE_MENTEE},
                                std::pair{&pair.mentor, mv1::PARTICIPANT_ROLE_MENTOR}}) {
      mv1::EnrollRequest enroll;
      enroll.mutable_enrollment()->set_programme_id(pair.programme_id);
      enroll.mutable_enrollment()->set_person_id(person->person_id());
      enroll.mutable_enrollment()->set_role(role);
      enroll.mutable_enrollment()->set_consent(true);
      enroll.mutable_enrollment()->set_hours_per_month(4);
      mv1::Enrollment enrolled;
      if (auto s = Check(matching_stub_->Enroll(ContextAs(As(person->person_id())).get(), enroll, &enrolled), "enroll");
          !s.ok()) {
        return s;
      }
    }
    mv1::CreateMentorshipRequestRequest ask;
    ask.mutable_request()->set_programme_id(pair.programme_id);
    ask.mutable_request()->set_mentee_id(pair.mentee.person_id());
    ask.mutable_request()->set_mentor_id(pair.mentor.person_id());
    ask.mutable_request()->add_focus_areas(FocusArea::FOCUS_AREA_TECHNICAL);
    mv1::MentorshipRequest request;
    if (auto s =
            Check(matching_stub_->CreateMentorshipRequest(ContextAs(As(pair.mentee.person_id())).get(), ask, &request),
                  "ask");
        !s.ok()) {
      return s;
    }
    mv1::DecideRequestRequest accept;
    accept.set_request_id(request.request_id());
    if (auto s = Check(matching_stub_->AcceptRequest(ContextAs(As(pair.mentor.person_id())).get(), accept, &request),
                       "accept");
        !s.ok()) {
      return s;
    }
    pair.relationship_id = request.relationship_id();
    if (before_made) before_made(pair);
    absl::Time agreed;
    for (const Person* p : {&pair.mentee, &pair.mentor}) {
      mv1::AcceptAgreementRequest agree;
      agree.set_relationship_id(pair.relationship_id);
      agree.set_agreement_version(1);
      mv1::Relationship r;
      if (auto s = Check(matching_stub_->AcceptAgreement(ContextAs(As(p->person_id())).get(), agree, &r), "agree");
          !s.ok()) {
        return s;
      }
      agreed = absl::Now();
    }
    // Evaluation has it once match.made arrived.
    if (!Eventually([&] { return Health(pair, As(pair.mentee.person_id())).ok(); })) {
      return absl::DeadlineExceededError("evaluation never learned the relationship was made");
    }
    Report("agreement accepted in matching -> relationship known to evaluation", absl::Now() - agreed);
    return pair;
  }

  // scheduling's meeting.* events, published as scheduling will.
  static void PublishMeeting(Pair& pair, int occurrence, bool held, int copies = 1) {
    const std::string series = pair.relationship_id + "-series";
    EventEnvelope e =
        events::NewEvent("scheduling", "meeting_series", series, ++pair.series_sequence, SystemClock::Instance());
    events::v1::MeetingRef* ref =
        held ? e.mutable_meeting_completed()->mutable_meeting() : e.mutable_meeting_missed()->mutable_meeting();
    ref->set_series_id(series);
    ref->set_meeting_id(MeetingId(pair, occurrence));
    ref->set_relationship_id(pair.relationship_id);
    ref->set_occurrence(occurrence);
    if (held) e.mutable_meeting_completed()->set_duration_minutes(60);
    for (int i = 0; i < copies; ++i) {
      auto sent = producer_->ProduceAndWait(
          {{events::TopicFor("scheduling"), series, e.SerializeAsString(), events::KafkaHeaders(e)}});
      ASSERT_TRUE(sent.front().ok()) << sent.front();
    }
  }
  static std::string MeetingId(const Pair& pair, int occurrence) {
    return absl::StrCat(pair.relationship_id, "-m", occurrence);
  }

  static absl::StatusOr<ev1::RelationshipHealth> Health(const Pair& pair, const Caller& caller) {
    ev1::GetRelationshipHealthRequest r;
    r.set_relationship_id(pair.relationship_id);
    ev1::RelationshipHealth health;
    if (auto s = Check(stub_->GetRelationshipHealth(ContextAs(caller).get(), r, &health), "health"); !s.ok()) return s;
    return health;
  }
  static bool HeldCount(const Pair& pair, int held) {
    auto h = Health(pair, As(pair.mentee.person_id()));
    return h.ok() && h->meetings_held() == held;
  }

  static grpc::Status Rate(const Pair& pair, int occurrence, const Person& who, int rapport,
                           const std::string& comment) {
    ev1::SubmitFeedbackRequest r;
    r.set_meeting_id(MeetingId(pair, occurrence));
    r.set_rapport(rapport);
    r.set_usefulness(4);
    r.set_comment(comment);
    ev1::Feedback out;
    return stub_->SubmitFeedback(ContextAs(As(who.person_id())).get(), r, &out);
  }

  static std::vector<ev1::Review> Reviews(const Pair& pair, const Caller& caller) {
    ev1::ListReviewsRequest r;
    r.set_relationship_id(pair.relationship_id);
    ev1::ListReviewsResponse out;
    EXPECT_TRUE(stub_->ListReviews(ContextAs(caller).get(), r, &out).ok());
    return {out.reviews().begin(), out.reviews().end()};
  }

  static grpc::Status Answer(const std::string& review_id, const Person& who, common::v1::ReviewOutcome answer,
                             common::v1::ClosureReason reason, ev1::Review* out) {
    ev1::AnswerReviewRequest r;
    r.set_review_id(review_id);
    r.set_answer(answer);
    r.set_closure_reason(reason);
    r.set_comment("private review comment of " + who.person_id());
    return stub_->AnswerReview(ContextAs(As(who.person_id())).get(), r, out);
  }

  static mv1::Relationship InMatching(const Pair& pair) {
    mv1::GetRelationshipRequest r;
    r.set_relationship_id(pair.relationship_id);
    mv1::Relationship out;
    matching_stub_->GetRelationship(ContextAs(As(pair.mentee.person_id())).get(), r, &out);
    return out;
  }

  // Distinct events of a type about a relationship (or a person), as collected.
  static std::vector<EventEnvelope> OfType(const std::vector<EventEnvelope>& all, const std::string& type,
                                           const std::string& about) {
    std::set<std::string> seen;
    std::vector<EventEnvelope> out;
    for (const auto& e : all) {
      if (e.type() != type || e.SerializeAsString().find(about) == std::string::npos) continue;
      if (seen.insert(e.event_id()).second) out.push_back(e);
    }
    return out;
  }

  static void ExpectNoPrivateText(const std::vector<EventEnvelope>& all) {
    for (const auto& e : all) {
      const std::string bytes = e.SerializeAsString();
      for (const char* text : {"private feedback", "private review comment", "private evidence", "private survey",
                               "private goal text", "Sample Person", "@example.com"}) {
        EXPECT_EQ(bytes.find(text), std::string::npos) << e.type() << " carries '" << text << "'";
      }
    }
  }

  static inline absl::Status started_;
  static inline ScratchDatabase* profiles_db_ = nullptr;
  static inline ScratchDatabase* matching_db_ = nullptr;
  static inline ScratchDatabase* evaluation_db_ = nullptr;
  static inline ServiceProcess* profiles_ = nullptr;
  static inline ServiceProcess* matching_ = nullptr;
  static inline ServiceProcess* evaluation_ = nullptr;
  static inline profiles::v1::ProfilesService::Stub* profiles_stub_ = nullptr;
  static inline mv1::MatchingService::Stub* matching_stub_ = nullptr;
  static inline ev1::EvaluationService::Stub* stub_ = nullptr;
  static inline kafka::Producer* producer_ = nullptr;
};

TEST_F(EvaluationServiceTest, TheRapportCheckFiresOnceAfterTheSecondHeldMeetingAndMatchingOffersARematch) {
  EventCollector events(events::TopicFor("evaluation"));
  // Scheduling's first two meetings reach evaluation before matching's match.made, the
  // second one first and twice: they wait, parked, and count once each.
  auto pair = MakePair("rapport", [](Pair& p) {
    PublishMeeting(p, 2, /*held=*/true, /*copies=*/2);
    PublishMeeting(p, 1, /*held=*/true);
  });
  ASSERT_TRUE(pair.ok()) << pair.status();
  ASSERT_TRUE(Eventually([&] { return HeldCount(*pair, 2); })) << evaluation_->log().substr(0, 4000);
  const auto pair_view = Health(*pair, As(pair->mentee.person_id()));
  ASSERT_TRUE(pair_view.ok());
  EXPECT_EQ(pair_view->rapport_check(), ev1::RAPPORT_CHECK_STATE_ASKED);

  // Low after the first meeting does not count; the second meeting's answers are the check.
  ASSERT_TRUE(Rate(*pair, 1, pair->mentee, 1, "private feedback one").ok());
  ASSERT_TRUE(Rate(*pair, 2, pair->mentee, 4, "private feedback two").ok());
  ASSERT_TRUE(Rate(*pair, 2, pair->mentor, 1, "private feedback three").ok());
  PublishMeeting(*pair, 3, true);
  ASSERT_TRUE(Eventually([&] { return HeldCount(*pair, 3); }));
  ASSERT_TRUE(Rate(*pair, 3, pair->mentor, 1, "private feedback four").ok());

  const auto received = events.CollectUntil(
      [&](const auto& all) { return OfType(all, "feedback.submitted", pair->relationship_id).size() >= 4; },
      absl::Seconds(30));
  const auto at_risk = OfType(received, "rapport.at_risk", pair->relationship_id);
  ASSERT_EQ(at_risk.size(), 1u);
  EXPECT_EQ(at_risk[0].rapport_at_risk().rapport_score(), 1);
  EXPECT_EQ(at_risk[0].rapport_at_risk().meetings_considered(), 2);
  EXPECT_EQ(at_risk[0].rapport_at_risk().mentee_id(), pair->mentee.person_id());
  ExpectNoPrivateText(received);

  // Matching, which consumes it, offers the mentee a rematch.
  mv1::ListRematchOffersRequest offers_request;
  offers_request.set_mentee_id(pair->mentee.person_id());
  mv1::ListRematchOffersResponse offers;
  EXPECT_TRUE(Eventually([&] {
    return matching_stub_->ListRematchOffers(ContextAs(As(pair->mentee.person_id())).get(), offers_request, &offers)
               .ok() &&
           offers.offers_size() == 1;
  }));
  EXPECT_EQ(offers.offers(0).trigger(), "rapport.at_risk");

  // The pair's view says so without blame; the admin's carries no rating at all.
  const auto after = Health(*pair, As(pair->mentor.person_id()));
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->rapport_check(), ev1::RAPPORT_CHECK_STATE_LOW);
  EXPECT_THAT(after->summary(), ::testing::HasSubstr("a normal outcome, not a failure"));
  const auto admin = Health(*pair, Admin());
  ASSERT_TRUE(admin.ok());
  EXPECT_EQ(admin->view(), ev1::HEALTH_VIEW_ADMIN);
  EXPECT_EQ(admin->score(), 0);
  EXPECT_EQ(admin->rapport_check(), ev1::RAPPORT_CHECK_STATE_UNSPECIFIED);
  for (const auto& f : admin->factors()) EXPECT_NE(f.kind(), ev1::HEALTH_FACTOR_KIND_FEEDBACK);
  EXPECT_EQ(admin->SerializeAsString().find("rapport"), std::string::npos);
  EXPECT_EQ(Health(*pair, As("someone-else")).status().code(), absl::StatusCode::kPermissionDenied);
}

TEST_F(EvaluationServiceTest, AReviewThatEndsClosesTheRelationshipInMatchingWithItsReason) {
  EventCollector events(events::TopicFor("evaluation"));
  auto pair = MakePair("review-end");
  ASSERT_TRUE(pair.ok()) << pair.status();
  PublishMeeting(*pair, 1, true);
  PublishMeeting(*pair, 2, true);
  ASSERT_TRUE(Eventually([&] { return Reviews(*pair, As(pair->mentee.person_id())).size() == 1; }));
  const ev1::Review open = Reviews(*pair, As(pair->mentee.person_id()))[0];
  EXPECT_EQ(open.state(), ev1::REVIEW_STATE_OPEN);
  EXPECT_EQ(open.meetings_held(), 2);
  ev1::Review review;
  ASSERT_TRUE(Answer(open.review_id(), pair->mentee, common::v1::REVIEW_OUTCOME_AMEND,
                     common::v1::CLOSURE_REASON_UNSPECIFIED, &review)
                  .ok());
  EXPECT_EQ(review.state(), ev1::REVIEW_STATE_OPEN);
  auto status = Answer(open.review_id(), pair->mentor, common::v1::REVIEW_OUTCOME_END,
                       common::v1::CLOSURE_REASON_NO_LONGER_BENEFICIAL, &review);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(review.outcome(), common::v1::REVIEW_OUTCOME_END);
  const absl::Time ended = absl::Now();

  // Matching closes it, by the system, with the review's reason.
  ASSERT_TRUE(Eventually([&] { return InMatching(*pair).state() == mv1::RELATIONSHIP_STATE_CLOSED; }));
  Report("review ended in evaluation -> relationship closed in matching", absl::Now() - ended);
  const mv1::Relationship closed = InMatching(*pair);
  EXPECT_EQ(closed.closure_reason(), common::v1::CLOSURE_REASON_NO_LONGER_BENEFICIAL);
  EXPECT_EQ(closed.closed_by(), "");

  // Its relationship.closed comes back: both are asked the closure survey.
  ev1::ListPendingItemsRequest pending;
  pending.set_person_id(pair->mentee.person_id());
  ev1::ListPendingItemsResponse items;
  ASSERT_TRUE(Eventually([&] {
    if (!stub_->ListPendingItems(ContextAs(As(pair->mentee.person_id())).get(), pending, &items).ok()) return false;
    return std::any_of(items.items().begin(), items.items().end(),
                       [](const auto& i) { return i.kind() == events::v1::ASK_KIND_CLOSURE_SURVEY; });
  }));
  ev1::SubmitClosureSurveyRequest survey;
  survey.set_relationship_id(pair->relationship_id);
  survey.set_outcome_rating(3);
  survey.set_satisfaction(3);
  survey.set_goals_achieved(1);
  survey.set_would_recommend(7);
  survey.set_comment("private survey comment");
  ev1::ClosureSurvey answered;
  ASSERT_TRUE(stub_->SubmitClosureSurvey(ContextAs(As(pair->mentee.person_id())).get(), survey, &answered).ok());

  const auto received = events.CollectUntil(
      [&](const auto& all) { return !OfType(all, "survey.completed", pair->relationship_id).empty(); },
      absl::Seconds(30));
  const auto completed = OfType(received, "review.completed", pair->relationship_id);
  ASSERT_EQ(completed.size(), 1u);
  EXPECT_EQ(completed[0].review_completed().outcome(), common::v1::REVIEW_OUTCOME_END);
  EXPECT_EQ(completed[0].review_completed().closure_reason(), common::v1::CLOSURE_REASON_NO_LONGER_BENEFICIAL);
  EXPECT_EQ(OfType(received, "survey.completed", pair->relationship_id)[0].survey_completed().would_recommend(), 7);
  ExpectNoPrivateText(received);
}

TEST_F(EvaluationServiceTest, AGoalAchievedThroughEvaluationIsAchievedInProfiles) {
  EventCollector events(events::TopicFor("evaluation"));
  auto pair = MakePair("goal");
  ASSERT_TRUE(pair.ok()) << pair.status();
  ASSERT_EQ(pair->mentee.goals_size(), 1);
  const std::string goal_id = pair->mentee.goals(0).goal_id();
  ev1::RecordGoalProgressRequest progress;
  progress.set_relationship_id(pair->relationship_id);
  progress.set_goal_id(goal_id);
  progress.set_status(common::v1::GOAL_STATUS_ACHIEVED);
  progress.set_evidence_note("private evidence: led the incident review");
  ev1::GoalProgress recorded;
  auto status = stub_->RecordGoalProgress(ContextAs(As(pair->mentor.person_id())).get(), progress, &recorded);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(recorded.progress_percent(), 100);

  profiles::v1::GetPersonRequest get;
  get.set_person_id(pair->mentee.person_id());
  Person mentee;
  ASSERT_TRUE(profiles_stub_->GetPerson(ContextAs(As(pair->mentee.person_id())).get(), get, &mentee).ok());
  ASSERT_EQ(mentee.goals_size(), 1);
  EXPECT_EQ(mentee.goals(0).status(), common::v1::GOAL_STATUS_ACHIEVED);

  // The pair reads the note; an admin may not.
  ev1::ListGoalProgressRequest list;
  list.set_relationship_id(pair->relationship_id);
  ev1::ListGoalProgressResponse listed;
  ASSERT_TRUE(stub_->ListGoalProgress(ContextAs(As(pair->mentee.person_id())).get(), list, &listed).ok());
  ASSERT_EQ(listed.observations_size(), 1);
  EXPECT_EQ(listed.observations(0).evidence_note(), "private evidence: led the incident review");
  EXPECT_EQ(stub_->ListGoalProgress(ContextAs(Admin()).get(), list, &listed).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);

  const auto received = events.CollectUntil(
      [&](const auto& all) { return !OfType(all, "goal.progressed", pair->mentee.person_id()).empty(); },
      absl::Seconds(30));
  const auto progressed = OfType(received, "goal.progressed", pair->mentee.person_id());
  ASSERT_EQ(progressed.size(), 1u);
  EXPECT_EQ(progressed[0].aggregate_id(), pair->mentee.person_id());
  EXPECT_EQ(progressed[0].goal_progressed().status(), common::v1::GOAL_STATUS_ACHIEVED);
  ExpectNoPrivateText(received);
}

TEST_F(EvaluationServiceTest, ErasureLeavesNoTraceOfThePersonsAnswers) {
  auto pair = MakePair("erase");
  ASSERT_TRUE(pair.ok()) << pair.status();
  const absl::Time published = absl::Now();
  PublishMeeting(*pair, 1, true);
  ASSERT_TRUE(Eventually([&] { return HeldCount(*pair, 1); }));
  Report("meeting.completed published -> counted by evaluation", absl::Now() - published);
  ASSERT_TRUE(Rate(*pair, 1, pair->mentee, 5, "private feedback of the erased").ok());
  ASSERT_TRUE(Rate(*pair, 1, pair->mentor, 4, "private feedback that stays").ok());
  profiles::v1::ErasePersonRequest erase;
  erase.set_person_id(pair->mentee.person_id());
  profiles::v1::ErasePersonResponse erased;
  ASSERT_TRUE(profiles_stub_->ErasePerson(ContextAs(HrCaller()).get(), erase, &erased).ok());
  const std::string who = "'" + pair->mentee.person_id() + "'";
  ASSERT_TRUE(Eventually([&] {
    return Query(evaluation_db_->url(), "SELECT count(*) FROM feedback WHERE person_id = " + who) ==
           std::vector<std::string>{"0"};
  }));
  EXPECT_EQ(Query(evaluation_db_->url(), "SELECT count(*) FROM asks WHERE person_id = " + who),
            std::vector<std::string>{"0"});
  EXPECT_EQ(
      Query(evaluation_db_->url(), "SELECT count(*) FROM feedback f WHERE position('of the erased' in f::text) > 0"),
      std::vector<std::string>{"0"});
  EXPECT_EQ(Query(evaluation_db_->url(),
                  "SELECT count(*) FROM feedback WHERE relationship_id = '" + pair->relationship_id + "'"),
            std::vector<std::string>{"1"});
}

// Last: it moves the evaluation service's clock forward for good.
TEST_F(EvaluationServiceTest, ZzAnUnansweredReviewIsRemindedThenRecordedUndecidedOnTheTestClock) {
  EventCollector events(events::TopicFor("evaluation"));
  auto pair = MakePair("undecided");
  ASSERT_TRUE(pair.ok()) << pair.status();
  // The programme answers within a day.
  ev1::UpdateProgrammeSettingsRequest settings;
  settings.mutable_settings()->set_programme_id(pair->programme_id);
  settings.mutable_settings()->set_review_answer_days(1);
  ev1::ProgrammeSettings set;
  ASSERT_TRUE(stub_->UpdateProgrammeSettings(ContextAs(Admin()).get(), settings, &set).ok());
  PublishMeeting(*pair, 1, true);
  PublishMeeting(*pair, 2, true);
  ASSERT_TRUE(Eventually([&] { return Reviews(*pair, Admin()).size() == 1; }));
  const std::string review_id = Reviews(*pair, Admin())[0].review_id();
  ev1::Review review;
  ASSERT_TRUE(Answer(review_id, pair->mentee, common::v1::REVIEW_OUTCOME_CONTINUE,
                     common::v1::CLOSURE_REASON_UNSPECIFIED, &review)
                  .ok());

  auto advance = [](absl::Duration by) { ASSERT_TRUE(AdvanceClock(*evaluation_, by).ok()); };
  advance(absl::Hours(25));
  auto received = events.CollectUntil([&](const auto& all) { return !OfType(all, "reminder.due", review_id).empty(); },
                                      absl::Seconds(30));
  const auto reminders = OfType(received, "reminder.due", review_id);
  ASSERT_EQ(reminders.size(), 1u);  // the mentor; the mentee answered
  EXPECT_EQ(reminders[0].reminder_due().person_id(), pair->mentor.person_id());
  advance(absl::Hours(25));
  received = events.CollectUntil(
      [&](const auto& all) { return !OfType(all, "review.completed", pair->relationship_id).empty(); },
      absl::Seconds(30));
  const auto completed = OfType(received, "review.completed", pair->relationship_id);
  ASSERT_EQ(completed.size(), 1u);
  EXPECT_EQ(completed[0].review_completed().outcome(), common::v1::REVIEW_OUTCOME_UNDECIDED);
  // For the admin's attention; matching leaves the relationship as it is.
  ev1::ListReviewsRequest undecided;
  undecided.set_programme_id(pair->programme_id);
  undecided.set_state(ev1::REVIEW_STATE_UNDECIDED);
  ev1::ListReviewsResponse listed;
  ASSERT_TRUE(stub_->ListReviews(ContextAs(Admin()).get(), undecided, &listed).ok());
  ASSERT_EQ(listed.reviews_size(), 1);
  EXPECT_FALSE(listed.reviews(0).has_mentee_answer());
  absl::SleepFor(absl::Seconds(1));
  EXPECT_EQ(InMatching(*pair).state(), mv1::RELATIONSHIP_STATE_ACTIVE);
  ExpectNoPrivateText(received);
}

}  // namespace
}  // namespace mentoring::testing
