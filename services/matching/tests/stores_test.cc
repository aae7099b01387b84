// Matching's stores against a scratch database with the service's migrations, without a
// service process: what each store promises about saving, reloading, versions, seats, the
// read model of people, locks and order.
#include <absl/strings/str_cat.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <limits>
#include <thread>

#include "directory.h"
#include "draft_store.h"
#include "enrollment_store.h"
#include "harness.h"
#include "matching_service.h"
#include "mentor_pools.h"
#include "mentoring/runtime/errors.h"
#include "mentoring/runtime/ids.h"
#include "mentoring/runtime/outbox.h"
#include "people_store.h"
#include "programme_store.h"
#include "relationship_store.h"
#include "rematch_store.h"
#include "request_store.h"

namespace mentoring::matching {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

std::string Reason(const absl::Status& status) { return errors::DetailsOf(status).reason(); }

class MatchingStoresTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(pg::ApplyMigrations(pool_, "runtime", RuntimeMigrations()).ok());
    ASSERT_TRUE(pg::ApplyMigrations(pool_, "matching", Migrations()).ok());
  }

  // Runs `work` in a transaction that commits.
  void InTransaction(const std::function<absl::Status(pg::Transaction&)>& work) {
    const absl::Status status = pool_.InTransaction(work);
    ASSERT_TRUE(status.ok()) << status;
  }

  v1::Programme NewProgramme(const std::string& name) {
    v1::Programme programme;
    programme.set_programme_id(NewUuidV7());
    programme.set_name(name);
    programme.set_version(1);
    const absl::Status inserted = programmes_.Insert(pool_, programme);
    EXPECT_TRUE(inserted.ok()) << inserted;
    return programme;
  }

  static v1::Relationship Relationship(const std::string& programme_id, const std::string& mentee,
                                       const std::string& mentor, v1::RelationshipState state) {
    v1::Relationship r;
    r.set_relationship_id(NewUuidV7());
    r.set_programme_id(programme_id);
    r.set_mentee_id(mentee);
    r.set_mentor_id(mentor);
    r.set_state(state);
    r.set_version(1);
    return r;
  }

  static v1::MentorshipRequest PendingRequest(const std::string& mentee, const std::string& mentor) {
    v1::MentorshipRequest r;
    r.set_request_id(NewUuidV7());
    r.set_mentee_id(mentee);
    r.set_mentor_id(mentor);
    r.set_state(v1::REQUEST_STATE_PENDING);
    r.set_message("private note from " + mentee);
    r.set_version(1);
    return r;
  }

  static profiles::v1::Person Person(const std::string& id, int64_t version,
                                     common::v1::EmploymentStatus status = common::v1::EMPLOYMENT_STATUS_ACTIVE) {
    profiles::v1::Person p = testing::SamplePerson(id);
    p.set_person_id(id);
    p.set_version(version);
    p.set_employment_status(status);
    p.set_matching_consent(true);
    return p;
  }

  testing::ScratchDatabase db_{"matching_stores"};
  pg::Pool pool_{{.conninfo = db_.url(), .size = 4}};
  ProgrammeStore programmes_;
  EnrollmentStore enrollments_;
  RelationshipStore relationships_;
  RequestStore requests_;
  DraftStore drafts_;
  RematchStore rematches_;
  PeopleStore people_;
  prometheus::Registry registry_;
};

TEST_F(MatchingStoresTest, AProgrammeIsSavedReloadedAndNeverOverwrittenByAStaleVersion) {
  v1::Programme programme = NewProgramme("Autumn cohort");
  auto loaded = programmes_.Get(pool_, programme.programme_id());
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->name(), "Autumn cohort");

  programme.set_name("Autumn cohort, renamed");
  programme.set_version(2);
  ASSERT_TRUE(programmes_.Save(pool_, programme).ok());
  programme.set_name("a writer that read version 1");
  programme.set_version(1);
  EXPECT_EQ(programmes_.Save(pool_, programme).code(), absl::StatusCode::kAborted);
  EXPECT_EQ(programmes_.Get(pool_, programme.programme_id())->name(), "Autumn cohort, renamed");

  EXPECT_EQ(programmes_.Get(pool_, NewUuidV7()).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(programmes_.Get(pool_, "").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(MatchingStoresTest, ProgrammesAreListedOldestFirstAndTheRosterVersionMovesOnEachBump) {
  const v1::Programme first = NewProgramme("first");
  const v1::Programme second = NewProgramme("second");
  auto all = programmes_.All(pool_);
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].programme_id(), first.programme_id());
  EXPECT_EQ((*all)[1].programme_id(), second.programme_id());

  EXPECT_EQ(*programmes_.RosterVersion(pool_, first.programme_id()), 0);
  ASSERT_TRUE(programmes_.BumpRoster(pool_, first.programme_id()).ok());
  ASSERT_TRUE(programmes_.BumpRoster(pool_, first.programme_id()).ok());
  EXPECT_EQ(*programmes_.RosterVersion(pool_, first.programme_id()), 2);
  EXPECT_EQ(*programmes_.RosterVersion(pool_, second.programme_id()), 0);
  EXPECT_EQ(programmes_.RosterVersion(pool_, NewUuidV7()).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(MatchingStoresTest, EnrollmentsAreReplacedInPlaceListedByRoleThenPersonAndDeletedWithTheirProgrammes) {
  const v1::Programme a = NewProgramme("a");
  const v1::Programme b = NewProgramme("b");
  auto enroll = [&](const v1::Programme& p, const std::string& person, v1::ParticipantRole role, int hours) {
    v1::Enrollment e;
    e.set_programme_id(p.programme_id());
    e.set_person_id(person);
    e.set_role(role);
    e.set_hours_per_month(hours);
    const absl::Status saved = enrollments_.Save(pool_, e);
    EXPECT_TRUE(saved.ok()) << saved;
  };
  enroll(a, "p-zoe", v1::PARTICIPANT_ROLE_MENTEE, 2);
  enroll(a, "p-amy", v1::PARTICIPANT_ROLE_MENTOR, 4);
  enroll(a, "p-bob", v1::PARTICIPANT_ROLE_MENTEE, 2);
  enroll(a, "p-bob", v1::PARTICIPANT_ROLE_MENTEE, 6);  // replaces the one before
  enroll(b, "p-bob", v1::PARTICIPANT_ROLE_MENTOR, 8);

  auto everyone = enrollments_.OfProgramme(pool_, a.programme_id(), v1::PARTICIPANT_ROLE_UNSPECIFIED);
  ASSERT_TRUE(everyone.ok()) << everyone.status();
  std::vector<std::string> order;
  for (const auto& e : *everyone) order.push_back(absl::StrCat(e.role(), ":", e.person_id(), ":", e.hours_per_month()));
  EXPECT_THAT(order, ElementsAre("1:p-bob:6", "1:p-zoe:2", "2:p-amy:4"));
  auto mentors = enrollments_.OfProgramme(pool_, a.programme_id(), v1::PARTICIPANT_ROLE_MENTOR);
  ASSERT_TRUE(mentors.ok());
  ASSERT_EQ(mentors->size(), 1u);
  EXPECT_EQ(mentors->front().person_id(), "p-amy");

  auto found = enrollments_.Find(pool_, b.programme_id(), "p-bob", v1::PARTICIPANT_ROLE_MENTOR);
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->hours_per_month(), 8);
  EXPECT_FALSE(enrollments_.Find(pool_, b.programme_id(), "p-bob", v1::PARTICIPANT_ROLE_MENTEE)->has_value());

  EXPECT_TRUE(*enrollments_.Delete(pool_, a.programme_id(), "p-zoe", v1::PARTICIPANT_ROLE_MENTEE));
  EXPECT_FALSE(*enrollments_.Delete(pool_, a.programme_id(), "p-zoe", v1::PARTICIPANT_ROLE_MENTEE));
  auto programmes = enrollments_.DeleteAllOf(pool_, "p-bob");
  ASSERT_TRUE(programmes.ok());
  EXPECT_THAT(*programmes, UnorderedElementsAre(a.programme_id(), b.programme_id()));
  EXPECT_THAT(*enrollments_.OfProgramme(pool_, b.programme_id(), v1::PARTICIPANT_ROLE_UNSPECIFIED), IsEmpty());
}

TEST_F(MatchingStoresTest, ACorruptStoredMessageIsAnErrorNeverAnEmptyMessage) {
  const v1::Programme programme = NewProgramme("corrupt");
  ASSERT_TRUE(pool_
                  .Exec("INSERT INTO enrollments (programme_id, person_id, role, body) VALUES ($1, 'p', 1, $2)",
                        {programme.programme_id(), pg::Param::Bytes("\xff\xff\xff")})
                  .ok());
  EXPECT_EQ(enrollments_.OfProgramme(pool_, programme.programme_id(), v1::PARTICIPANT_ROLE_UNSPECIFIED).status().code(),
            absl::StatusCode::kInternal);
}

TEST_F(MatchingStoresTest, SeatLoadsCountOpenRelationshipsInTotalAndInTheProgramme) {
  const v1::Programme programme = NewProgramme("seats");
  const v1::Programme other = NewProgramme("other");
  for (const auto& r : {Relationship(programme.programme_id(), "e1", "m1", v1::RELATIONSHIP_STATE_PROPOSED),
                        Relationship(programme.programme_id(), "e2", "m1", v1::RELATIONSHIP_STATE_ACTIVE),
                        Relationship(other.programme_id(), "e3", "m1", v1::RELATIONSHIP_STATE_PAUSED),
                        Relationship("", "e4", "m1", v1::RELATIONSHIP_STATE_ACTIVE),
                        Relationship(programme.programme_id(), "e5", "m1", v1::RELATIONSHIP_STATE_CLOSED),
                        Relationship(programme.programme_id(), "e6", "m1", v1::RELATIONSHIP_STATE_DECLINED),
                        Relationship(programme.programme_id(), "e1", "m2", v1::RELATIONSHIP_STATE_ACTIVE)}) {
    const absl::Status inserted = relationships_.InsertProposed(pool_, r);
    ASSERT_TRUE(inserted.ok()) << inserted;
  }
  auto loads = relationships_.SeatLoads(pool_, {"m1", "m2", "m3"}, programme.programme_id());
  ASSERT_TRUE(loads.ok()) << loads.status();
  EXPECT_EQ((*loads)["m1"].open_total, 4);
  EXPECT_EQ((*loads)["m1"].open_in_programme, 2);
  EXPECT_EQ((*loads)["m2"].open_total, 1);
  EXPECT_EQ((*loads)["m2"].open_in_programme, 1);
  EXPECT_FALSE(loads->contains("m3"));

  auto open = relationships_.OpenOfMentees(pool_, {"e1", "e5"});
  ASSERT_TRUE(open.ok());
  std::vector<std::string> mentors;
  for (const auto& r : *open) mentors.push_back(r.mentor_id());
  EXPECT_THAT(mentors, UnorderedElementsAre("m1", "m2"));
}

TEST_F(MatchingStoresTest, APairHasOneOpenRelationshipAndAStaleSaveIsRefused) {
  v1::Relationship first = Relationship("", "mentee", "mentor", v1::RELATIONSHIP_STATE_PROPOSED);
  ASSERT_TRUE(relationships_.InsertProposed(pool_, first).ok());
  const absl::Status twice =
      relationships_.InsertProposed(pool_, Relationship("", "mentee", "mentor", v1::RELATIONSHIP_STATE_PROPOSED));
  EXPECT_EQ(twice.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Reason(twice), "ALREADY_PAIRED");

  InTransaction([&](pg::Transaction& txn) -> absl::Status {
    auto locked = relationships_.GetForUpdate(txn, first.relationship_id());
    if (!locked.ok()) return locked.status();
    locked->set_state(v1::RELATIONSHIP_STATE_CLOSED);
    locked->set_version(2);
    return relationships_.Save(txn, *locked);
  });
  first.set_state(v1::RELATIONSHIP_STATE_ACTIVE);  // version 1: read before the close
  EXPECT_EQ(relationships_.Save(pool_, first).code(), absl::StatusCode::kAborted);
  EXPECT_EQ(relationships_.Get(pool_, first.relationship_id())->state(), v1::RELATIONSHIP_STATE_CLOSED);
  // Closed, the pair may open a new one.
  EXPECT_TRUE(
      relationships_.InsertProposed(pool_, Relationship("", "mentee", "mentor", v1::RELATIONSHIP_STATE_PROPOSED)).ok());
}

TEST_F(MatchingStoresTest, RelationshipsAreListedOldestFirstOpenOnesUnlessClosedAreAsked) {
  const v1::Programme programme = NewProgramme("lists");
  std::vector<std::string> ids;
  for (auto state : {v1::RELATIONSHIP_STATE_ACTIVE, v1::RELATIONSHIP_STATE_CLOSED, v1::RELATIONSHIP_STATE_PAUSED}) {
    const v1::Relationship r = Relationship(programme.programme_id(), "person", NewUuidV7(), state);
    ASSERT_TRUE(relationships_.InsertProposed(pool_, r).ok());
    ids.push_back(r.relationship_id());
  }
  ASSERT_TRUE(
      relationships_.InsertProposed(pool_, Relationship("", NewUuidV7(), "person", v1::RELATIONSHIP_STATE_ACTIVE))
          .ok());
  auto ids_of = [](const absl::StatusOr<Page<v1::Relationship>>& page) {
    std::vector<std::string> out;
    for (const auto& r : page->items) out.push_back(r.relationship_id());
    return out;
  };
  EXPECT_THAT(ids_of(relationships_.OfProgramme(pool_, programme.programme_id(), false, std::nullopt, 10)),
              ElementsAre(ids[0], ids[2]));
  EXPECT_THAT(ids_of(relationships_.OfProgramme(pool_, programme.programme_id(), true, std::nullopt, 10)),
              ElementsAre(ids[0], ids[1], ids[2]));
  // as mentee and as mentor
  EXPECT_EQ(relationships_.Involving(pool_, "person", false, std::nullopt, 10)->items.size(), 3u);
  EXPECT_EQ(relationships_.Involving(pool_, "person", true, std::nullopt, 10)->items.size(), 4u);
  InTransaction([&](pg::Transaction& txn) -> absl::Status {
    auto locked = relationships_.InvolvingForUpdate(txn, "person", false);
    if (!locked.ok()) return locked.status();
    EXPECT_EQ(locked->size(), 3u);
    EXPECT_TRUE(std::is_sorted(locked->begin(), locked->end(),
                               [](const auto& x, const auto& y) { return x.relationship_id() < y.relationship_id(); }));
    return absl::OkStatus();
  });
}

// Reads every page of `list` (page size 3) and, before each page after the first, lets
// `between` change the rows; returns the ids in the order given.
template <class Item>
std::vector<std::string> AllPages(const std::function<absl::StatusOr<Page<Item>>(const std::optional<PageKey>&)>& list,
                                  const std::function<std::string(const Item&)>& id_of,
                                  const std::function<void(int page)>& between) {
  std::vector<std::string> seen;
  std::optional<PageKey> after;
  for (int page = 0; page < 100; ++page) {
    if (page > 0) between(page);
    auto got = list(after);
    EXPECT_TRUE(got.ok()) << got.status();
    if (!got.ok()) break;
    EXPECT_LE(got->items.size(), 3u);
    for (const Item& item : got->items) seen.push_back(id_of(item));
    if (got->next_page_token.empty()) break;
    auto next = ParsePageToken(got->next_page_token);
    EXPECT_TRUE(next.ok() && next->has_value()) << got->next_page_token;
    after = *next;
  }
  return seen;
}

// Every row that existed throughout comes exactly once, whatever was added and removed
// between pages; nothing comes twice.
void ExpectEachOnceAndNoneMissing(const std::vector<std::string>& seen, const std::vector<std::string>& throughout) {
  std::vector<std::string> sorted = seen;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(std::adjacent_find(sorted.begin(), sorted.end()), sorted.end()) << "a row came twice";
  for (const auto& id : throughout) EXPECT_NE(std::find(seen.begin(), seen.end(), id), seen.end()) << id << " skipped";
}

TEST_F(MatchingStoresTest, ListsPageByKeySoRowsAddedOrRemovedBetweenPagesNeitherRepeatNorHideOthers) {
  const v1::Programme programme = NewProgramme("paging");
  // Relationships: 14 open, more than four pages of 3; between pages one is closed (it
  // leaves the open list) and one is added (after the rest, by creation time).
  std::vector<std::string> open;
  for (int i = 0; i < 14; ++i) {
    const v1::Relationship r =
        Relationship(programme.programme_id(), NewUuidV7(), NewUuidV7(), v1::RELATIONSHIP_STATE_ACTIVE);
    ASSERT_TRUE(relationships_.InsertProposed(pool_, r).ok());
    open.push_back(r.relationship_id());
  }
  std::vector<std::string> throughout = open;
  std::vector<std::string> added;
  const std::vector<std::string> seen = AllPages<v1::Relationship>(
      [&](const std::optional<PageKey>& after) {
        return relationships_.OfProgramme(pool_, programme.programme_id(), false, after, 3);
      },
      [](const v1::Relationship& r) { return r.relationship_id(); },
      [&](int page) {
        // Close the last one not yet closed (it may or may not have been given already).
        const std::string closing = throughout.back();
        throughout.pop_back();
        auto r = relationships_.Get(pool_, closing);
        ASSERT_TRUE(r.ok());
        r->set_state(v1::RELATIONSHIP_STATE_CLOSED);
        r->set_version(r->version() + 1);
        ASSERT_TRUE(relationships_.Save(pool_, *r).ok());
        if (page < 4) {
          const v1::Relationship fresh =
              Relationship(programme.programme_id(), NewUuidV7(), NewUuidV7(), v1::RELATIONSHIP_STATE_ACTIVE);
          ASSERT_TRUE(relationships_.InsertProposed(pool_, fresh).ok());
          added.push_back(fresh.relationship_id());
        }
      });
  ExpectEachOnceAndNoneMissing(seen, throughout);
  // Added after the pages already read, they come in a later page, in creation order.
  for (const auto& id : added) EXPECT_NE(std::find(seen.begin(), seen.end(), id), seen.end()) << id;

  // Enrollments: 12 mentees and 3 mentors, by role then person id; between pages one
  // enrollment is withdrawn and one made.
  std::vector<std::string> enrolled;
  auto enroll = [&](const std::string& person, v1::ParticipantRole role) {
    v1::Enrollment e;
    e.set_programme_id(programme.programme_id());
    e.set_person_id(person);
    e.set_role(role);
    EXPECT_TRUE(enrollments_.Save(pool_, e).ok());
  };
  for (int i = 0; i < 15; ++i) {
    const std::string person = absl::StrCat("person-", 10 + i);
    enroll(person, i < 12 ? v1::PARTICIPANT_ROLE_MENTEE : v1::PARTICIPANT_ROLE_MENTOR);
    enrolled.push_back(person);
  }
  std::vector<std::string> kept = enrolled;
  const std::vector<std::string> seen_enrolled = AllPages<v1::Enrollment>(
      [&](const std::optional<PageKey>& after) {
        return enrollments_.PageOfProgramme(pool_, programme.programme_id(), v1::PARTICIPANT_ROLE_UNSPECIFIED, after,
                                            3);
      },
      [](const v1::Enrollment& e) { return e.person_id(); },
      [&](int page) {
        const std::string leaving = kept[static_cast<size_t>(page)];  // an early one, likely given already
        kept.erase(kept.begin() + page);
        auto deleted =
            enrollments_.Delete(pool_, programme.programme_id(), leaving,
                                leaving < "person-22" ? v1::PARTICIPANT_ROLE_MENTEE : v1::PARTICIPANT_ROLE_MENTOR);
        ASSERT_TRUE(deleted.ok() && *deleted) << leaving;
        enroll(absl::StrCat("person-0", page), v1::PARTICIPANT_ROLE_MENTEE);  // sorts first: not in this pass
      });
  ExpectEachOnceAndNoneMissing(seen_enrolled, kept);

  // A token this service did not give is refused, naming the field.
  EXPECT_EQ(ParsePageToken("not a token").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(PageSize(501, {.fallback = 100, .max = 500}).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(MatchingStoresTest, PersonLocksSerialiseTransactionsThatShareAPerson) {
  std::atomic<bool> second_locked{false};
  std::thread second;
  InTransaction([&](pg::Transaction& txn) -> absl::Status {
    if (auto locked = relationships_.LockPeople(txn, {"p2", "p1", "p1"}); !locked.ok()) return locked;
    second = std::thread([&] {
      const absl::Status status = pool_.InTransaction([&](pg::Transaction& other) {
        return relationships_.LockPeople(other, {"p3", "p2"});
      });
      EXPECT_TRUE(status.ok()) << status;
      second_locked = true;
    });
    absl::SleepFor(absl::Milliseconds(300));
    EXPECT_FALSE(second_locked) << "p2 was locked twice at once";
    return absl::OkStatus();
  });
  second.join();
  EXPECT_TRUE(second_locked);
}

TEST_F(MatchingStoresTest, RequestsHoldOnePendingPerPairAndAreCountedAndListedAsPromised) {
  const v1::MentorshipRequest first = PendingRequest("mentee", "mentor-a");
  ASSERT_TRUE(requests_.InsertPending(pool_, first).ok());
  const absl::Status again = requests_.InsertPending(pool_, PendingRequest("mentee", "mentor-a"));
  EXPECT_EQ(again.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Reason(again), "ALREADY_REQUESTED");
  const v1::MentorshipRequest second = PendingRequest("mentee", "mentor-b");
  ASSERT_TRUE(requests_.InsertPending(pool_, second).ok());
  v1::MentorshipRequest declined = PendingRequest("mentee", "mentor-c");
  declined.set_state(v1::REQUEST_STATE_DECLINED);
  ASSERT_TRUE(requests_.InsertPending(pool_, declined).ok());

  EXPECT_EQ(*requests_.CountPendingOf(pool_, "mentee"), 2);
  EXPECT_EQ(*requests_.CountPendingOf(pool_, "someone else"), 0);
  auto ids_of = [](const std::vector<v1::MentorshipRequest>& rs) {
    std::vector<std::string> out;
    for (const auto& r : rs) out.push_back(r.request_id());
    return out;
  };
  EXPECT_THAT(ids_of(requests_.Involving(pool_, "mentee", false, std::nullopt, 10)->items),
              ElementsAre(first.request_id(), second.request_id(), declined.request_id()));
  EXPECT_THAT(ids_of(requests_.Involving(pool_, "mentor-b", true, std::nullopt, 10)->items),
              ElementsAre(second.request_id()));
  InTransaction([&](pg::Transaction& txn) -> absl::Status {
    EXPECT_THAT(ids_of(*requests_.OtherPendingOfMenteeForUpdate(txn, "mentee", first.request_id())),
                ElementsAre(second.request_id()));
    EXPECT_EQ(requests_.InvolvingForUpdate(txn, "mentee", true)->size(), 2u);
    return absl::OkStatus();
  });

  v1::MentorshipRequest stale = first;
  v1::MentorshipRequest withdrawn = first;
  withdrawn.set_state(v1::REQUEST_STATE_WITHDRAWN);
  withdrawn.set_version(2);
  ASSERT_TRUE(requests_.Save(pool_, withdrawn).ok());
  EXPECT_EQ(requests_.Save(pool_, stale).code(), absl::StatusCode::kAborted);
  EXPECT_EQ(*requests_.CountPendingOf(pool_, "mentee"), 1);
}

TEST_F(MatchingStoresTest, DraftsAreSavedWithTheirVersionAndFoundByProgramme) {
  const v1::Programme programme = NewProgramme("drafts");
  v1::MatchDraft draft;
  draft.set_draft_id(NewUuidV7());
  draft.set_programme_id(programme.programme_id());
  draft.set_state(v1::DRAFT_STATE_OPEN);
  draft.set_version(1);
  for (int i = 0; i < 3; ++i) {
    auto* pair = draft.add_pairs();
    pair->set_mentee_id(absl::StrCat("e", i));
    pair->set_mentor_id("m");
  }
  ASSERT_TRUE(drafts_.Insert(pool_, draft).ok());
  auto loaded = drafts_.Get(pool_, draft.draft_id());
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->pairs_size(), 3);

  draft.set_state(v1::DRAFT_STATE_PUBLISHED);
  draft.set_version(2);
  ASSERT_TRUE(drafts_.Save(pool_, draft).ok());
  draft.set_state(v1::DRAFT_STATE_DISCARDED);
  draft.set_version(1);
  EXPECT_EQ(drafts_.Save(pool_, draft).code(), absl::StatusCode::kAborted);
  InTransaction([&](pg::Transaction& txn) -> absl::Status {
    auto drafts = drafts_.OfProgrammeForUpdate(txn, programme.programme_id());
    if (!drafts.ok()) return drafts.status();
    EXPECT_EQ(drafts->size(), 1u);
    EXPECT_EQ(drafts->front().state(), v1::DRAFT_STATE_PUBLISHED);
    return absl::OkStatus();
  });
}

TEST_F(MatchingStoresTest, ARematchOfferIsRecordedOncePerRelationshipAndListedOldestFirst) {
  const v1::Programme programme = NewProgramme("rematch");
  const v1::Relationship in_programme =
      Relationship(programme.programme_id(), "mentee", "mentor-a", v1::RELATIONSHIP_STATE_ACTIVE);
  const v1::Relationship informal = Relationship("", "mentee", "mentor-b", v1::RELATIONSHIP_STATE_ACTIVE);
  const absl::Time now = absl::FromUnixSeconds(absl::ToUnixSeconds(absl::Now()));  // offers list whole seconds
  ASSERT_TRUE(rematches_.Offer(pool_, in_programme, "rapport.at_risk", now).ok());
  ASSERT_TRUE(rematches_.Offer(pool_, in_programme, "closed_no_rapport", now + absl::Seconds(5)).ok());
  ASSERT_TRUE(rematches_.Offer(pool_, informal, "closed_no_rapport", now - absl::Seconds(60)).ok());

  auto offers = rematches_.OffersFor(pool_, "mentee");
  ASSERT_TRUE(offers.ok()) << offers.status();
  ASSERT_EQ(offers->size(), 2u);
  EXPECT_EQ((*offers)[0].previous_relationship_id(), informal.relationship_id());
  EXPECT_EQ((*offers)[0].programme_id(), "");
  EXPECT_EQ((*offers)[1].previous_relationship_id(), in_programme.relationship_id());
  EXPECT_EQ((*offers)[1].programme_id(), programme.programme_id());
  EXPECT_EQ((*offers)[1].trigger(), "rapport.at_risk");  // the first offer stands
  EXPECT_EQ((*offers)[1].offered_at().seconds(), absl::ToUnixSeconds(now));
  EXPECT_EQ((*offers)[1].mentee_id(), "mentee");

  auto previous = rematches_.PreviousMentorsOf(pool_, {"mentee", "nobody"});
  ASSERT_TRUE(previous.ok());
  std::vector<std::string> mentors;
  for (const auto& p : *previous) mentors.push_back(p.mentee_id + "/" + p.mentor_id);
  EXPECT_THAT(mentors, UnorderedElementsAre("mentee/mentor-a", "mentee/mentor-b"));

  ASSERT_TRUE(rematches_.DeleteOffersFor(pool_, "mentee").ok());
  EXPECT_THAT(*rematches_.OffersFor(pool_, "mentee"), IsEmpty());
}

TEST_F(MatchingStoresTest, ThePeopleReadModelKeepsOnlyNewerFactsAndNothingAfterAnErasure) {
  const std::string id = NewUuidV7();
  auto upsert = [&](const profiles::v1::Person& person) {
    return pg::InTransaction(pool_, [&](pg::Transaction& txn) { return people_.Upsert(txn, person); });
  };
  EXPECT_EQ(*people_.KeptVersion(pool_, id), 0);
  EXPECT_EQ(*people_.KeptStatus(pool_, id), common::v1::EMPLOYMENT_STATUS_UNSPECIFIED);
  EXPECT_TRUE(*upsert(Person(id, 2)));
  EXPECT_FALSE(*upsert(Person(id, 1, common::v1::EMPLOYMENT_STATUS_DEPARTED)));  // older: not kept
  EXPECT_FALSE(*upsert(Person(id, 2, common::v1::EMPLOYMENT_STATUS_DEPARTED)));  // the same version
  EXPECT_EQ(*people_.KeptVersion(pool_, id), 2);
  EXPECT_EQ(*people_.KeptStatus(pool_, id), common::v1::EMPLOYMENT_STATUS_ACTIVE);
  EXPECT_TRUE(*upsert(Person(id, 3, common::v1::EMPLOYMENT_STATUS_DEPARTED)));
  EXPECT_EQ(*people_.KeptStatus(pool_, id), common::v1::EMPLOYMENT_STATUS_DEPARTED);

  // Only facts: nothing that identifies the person to a human.
  auto changes = people_.ChangedSince(pool_, 0);
  ASSERT_TRUE(changes.ok()) << changes.status();
  ASSERT_EQ(changes->size(), 1u);
  ASSERT_TRUE(changes->front().facts.has_value());
  EXPECT_EQ(changes->front().facts->display_name(), "");
  EXPECT_EQ(changes->front().facts->email(), "");
  EXPECT_EQ(changes->front().facts->department(), "Platform");

  InTransaction([&](pg::Transaction& txn) { return people_.Erase(txn, id); });
  EXPECT_EQ(*people_.KeptVersion(pool_, id), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(*people_.KeptStatus(pool_, id), common::v1::EMPLOYMENT_STATUS_UNSPECIFIED);
  EXPECT_FALSE(*upsert(Person(id, 9)));
  changes = people_.ChangedSince(pool_, 0);
  ASSERT_EQ(changes->size(), 1u);
  EXPECT_FALSE(changes->front().facts.has_value());
}

TEST_F(MatchingStoresTest, ChangesAreReadInChangeOrderAndTheDirectorySnapshotFollowsThem) {
  const std::string a = NewUuidV7(), b = NewUuidV7();
  InTransaction([&](pg::Transaction& txn) -> absl::Status {
    if (auto kept = people_.Upsert(txn, Person(a, 1)); !kept.ok()) return kept.status();
    return people_.Upsert(txn, Person(b, 1)).status();
  });
  Directory directory(SystemClock::Instance(), registry_);
  auto snapshot = directory.Current(pool_);
  ASSERT_TRUE(snapshot.ok()) << snapshot.status();
  EXPECT_GE((*snapshot)->IndexOf(a), 0);
  EXPECT_GE((*snapshot)->IndexOf(b), 0);
  EXPECT_EQ(*directory.Fresh(pool_), *snapshot);  // nothing changed: the same snapshot

  const int64_t seen = *people_.LatestChange(pool_);
  InTransaction([&](pg::Transaction& txn) -> absl::Status {
    profiles::v1::Person moved = Person(a, 2);
    moved.set_department("Research");
    if (auto kept = people_.Upsert(txn, moved); !kept.ok()) return kept.status();
    return people_.Erase(txn, b);
  });
  auto changes = people_.ChangedSince(pool_, seen);
  ASSERT_TRUE(changes.ok());
  ASSERT_EQ(changes->size(), 2u);
  EXPECT_EQ((*changes)[0].person_id, a);
  EXPECT_EQ((*changes)[1].person_id, b);
  EXPECT_LT((*changes)[0].change, (*changes)[1].change);
  EXPECT_EQ(*people_.LatestChange(pool_), (*changes)[1].change);

  // Readers keep the published snapshot: no rebuild on their path.
  EXPECT_EQ(*directory.Current(pool_), *snapshot);
  InTransaction([&](pg::Transaction& txn) -> absl::Status {
    auto rebuilt = directory.Fresh(txn);  // inside a transaction, on its connection
    if (!rebuilt.ok()) return rebuilt.status();
    EXPECT_GE((*rebuilt)->IndexOf(a), 0);
    EXPECT_LT((*rebuilt)->IndexOf(b), 0);
    return absl::OkStatus();
  });
  EXPECT_LT((*directory.Current(pool_))->IndexOf(b), 0);  // what Fresh built is published
}

TEST_F(MatchingStoresTest, ANewVersionWithTheSameFactsIsKeptWithoutANewChangeNumber) {
  const std::string id = NewUuidV7();
  auto upsert = [&](const profiles::v1::Person& person) {
    return pg::InTransaction(pool_, [&](pg::Transaction& txn) { return people_.Upsert(txn, person); });
  };
  ASSERT_TRUE(*upsert(Person(id, 1)));
  const int64_t before = *people_.LatestChange(pool_);
  profiles::v1::Person retitled = Person(id, 2);
  retitled.set_title("Principal engineer");
  retitled.set_display_name("A new name");
  ASSERT_TRUE(*upsert(retitled));
  EXPECT_EQ(*people_.KeptVersion(pool_, id), 2);
  EXPECT_EQ(*people_.LatestChange(pool_), before);  // nothing matching keeps changed

  profiles::v1::Person promoted = Person(id, 3);
  promoted.set_career_level(promoted.career_level() + 1);
  ASSERT_TRUE(*upsert(promoted));
  EXPECT_GT(*people_.LatestChange(pool_), before);
}

TEST_F(MatchingStoresTest, TheDirectoryRebuildsABurstOnceItSettlesOrWaitedTooLongAndWithinItsShareOfACore) {
  const std::string a = NewUuidV7(), b = NewUuidV7();
  auto add = [&](const std::string& id) {
    InTransaction([&](pg::Transaction& txn) { return people_.Upsert(txn, Person(id, 1)).status(); });
  };
  add(a);
  const absl::Duration hour = absl::Hours(1), zero = absl::ZeroDuration();
  // Share 1: a rebuild may start as soon as the last one ended (pacing by share is off).
  Directory patient(SystemClock::Instance(), registry_,
                    {.quiet_period = hour, .max_staleness = hour, .max_rebuild_share = 1});
  Directory eager(SystemClock::Instance(), registry_,
                  {.quiet_period = zero, .max_staleness = hour, .max_rebuild_share = 1});
  Directory overdue(SystemClock::Instance(), registry_,
                    {.quiet_period = hour, .max_staleness = zero, .max_rebuild_share = 1});
  // Settled, but the last rebuild's cost may be spent again only after an hour or so.
  Directory frugal(SystemClock::Instance(), registry_,
                   {.quiet_period = zero, .max_staleness = zero, .max_rebuild_share = 1e-9});
  const std::vector<Directory*> directories = {&patient, &eager, &overdue, &frugal};
  for (Directory* directory : directories) {
    ASSERT_TRUE(directory->Refresh(pool_).ok());  // the first snapshot is built at once
    EXPECT_GE((*directory->Current(pool_))->IndexOf(a), 0);
  }
  add(b);
  for (Directory* directory : directories) ASSERT_TRUE(directory->Refresh(pool_).ok());
  EXPECT_LT((*patient.Current(pool_))->IndexOf(b), 0);  // the burst may go on: not yet
  EXPECT_GE((*eager.Current(pool_))->IndexOf(b), 0);    // it settled
  EXPECT_GE((*overdue.Current(pool_))->IndexOf(b), 0);  // it waited long enough
  EXPECT_LT((*frugal.Current(pool_))->IndexOf(b), 0);   // too soon after the last rebuild
  EXPECT_GE((*patient.Fresh(pool_))->IndexOf(b), 0);    // a write never waits for the pacing
  EXPECT_GE((*frugal.Fresh(pool_))->IndexOf(b), 0);
}

TEST_F(MatchingStoresTest, MentorPoolsFollowSeatsRosterAndPeopleWithoutExpiring) {
  const v1::Programme programme = NewProgramme("Pools");
  const v1::Programme elsewhere = NewProgramme("Elsewhere");
  const std::string a = NewUuidV7(), b = NewUuidV7(), c = NewUuidV7(), mentee = NewUuidV7();
  auto mentor = [&](const std::string& id, int64_t version, int capacity) {
    profiles::v1::Person person = Person(id, version);
    person.mutable_mentoring_profile()->mutable_capacity()->set_max_active_mentees(capacity);
    InTransaction([&](pg::Transaction& txn) { return people_.Upsert(txn, person).status(); });
  };
  for (const std::string& id : {a, b, c, mentee}) mentor(id, 1, 3);
  auto enroll = [&](const std::string& id) {
    v1::Enrollment e;
    e.set_programme_id(programme.programme_id());
    e.set_person_id(id);
    e.set_role(v1::PARTICIPANT_ROLE_MENTOR);
    e.set_seats(1);
    InTransaction([&](pg::Transaction& txn) -> absl::Status {
      if (auto saved = enrollments_.Save(txn, e); !saved.ok()) return saved;
      return programmes_.BumpRoster(txn, programme.programme_id());
    });
  };
  enroll(a);
  enroll(b);
  // A transaction left open elsewhere holds every mark back, so each refresh reads the
  // changes since then again: reading one twice must not count as a change.
  auto idle = pool_.NewDedicatedConnection();
  ASSERT_TRUE(idle->Exec("BEGIN").ok());
  ASSERT_TRUE(idle->Exec("SELECT pg_current_xact_id()").ok());
  Directory directory(SystemClock::Instance(), registry_,
                      {.quiet_period = absl::ZeroDuration(), .max_rebuild_share = 1});
  MentorPools pools(pool_, directory);
  auto ids = [&]() {
    auto pool = pools.Of(programme.programme_id());
    EXPECT_TRUE(pool.ok()) << pool.status();
    std::vector<std::string> out;
    for (int32_t i : *pool->available) out.push_back(pool->people->id(i));
    return out;
  };
  auto refresh = [&] {
    const auto refreshed = pools.Refresh();
    ASSERT_TRUE(refreshed.ok()) << refreshed.status();
  };
  EXPECT_THAT(ids(), UnorderedElementsAre(a, b));

  // A's one seat is taken: readers keep the published pool until the refresh recounts A.
  v1::Relationship taken = Relationship(programme.programme_id(), mentee, a, v1::RELATIONSHIP_STATE_ACTIVE);
  ASSERT_TRUE(relationships_.InsertProposed(pool_, taken).ok());
  EXPECT_THAT(ids(), UnorderedElementsAre(a, b));
  refresh();
  EXPECT_THAT(ids(), ElementsAre(b));

  // Nothing changes: the pool is not recounted, however long it lives.
  auto before = pools.Of(programme.programme_id());
  refresh();
  EXPECT_EQ(pools.Of(programme.programme_id())->available, before->available);

  // B's own limit counts open relationships in every programme: three elsewhere fill it.
  for (int i = 0; i < 3; ++i) {
    v1::Relationship other = Relationship(elsewhere.programme_id(), NewUuidV7(), b, v1::RELATIONSHIP_STATE_ACTIVE);
    ASSERT_TRUE(relationships_.InsertProposed(pool_, other).ok());
  }
  refresh();
  EXPECT_THAT(ids(), IsEmpty());

  // A change that commits after a refresh has looked, but began before it, is still read.
  InTransaction([&](pg::Transaction& txn) -> absl::Status {
    taken.set_state(v1::RELATIONSHIP_STATE_CLOSED);
    taken.set_version(2);
    if (auto saved = relationships_.Save(txn, taken); !saved.ok()) return saved;
    refresh();  // cannot see the closure yet
    return absl::OkStatus();
  });
  EXPECT_THAT(ids(), IsEmpty());
  refresh();
  EXPECT_THAT(ids(), ElementsAre(a));

  // A new enrollment (the roster's version), and a mentor who takes no more mentees (the
  // people snapshot).
  enroll(c);
  mentor(a, 2, 0);
  refresh();
  EXPECT_THAT(ids(), ElementsAre(c));
}

}  // namespace
}  // namespace mentoring::matching
