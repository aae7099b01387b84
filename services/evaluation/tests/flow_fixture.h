#pragma once
// Evaluation's use cases, event handlers and sweeper wired as the service wires them, on a
// scratch database of the test stack, with a manual clock, a fake book of goals and the
// runtime's real consumer applying events (so duplicates are skipped and early meetings
// parked exactly as in the service), but no process and no Kafka.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "answers_app.h"
#include "assessor.h"
#include "evaluation_service.h"
#include "events_app.h"
#include "goal_book.h"
#include "harness.h"
#include "mentoring/runtime/errors.h"
#include "mentoring/runtime/event_consumer.h"
#include "mentoring/runtime/event_router.h"
#include "mentoring/runtime/events.h"
#include "mentoring/runtime/ids.h"
#include "mentoring/runtime/outbox.h"
#include "programmes_app.h"
#include "progress_app.h"
#include "reviews_app.h"
#include "sweeper.h"

namespace mentoring::evaluation {

// Goals as profiles would hand them out, recording every status it is told to set.
class FakeGoalBook final : public GoalBook {
 public:
  absl::StatusOr<profiles::v1::Goal> Goal(const CallContext&, const std::string& person_id,
                                          const std::string& goal_id) const override {
    auto it = goals.find({person_id, goal_id});
    if (it == goals.end()) return errors::NotFound("goal", goal_id);
    return it->second;
  }
  absl::Status SetStatus(const CallContext&, const std::string& person_id, const std::string& goal_id,
                         common::v1::GoalStatus status) const override {
    set.push_back({person_id, goal_id, status});
    goals[{person_id, goal_id}].set_status(status);
    return absl::OkStatus();
  }
  void Add(const std::string& person_id, const std::string& goal_id, common::v1::FocusArea area) {
    profiles::v1::Goal& g = goals[{person_id, goal_id}];
    g.set_goal_id(goal_id);
    g.set_focus_area(area);
    g.set_description("private goal text");
    g.set_status(common::v1::GOAL_STATUS_ACTIVE);
  }

  struct Set {
    std::string person_id, goal_id;
    common::v1::GoalStatus status;
  };
  mutable std::map<std::pair<std::string, std::string>, profiles::v1::Goal> goals;
  mutable std::vector<Set> set;
};

class EvaluationFlowTest : public ::testing::Test {
 protected:
  static constexpr char kConsumer[] = "evaluation-flow-test";

  void SetUp() override {
    ASSERT_TRUE(pg::ApplyMigrations(pool_, "runtime", RuntimeMigrations()).ok());
    ASSERT_TRUE(pg::ApplyMigrations(pool_, "evaluation", Migrations()).ok());
    router_.On<events::v1::MatchMade>(std::bind_front(&EventsApp::OnMatchMade, &handlers_))
        .On<events::v1::RelationshipPaused>(std::bind_front(&EventsApp::OnRelationshipPaused, &handlers_))
        .On<events::v1::RelationshipResumed>(std::bind_front(&EventsApp::OnRelationshipResumed, &handlers_))
        .On<events::v1::RelationshipAgreementAmended>(
            std::bind_front(&EventsApp::OnRelationshipAgreementAmended, &handlers_))
        .On<events::v1::RelationshipClosed>(std::bind_front(&EventsApp::OnRelationshipClosed, &handlers_))
        .On<events::v1::RelationshipMovedToAlumni>(std::bind_front(&EventsApp::OnRelationshipMovedToAlumni, &handlers_))
        .On<events::v1::MeetingCompleted>(std::bind_front(&EventsApp::OnMeetingCompleted, &handlers_))
        .On<events::v1::MeetingMissed>(std::bind_front(&EventsApp::OnMeetingMissed, &handlers_))
        .On<events::v1::MeetingCancelled>(std::bind_front(&EventsApp::OnMeetingCancelled, &handlers_))
        .On<events::v1::ProfileErased>(std::bind_front(&EventsApp::OnProfileErased, &handlers_));
    ASSERT_TRUE(router_.Check().ok());
  }

  // ---- people and calls
  static Caller As(const std::string& id) { return {id, {roles::kEmployee}}; }
  static Caller Admin() { return {"admin-1", {roles::kProgrammeAdmin}}; }
  static CallContext Call(const Caller& caller) { return CallContext{.caller = caller}; }

  // ---- events as their producers would publish them
  EventEnvelope Deliver(const EventEnvelope& event) {
    EXPECT_TRUE(consumer_.Apply(event).ok()) << events::TypeOf(event);
    return event;
  }

  struct Pair {
    std::string id, mentee, mentor;
  };

  // A relationship made in a programme: match.made with its terms.
  EventEnvelope MatchMade(const Pair& p, int review_after_meetings = 4,
                          std::optional<absl::CivilDay> end_date = std::nullopt,
                          std::optional<absl::CivilDay> review_date = std::nullopt) {
    EventEnvelope e = events::NewEvent("matching", "relationship", p.id, 2, clock_);
    auto* made = e.mutable_match_made();
    made->set_relationship_id(p.id);
    made->set_programme_id(programme_id_);
    made->set_mentee_id(p.mentee);
    made->set_mentor_id(p.mentor);
    made->add_focus_areas(common::v1::FOCUS_AREA_TECHNICAL);
    made->mutable_terms()->set_cadence_rrule("FREQ=MONTHLY");
    made->mutable_terms()->set_review_after_meetings(review_after_meetings);
    *made->mutable_terms()->mutable_end_date() = ToDate(end_date.value_or(Today(clock_.Now()) + 365));
    if (review_date) *made->mutable_terms()->mutable_review_date() = ToDate(*review_date);
    return e;
  }

  Pair Made(const std::string& tag, int review_after_meetings = 4,
            std::optional<absl::CivilDay> end_date = std::nullopt,
            std::optional<absl::CivilDay> review_date = std::nullopt) {
    Pair p{NewUuidV7(), tag + "-mentee", tag + "-mentor"};
    Deliver(MatchMade(p, review_after_meetings, end_date, review_date));
    return p;
  }

  // A meeting event from scheduling; each series' sequence grows with its events.
  EventEnvelope MeetingEvent(const Pair& p, int occurrence, MeetingOutcome outcome,
                             const std::string& cancelled_by = "a-party") {
    const std::string series = p.id + "-series";
    EventEnvelope e = events::NewEvent("scheduling", "meeting_series", series, ++series_sequence_[series], clock_);
    events::v1::MeetingRef ref;
    ref.set_series_id(series);
    ref.set_meeting_id(MeetingId(p, occurrence));
    ref.set_relationship_id(p.id);
    ref.set_occurrence(occurrence);
    switch (outcome) {
      case MeetingOutcome::kHeld:
        *e.mutable_meeting_completed()->mutable_meeting() = ref;
        SetTimestamp(e.mutable_meeting_completed()->mutable_held_at(), clock_.Now());
        break;
      case MeetingOutcome::kMissed:
        *e.mutable_meeting_missed()->mutable_meeting() = ref;
        SetTimestamp(e.mutable_meeting_missed()->mutable_was_due_at(), clock_.Now());
        break;
      default:
        *e.mutable_meeting_cancelled()->mutable_meeting() = ref;
        e.mutable_meeting_cancelled()->set_cancelled_by(cancelled_by);
        break;
    }
    return e;
  }
  static std::string MeetingId(const Pair& p, int occurrence) { return absl::StrCat(p.id, "-m", occurrence); }
  void Held(const Pair& p, std::initializer_list<int> occurrences) {
    for (int n : occurrences) Deliver(MeetingEvent(p, n, MeetingOutcome::kHeld));
  }
  void Missed(const Pair& p, std::initializer_list<int> occurrences) {
    for (int n : occurrences) Deliver(MeetingEvent(p, n, MeetingOutcome::kMissed));
  }

  absl::StatusOr<v1::Feedback> Rate(const Pair& p, int occurrence, const std::string& who, int rapport,
                                    int usefulness = 4, const std::string& comment = "") {
    v1::SubmitFeedbackRequest r;
    r.set_meeting_id(MeetingId(p, occurrence));
    r.set_rapport(rapport);
    r.set_usefulness(usefulness);
    r.set_comment(comment);
    return answers_.SubmitFeedback(Call(As(who)), r);
  }

  // ---- what was published, in order (of one type, or all)
  std::vector<EventEnvelope> Published(const std::string& type = "") {
    std::vector<EventEnvelope> out;
    auto rows = pool_.Exec("SELECT payload FROM outbox ORDER BY id");
    EXPECT_TRUE(rows.ok());
    for (int i = 0; rows.ok() && i < rows->rows(); ++i) {
      EventEnvelope e;
      EXPECT_TRUE(e.ParseFromString(rows->Bytes(i, 0)));
      if (type.empty() || events::TypeOf(e) == type) out.push_back(std::move(e));
    }
    return out;
  }
  std::vector<EventEnvelope> PublishedAbout(const std::string& relationship_id, const std::string& type) {
    std::vector<EventEnvelope> out;
    for (auto& e : Published(type)) {
      if (e.aggregate_id() == relationship_id || e.SerializeAsString().find(relationship_id) != std::string::npos) {
        out.push_back(std::move(e));
      }
    }
    return out;
  }

  v1::RelationshipRecord Record(const std::string& id) {
    auto r = assessor_.relationships().Get(pool_, id);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : v1::RelationshipRecord();
  }

  std::vector<v1::PendingItem> Pending(const std::string& person) {
    v1::ListPendingItemsRequest r;
    r.set_person_id(person);
    r.set_page_size(200);
    auto listed = answers_.ListPendingItems(Call(As(person)), r);
    EXPECT_TRUE(listed.ok()) << listed.status();
    return listed.ok() ? std::vector<v1::PendingItem>(listed->items().begin(), listed->items().end())
                       : std::vector<v1::PendingItem>();
  }

  std::vector<v1::Review> Reviews(const Pair& p, const Caller& caller) {
    v1::ListReviewsRequest r;
    r.set_relationship_id(p.id);
    auto listed = reviews_.ListReviews(Call(caller), r);
    EXPECT_TRUE(listed.ok()) << listed.status();
    return listed.ok() ? std::vector<v1::Review>(listed->reviews().begin(), listed->reviews().end())
                       : std::vector<v1::Review>();
  }

  absl::StatusOr<v1::Review> AnswerAs(const std::string& who, const std::string& review_id,
                                      common::v1::ReviewOutcome answer,
                                      common::v1::ClosureReason reason = common::v1::CLOSURE_REASON_UNSPECIFIED,
                                      const std::string& comment = "") {
    v1::AnswerReviewRequest r;
    r.set_review_id(review_id);
    r.set_answer(answer);
    r.set_closure_reason(reason);
    r.set_comment(comment);
    return reviews_.AnswerReview(Call(As(who)), r);
  }

  void Sweep() {
    auto ticked = sweeper_.Tick();
    ASSERT_TRUE(ticked.ok()) << ticked.status();
  }

  std::string Count(const std::string& sql) {
    auto rows = testing::Query(db_.url(), sql);
    return rows.empty() ? "" : rows[0];
  }

  testing::ScratchDatabase db_{"evaluation_flow"};
  pg::Pool pool_{{.conninfo = db_.url(), .size = 4}};
  ManualClock clock_{absl::FromCivil(absl::CivilSecond(2027, 3, 1, 9, 0, 0), absl::UTCTimeZone())};
  FakeGoalBook goals_;
  Assessor assessor_{clock_};
  AnswersApp answers_{pool_, assessor_};
  ProgressApp progress_{pool_, goals_, assessor_};
  ReviewsApp reviews_{pool_, assessor_};
  ProgrammesApp programmes_{pool_, clock_};
  EventsApp handlers_{assessor_, kConsumer};
  Sweeper sweeper_{pool_, assessor_};
  EventRouter router_;
  prometheus::Registry registry_;
  EventConsumer consumer_{pool_,
                          {.name = kConsumer},
                          [this](pg::Transaction& txn, const EventEnvelope& e) { return router_.Dispatch(txn, e); },
                          registry_};
  std::string programme_id_ = NewUuidV7();
  std::map<std::string, int64_t> series_sequence_;
};

}  // namespace mentoring::evaluation
