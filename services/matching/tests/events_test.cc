// Matching's event handlers against a scratch database, with people from a fake source
// instead of the profiles service: the read model's load, profile events kept only when
// newer, a departure and an erasure ending what the person was in, rapport.at_risk, and a
// review that ends a relationship.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <map>

#include "draft_store.h"
#include "enrollment_store.h"
#include "events_app.h"
#include "harness.h"
#include "matching_service.h"
#include "mentoring/runtime/errors.h"
#include "mentoring/runtime/event_router.h"
#include "mentoring/runtime/events.h"
#include "mentoring/runtime/ids.h"
#include "mentoring/runtime/outbox.h"
#include "people_store.h"
#include "programme_store.h"
#include "relationship_store.h"
#include "rematch_store.h"
#include "request_store.h"

namespace mentoring::matching {
namespace {

using events::v1::EventEnvelope;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

// People as a source hands them out, counting the fetches.
class FakePeopleSource final : public profiles::PeopleSource {
 public:
  absl::StatusOr<profiles::v1::Person> Fetch(const std::string& person_id) const override {
    ++fetches;
    if (!failure.ok()) return failure;
    auto it = people.find(person_id);
    if (it == people.end()) return errors::NotFound("person", person_id);
    return it->second;
  }
  absl::StatusOr<int64_t> ForEachBatch(
      const std::function<absl::Status(const std::vector<profiles::v1::Person>&)>& take) const override {
    std::vector<profiles::v1::Person> all;
    for (const auto& [id, person] : people) all.push_back(person);
    if (auto taken = take(all); !taken.ok()) return taken;
    return static_cast<int64_t>(all.size());
  }

  std::map<std::string, profiles::v1::Person> people;
  absl::Status failure;
  mutable int fetches = 0;
};

class MatchingEventsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(pg::ApplyMigrations(pool_, "runtime", RuntimeMigrations()).ok());
    ASSERT_TRUE(pg::ApplyMigrations(pool_, "matching", Migrations()).ok());
    // Routed as the service routes them.
    router_.On<events::v1::ProfileCreated>(std::bind_front(&EventsApp::OnProfileCreated, &app_))
        .On<events::v1::ProfileUpdated>(std::bind_front(&EventsApp::OnProfileUpdated, &app_))
        .On<events::v1::ProfileDeactivated>(std::bind_front(&EventsApp::OnProfileDeactivated, &app_))
        .On<events::v1::ProfileErased>(std::bind_front(&EventsApp::OnProfileErased, &app_))
        .On<events::v1::RapportAtRisk>(std::bind_front(&EventsApp::OnRapportAtRisk, &app_))
        .On<events::v1::ReviewCompleted>(std::bind_front(&EventsApp::OnReviewCompleted, &app_));
    ASSERT_TRUE(router_.Check().ok());
  }

  absl::Status Apply(const EventEnvelope& event) {
    return pool_.InTransaction([&](pg::Transaction& txn) { return router_.Dispatch(txn, event); });
  }

  profiles::v1::Person& Know(const std::string& id, int64_t version,
                             common::v1::EmploymentStatus status = common::v1::EMPLOYMENT_STATUS_ACTIVE) {
    profiles::v1::Person& p = source_.people[id];
    p = testing::SamplePerson(id);
    p.set_person_id(id);
    p.set_version(version);
    p.set_employment_status(status);
    return p;
  }

  static EventEnvelope ProfileUpdated(const std::string& id, int64_t sequence) {
    EventEnvelope event = events::NewEvent("profiles", "person", id, sequence, SystemClock::Instance());
    event.mutable_profile_updated()->set_person_id(id);
    return event;
  }

  std::vector<std::string> Published() {
    return testing::Query(db_.url(), "SELECT event_type FROM outbox ORDER BY id");
  }

  v1::Relationship Open(const std::string& programme_id, const std::string& mentee, const std::string& mentor) {
    v1::Relationship r;
    r.set_relationship_id(NewUuidV7());
    r.set_programme_id(programme_id);
    r.set_mentee_id(mentee);
    r.set_mentor_id(mentor);
    r.set_state(v1::RELATIONSHIP_STATE_ACTIVE);
    r.mutable_agreement()->set_mentee_role("private role text");
    r.set_version(3);
    EXPECT_TRUE(relationships_.InsertProposed(pool_, r).ok());
    return r;
  }

  v1::MentorshipRequest Pending(const std::string& mentee, const std::string& mentor) {
    v1::MentorshipRequest r;
    r.set_request_id(NewUuidV7());
    r.set_mentee_id(mentee);
    r.set_mentor_id(mentor);
    r.set_state(v1::REQUEST_STATE_PENDING);
    r.set_message("private message");
    r.set_version(1);
    EXPECT_TRUE(requests_.InsertPending(pool_, r).ok());
    return r;
  }

  testing::ScratchDatabase db_{"matching_events"};
  pg::Pool pool_{{.conninfo = db_.url(), .size = 4}};
  FakePeopleSource source_;
  EventsApp app_{pool_, source_, SystemClock::Instance()};
  EventRouter router_;
  PeopleStore people_;
  ProgrammeStore programmes_;
  EnrollmentStore enrollments_;
  DraftStore drafts_;
  RelationshipStore relationships_;
  RequestStore requests_;
  RematchStore rematches_;
};

TEST_F(MatchingEventsTest, TheLoadKeepsEveryoneTheSourceHas) {
  Know("a", 2);
  Know("b", 5, common::v1::EMPLOYMENT_STATUS_DEPARTED);
  auto loaded = app_.LoadPeople();
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(*loaded, 2);
  EXPECT_EQ(*people_.KeptVersion(pool_, "a"), 2);
  EXPECT_EQ(*people_.KeptStatus(pool_, "b"), common::v1::EMPLOYMENT_STATUS_DEPARTED);
  EXPECT_TRUE(app_.LoadPeople().ok());  // again: harmless
}

TEST_F(MatchingEventsTest, AProfileEventFetchesOnlyWhenNewerThanWhatIsKept) {
  Know("a", 3);
  ASSERT_TRUE(Apply(ProfileUpdated("a", 3)).ok());
  EXPECT_EQ(source_.fetches, 1);
  EXPECT_EQ(*people_.KeptVersion(pool_, "a"), 3);
  ASSERT_TRUE(Apply(ProfileUpdated("a", 2)).ok());  // a replay: nothing fetched
  EXPECT_EQ(source_.fetches, 1);

  // A definite "no such person" skips the event; an outage is waited out.
  EXPECT_TRUE(Apply(ProfileUpdated("unknown", 1)).ok());
  source_.failure = absl::DeadlineExceededError("profiles is slow");
  EXPECT_EQ(Apply(ProfileUpdated("a", 4)).code(), absl::StatusCode::kUnavailable);
  source_.failure = absl::InternalError("a bug");
  EXPECT_EQ(Apply(ProfileUpdated("a", 4)).code(), absl::StatusCode::kInternal);
  EXPECT_EQ(*people_.KeptVersion(pool_, "a"), 3);
}

TEST_F(MatchingEventsTest, ADepartureWithdrawsPendingRequestsAndClosesOpenRelationships) {
  Know("mentor", 1);
  ASSERT_TRUE(app_.LoadPeople().ok());
  const v1::Relationship open = Open("", "mentee", "mentor");
  const v1::MentorshipRequest pending = Pending("other mentee", "mentor");
  Know("mentor", 2, common::v1::EMPLOYMENT_STATUS_DEPARTED);
  EventEnvelope departed = events::NewEvent("profiles", "person", "mentor", 2, SystemClock::Instance());
  departed.mutable_profile_deactivated()->set_person_id("mentor");
  ASSERT_TRUE(Apply(departed).ok());

  auto closed = relationships_.Get(pool_, open.relationship_id());
  ASSERT_TRUE(closed.ok());
  EXPECT_EQ(closed->state(), v1::RELATIONSHIP_STATE_CLOSED);
  EXPECT_EQ(closed->closure_reason(), common::v1::CLOSURE_REASON_LEFT_ORGANISATION);
  EXPECT_EQ(closed->version(), 4);
  EXPECT_EQ(closed->agreement().mentee_role(), "private role text");  // departed, not erased
  auto withdrawn = requests_.Get(pool_, pending.request_id());
  ASSERT_TRUE(withdrawn.ok());
  EXPECT_EQ(withdrawn->state(), v1::REQUEST_STATE_WITHDRAWN);
  EXPECT_THAT(Published(), ElementsAre("request.withdrawn", "relationship.closed"));

  // The departure replayed (what is kept says departed) finds nothing left to end.
  ASSERT_TRUE(Apply(departed).ok());
  EXPECT_EQ(Published().size(), 2u);
}

TEST_F(MatchingEventsTest, AnErasureLeavesATombstoneAndNoPrivateTextEnrollmentOrPlaceInADraft) {
  Know("gone", 1);
  ASSERT_TRUE(app_.LoadPeople().ok());
  v1::Programme programme;
  programme.set_programme_id(NewUuidV7());
  programme.set_version(1);
  ASSERT_TRUE(programmes_.Insert(pool_, programme).ok());
  v1::Enrollment enrollment;
  enrollment.set_programme_id(programme.programme_id());
  enrollment.set_person_id("gone");
  enrollment.set_role(v1::PARTICIPANT_ROLE_MENTEE);
  ASSERT_TRUE(enrollments_.Save(pool_, enrollment).ok());
  v1::MatchDraft draft;
  draft.set_draft_id(NewUuidV7());
  draft.set_programme_id(programme.programme_id());
  draft.set_version(1);
  draft.add_pairs()->set_mentee_id("gone");
  draft.add_pairs()->set_mentee_id("stays");
  ASSERT_TRUE(drafts_.Insert(pool_, draft).ok());
  const v1::Relationship open = Open(programme.programme_id(), "gone", "mentor");
  const v1::MentorshipRequest pending = Pending("gone", "mentor-b");
  ASSERT_TRUE(rematches_.Offer(pool_, open, "rapport.at_risk", absl::Now()).ok());

  EventEnvelope erased = events::NewEvent("profiles", "person", "gone", 2, SystemClock::Instance());
  erased.mutable_profile_erased()->set_person_id("gone");
  ASSERT_TRUE(Apply(erased).ok());

  EXPECT_EQ(*people_.KeptVersion(pool_, "gone"), std::numeric_limits<int64_t>::max());
  EXPECT_THAT(*enrollments_.OfProgramme(pool_, programme.programme_id(), v1::PARTICIPANT_ROLE_UNSPECIFIED), IsEmpty());
  EXPECT_EQ(*programmes_.RosterVersion(pool_, programme.programme_id()), 1);
  auto kept_draft = drafts_.Get(pool_, draft.draft_id());
  ASSERT_EQ(kept_draft->pairs_size(), 1);
  EXPECT_EQ(kept_draft->pairs(0).mentee_id(), "stays");
  auto request = requests_.Get(pool_, pending.request_id());
  EXPECT_EQ(request->state(), v1::REQUEST_STATE_WITHDRAWN);
  EXPECT_EQ(request->message(), "");
  auto relationship = relationships_.Get(pool_, open.relationship_id());
  EXPECT_EQ(relationship->state(), v1::RELATIONSHIP_STATE_CLOSED);
  EXPECT_EQ(relationship->agreement().mentee_role(), "");
  EXPECT_THAT(*rematches_.OffersFor(pool_, "gone"), IsEmpty());
  EXPECT_THAT(Published(), ElementsAre("request.withdrawn", "relationship.closed"));
}

TEST_F(MatchingEventsTest, RapportAtRiskOffersARematchForAnOpenRelationshipAndParksForAnUnknownOne) {
  const v1::Relationship open = Open("", "mentee", "mentor");
  EventEnvelope at_risk =
      events::NewEvent("evaluation", "relationship", open.relationship_id(), 1, SystemClock::Instance());
  at_risk.mutable_rapport_at_risk()->set_relationship_id(open.relationship_id());
  ASSERT_TRUE(Apply(at_risk).ok());
  auto offers = rematches_.OffersFor(pool_, "mentee");
  ASSERT_EQ(offers->size(), 1u);
  EXPECT_EQ(offers->front().trigger(), "rapport.at_risk");

  at_risk.mutable_rapport_at_risk()->set_relationship_id(NewUuidV7());
  const absl::Status parked = Apply(at_risk);
  EXPECT_EQ(parked.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(errors::DetailsOf(parked).reason(), "PARK");
}

TEST_F(MatchingEventsTest, AReviewThatEndsClosesTheRelationshipBySystemWithItsReasonOnce) {
  const v1::Relationship open = Open("", "review-mentee", "review-mentor");
  auto review = [&](const std::string& id, common::v1::ReviewOutcome outcome, common::v1::ClosureReason reason) {
    EventEnvelope e = events::NewEvent("evaluation", "relationship", id, 7, SystemClock::Instance());
    e.mutable_review_completed()->set_relationship_id(id);
    e.mutable_review_completed()->set_outcome(outcome);
    e.mutable_review_completed()->set_closure_reason(reason);
    return e;
  };
  // Continue, amend and undecided leave it as it is.
  for (auto outcome :
       {common::v1::REVIEW_OUTCOME_CONTINUE, common::v1::REVIEW_OUTCOME_AMEND, common::v1::REVIEW_OUTCOME_UNDECIDED}) {
    ASSERT_TRUE(Apply(review(open.relationship_id(), outcome, common::v1::CLOSURE_REASON_UNSPECIFIED)).ok());
  }
  EXPECT_EQ(relationships_.Get(pool_, open.relationship_id())->state(), v1::RELATIONSHIP_STATE_ACTIVE);
  EXPECT_THAT(Published(), IsEmpty());

  // End: closed by the system with the review's reason; the same event again changes nothing.
  const EventEnvelope end =
      review(open.relationship_id(), common::v1::REVIEW_OUTCOME_END, common::v1::CLOSURE_REASON_NO_LONGER_BENEFICIAL);
  ASSERT_TRUE(Apply(end).ok());
  ASSERT_TRUE(Apply(end).ok());
  auto closed = relationships_.Get(pool_, open.relationship_id());
  ASSERT_TRUE(closed.ok());
  EXPECT_EQ(closed->state(), v1::RELATIONSHIP_STATE_CLOSED);
  EXPECT_EQ(closed->closure_reason(), common::v1::CLOSURE_REASON_NO_LONGER_BENEFICIAL);
  EXPECT_EQ(closed->closed_by(), "");
  EXPECT_EQ(closed->closure_note(), "");
  EXPECT_THAT(Published(), ElementsAre("relationship.closed"));

  // Ended for no rapport: the mentee is offered someone new.
  const v1::Relationship other = Open("", "review-mentee-2", "review-mentor");
  ASSERT_TRUE(
      Apply(review(other.relationship_id(), common::v1::REVIEW_OUTCOME_END, common::v1::CLOSURE_REASON_NO_RAPPORT))
          .ok());
  EXPECT_EQ(relationships_.Get(pool_, other.relationship_id())->closure_reason(),
            common::v1::CLOSURE_REASON_NO_RAPPORT);
  EXPECT_EQ(rematches_.OffersFor(pool_, "review-mentee-2")->size(), 1u);

  // A review of a relationship not known yet waits for it.
  const absl::Status parked =
      Apply(review(NewUuidV7(), common::v1::REVIEW_OUTCOME_END, common::v1::CLOSURE_REASON_OTHER));
  EXPECT_EQ(errors::DetailsOf(parked).reason(), "PARK");
}

}  // namespace
}  // namespace mentoring::matching
