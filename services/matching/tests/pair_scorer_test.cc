// The scorer's rules one by one, then properties over random populations: no allowed pair
// breaks a hard constraint, contributions always add up to the score, and top-k agrees with
// scoring everyone.
#include "pair_scorer.h"

#include <absl/strings/str_cat.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <optional>

#include "recommender.h"
#include "test_people.h"

namespace mentoring::matching {
namespace {

using common::v1::FOCUS_AREA_CAREER;
using common::v1::FOCUS_AREA_LEADERSHIP;
using common::v1::FOCUS_AREA_TECHNICAL;
using testing::AddGoal;
using ::testing::HasSubstr;
using testing::MakePerson;
using testing::Offer;

const absl::Time kReference = absl::FromCivil(absl::CivilSecond(2026, 1, 15, 12, 0, 0), absl::UTCTimeZone());

class ScorerTest : public ::testing::Test {
 protected:
  ScorerTest() {
    mentee_ = MakePerson("a-mentee", 4);
    AddGoal(mentee_, FOCUS_AREA_TECHNICAL);
    AddGoal(mentee_, FOCUS_AREA_LEADERSHIP);
    mentor_ = MakePerson("b-mentor", 7);
    mentor_.set_department("sales");
    Offer(mentor_, FOCUS_AREA_TECHNICAL);
  }

  Rejection Check(const MatchPolicy& policy = {}, const MenteeContext& context = {}) {
    Build();
    return PairScorer(policy, *index_).Check(0, 1, context);
  }
  ScoredPair Explain(const MatchPolicy& policy = {}, const MenteeContext& context = {}) {
    Build();
    return PairScorer(policy, *index_).Explain(0, 1, context);
  }
  void Build() { index_ = std::make_unique<PeopleIndex>(std::vector{mentee_, mentor_}, kReference); }

  profiles::v1::Person mentee_, mentor_;
  std::unique_ptr<PeopleIndex> index_;
};

TEST_F(ScorerTest, AllowsAGoodPairAndExplainsIt) {
  const ScoredPair scored = Explain();
  ASSERT_EQ(scored.rejection, Rejection::kNone);
  int sum = 0;
  for (const auto& c : scored.contributions) sum += c.points;
  EXPECT_EQ(sum, scored.score);
  EXPECT_THAT(scored.explanation, HasSubstr("shares 1 of 2 goal areas"));
  EXPECT_THAT(scored.explanation, HasSubstr("3 levels above"));
  EXPECT_THAT(scored.explanation, HasSubstr("3 h of overlapping weekly availability"));
  EXPECT_EQ(scored.focus_areas, std::vector{FOCUS_AREA_TECHNICAL});
}

TEST_F(ScorerTest, RefusesEachHardConstraint) {
  EXPECT_EQ(Check(), Rejection::kNone);
  {
    auto saved = mentor_;
    mentor_.set_employment_status(common::v1::EMPLOYMENT_STATUS_ON_LEAVE);
    EXPECT_EQ(Check(), Rejection::kMentorUnavailable);
    mentor_.set_employment_status(common::v1::EMPLOYMENT_STATUS_DEPARTED);
    EXPECT_EQ(Check(), Rejection::kMentorUnavailable);
    mentor_ = saved;
    mentor_.set_matching_consent(false);
    EXPECT_EQ(Check(), Rejection::kMentorUnavailable);
    mentor_ = saved;
  }
  {  // exclusions count whichever side declared them
    mentee_.add_excluded_person_ids("b-mentor");
    EXPECT_EQ(Check(), Rejection::kExcluded);
    mentee_.clear_excluded_person_ids();
    mentor_.add_excluded_person_ids("a-mentee");
    EXPECT_EQ(Check(), Rejection::kExcluded);
    mentor_.clear_excluded_person_ids();
  }
  {  // the management chain, also two levels up
    mentee_.set_manager_id("b-mentor");
    EXPECT_EQ(Check(), Rejection::kManagementChain);
    auto middle = MakePerson("c-middle", 6);
    middle.set_manager_id("b-mentor");
    mentee_.set_manager_id("c-middle");
    index_ = std::make_unique<PeopleIndex>(std::vector{mentee_, mentor_, middle}, kReference);
    EXPECT_EQ(PairScorer({}, *index_).Check(0, 1, {}), Rejection::kManagementChain);
    mentee_.clear_manager_id();
  }
  {
    MatchPolicy policy;
    policy.min_level_gap = 4;  // the mentor is only 3 above
    EXPECT_EQ(Check(policy), Rejection::kLevelGap);
    policy.min_level_gap = 1;
    policy.reverse = true;  // reverse mentoring wants the mentor below
    EXPECT_EQ(Check(policy), Rejection::kLevelGap);
  }
  {
    mentor_.set_time_zone("Asia/Tokyo");  // 9 h from London in January
    MatchPolicy policy;
    policy.max_time_zone_difference_hours = 8;
    EXPECT_EQ(Check(policy), Rejection::kTimeZone);
    policy.max_time_zone_difference_hours = 9;
    EXPECT_EQ(Check(policy), Rejection::kNone);
    mentor_.set_time_zone("Europe/London");
  }
  {
    MatchPolicy policy;
    policy.require_cross_department = true;
    mentor_.set_department("engineering");
    EXPECT_EQ(Check(policy), Rejection::kSameDepartment);
    mentor_.set_department("sales");
  }
  {
    mentor_.clear_languages();
    mentor_.add_languages("fr");
    EXPECT_EQ(Check(), Rejection::kNoSharedLanguage);
    MatchPolicy policy;
    policy.require_shared_language = false;
    EXPECT_EQ(Check(policy), Rejection::kNone);
    mentor_.clear_languages();
    mentor_.add_languages("en");
  }
  {  // never two mentors for one focus area
    MenteeContext covered;
    covered.covered_areas = FocusBit(FOCUS_AREA_TECHNICAL);
    EXPECT_EQ(Check({}, covered), Rejection::kNoOpenFocusArea);
    Offer(mentor_, FOCUS_AREA_LEADERSHIP);
    EXPECT_EQ(Check({}, covered), Rejection::kNone);
    EXPECT_EQ(Explain({}, covered).focus_areas, std::vector{FOCUS_AREA_LEADERSHIP});
  }
  {
    MenteeContext blocked;
    blocked.blocked_mentors = {1};
    EXPECT_EQ(Check({}, blocked), Rejection::kBlocked);
  }
}

TEST(ReportingLine, AnyDepthAndSurvivesAManagerCycle) {
  // a -> b -> c -> a is a cycle (profiles refuses one; a read model must still hold up), and
  // d and e hang below it.
  std::vector<profiles::v1::Person> people;
  for (const char* id : {"a", "b", "c", "d", "e", "f"}) people.push_back(MakePerson(id, 5));
  people[0].set_manager_id("b");
  people[1].set_manager_id("c");
  people[2].set_manager_id("a");
  people[3].set_manager_id("a");
  people[4].set_manager_id("d");
  const PeopleIndex index(people, kReference);
  auto chain = [&](const char* x, const char* y) {
    return InSameChain(index.at(index.IndexOf(x)), index.at(index.IndexOf(y)));
  };
  for (auto [x, y] : {std::pair{"a", "b"}, {"b", "c"}, {"c", "a"}, {"d", "a"}, {"e", "d"}, {"e", "a"}, {"e", "b"}}) {
    EXPECT_TRUE(chain(x, y)) << x << " and " << y;
    EXPECT_TRUE(chain(y, x)) << y << " and " << x;
  }
  EXPECT_FALSE(chain("f", "a"));
  EXPECT_FALSE(chain("e", "f"));
}

// Recommendations page by (score, person id): reading page after page of 3 gives exactly
// the full ranking, in order, with nobody twice; a page starting after someone who has left
// the index since starts where they were.
TEST(ScorerProperties, RecommendationsPageThroughTheWholeRankingOnce) {
  std::mt19937 rng(20261205);
  constexpr int kPeople = 40;
  std::vector<profiles::v1::Person> people;
  for (int i = 0; i < kPeople; ++i) people.push_back(testing::RandomPerson(absl::StrCat("p", 10 + i), kPeople, rng));
  const PeopleIndex index(people, kReference);
  const PairScorer scorer(MatchPolicy{}, index);
  std::vector<int32_t> everyone(kPeople);
  for (int i = 0; i < kPeople; ++i) everyone[i] = i;
  for (int mentee = 0; mentee < kPeople; mentee += 7) {
    const MenteeContext context;
    const auto whole = TopMentors(scorer, mentee, everyone, context, kPeople);
    std::vector<Ranked> paged;
    std::optional<RankedAfter> after;
    for (int page = 0; page < kPeople; ++page) {
      const auto got = TopMentors(scorer, mentee, everyone, context, 3, after);
      if (got.empty()) break;
      paged.insert(paged.end(), got.begin(), got.end());
      // The token names the last one by score and person id, as the API's does.
      after = RankedAfter{got.back().score, index.FirstIndexAfter(index.id(got.back().person))};
    }
    ASSERT_EQ(paged.size(), whole.size()) << "mentee " << mentee;
    for (size_t k = 0; k < whole.size(); ++k) EXPECT_EQ(paged[k].person, whole[k].person);
    if (whole.size() >= 2) {
      // After an id no longer in the index (between the first two, by id): the same place.
      const std::string gone = index.id(whole[0].person) + "0";
      const auto resumed = TopMentors(scorer, mentee, everyone, context, kPeople,
                                      RankedAfter{whole[0].score, index.FirstIndexAfter(gone)});
      ASSERT_FALSE(resumed.empty());
      EXPECT_EQ(resumed.front().person, whole[1].person);
    }
  }
}

TEST_F(ScorerTest, TimeZoneDistanceWrapsAroundTheDateLine) {
  mentee_.set_time_zone("Pacific/Auckland");  // +13 in January
  mentor_.set_time_zone("Pacific/Honolulu");  // -10: 23 h apart on paper, 1 h on the clock
  MatchPolicy policy;
  policy.max_time_zone_difference_hours = 2;
  EXPECT_EQ(Check(policy), Rejection::kNone);
}

TEST_F(ScorerTest, AvailabilityOverlapsAcrossTimeZones) {
  // The mentor in New York offers 04:00-07:00 local on Tuesday = 09:00-12:00 in London.
  mentor_.set_time_zone("America/New_York");
  auto* window = mentor_.mutable_mentoring_profile()->mutable_availability(0);
  window->set_start_minute(4 * 60);
  window->set_end_minute(7 * 60);
  EXPECT_THAT(Explain().explanation, HasSubstr("3 h of overlapping weekly availability"));
  window->set_start_minute(9 * 60);  // 14:00-... London: no overlap
  window->set_end_minute(12 * 60);
  EXPECT_THAT(Explain().contributions[static_cast<int>(Criterion::kAvailability)].detail,
              HasSubstr("no overlapping availability"));
}

TEST_F(ScorerTest, WeightsScaleContributions) {
  MatchPolicy policy;
  policy.weights = {100, 0, 0, 0, 0, 0, 0};  // goal focus only: 1 of 2 areas = 50 points
  const ScoredPair scored = Explain(policy);
  EXPECT_EQ(scored.score, 50);
  EXPECT_EQ(scored.contributions[0].points, 50);
  EXPECT_EQ(scored.contributions[0].max_points, 100);
}

TEST(ScorerProperties, RandomPopulationsNeverBreakAConstraintAndAddUp) {
  std::mt19937 rng(20261122);
  for (int round = 0; round < 20; ++round) {
    constexpr int kPeople = 60;
    std::vector<profiles::v1::Person> people;
    for (int i = 0; i < kPeople; ++i) people.push_back(testing::RandomPerson(absl::StrCat("p", i), kPeople, rng));
    const PeopleIndex index(people, kReference);
    MatchPolicy policy;
    policy.max_time_zone_difference_hours = 1 + static_cast<int>(rng() % 12);
    policy.min_level_gap = static_cast<int>(rng() % 3);
    policy.require_cross_department = rng() % 2;
    policy.reverse = rng() % 4 == 0;
    const PairScorer scorer(policy, index);
    std::vector<int32_t> everyone(kPeople);
    for (int i = 0; i < kPeople; ++i) everyone[i] = i;
    for (int mentee = 0; mentee < kPeople; ++mentee) {
      MenteeContext context;
      context.covered_areas = FocusBit(static_cast<common::v1::FocusArea>(1 + rng() % 6));
      const auto top = TopMentors(scorer, mentee, everyone, context, 5);
      // Top-k equals sorting every allowed pair.
      std::vector<Ranked> all;
      for (int mentor = 0; mentor < kPeople; ++mentor) {
        const ScoredPair scored = scorer.Explain(mentee, mentor, context);
        ASSERT_EQ(scored.score, scorer.Score(mentee, mentor, context));
        if (scored.rejection != Rejection::kNone) continue;
        int sum = 0;
        for (const auto& c : scored.contributions) sum += c.points;
        ASSERT_EQ(sum, scored.score) << scored.explanation;
        all.push_back({mentor, scored.score});
      }
      std::sort(all.begin(), all.end(),
                [](auto& a, auto& b) { return a.score != b.score ? a.score > b.score : a.person < b.person; });
      all.resize(std::min<size_t>(all.size(), 5));
      ASSERT_EQ(top.size(), all.size());
      for (size_t k = 0; k < top.size(); ++k) {
        EXPECT_EQ(top[k].person, all[k].person);
        // Every returned pair holds each hard rule, checked directly against the people.
        const auto& a = index.person(mentee);
        const auto& b = index.person(top[k].person);
        EXPECT_EQ(b.employment_status(), common::v1::EMPLOYMENT_STATUS_ACTIVE);
        EXPECT_THAT(a.excluded_person_ids(), ::testing::Not(::testing::Contains(b.person_id())));
        EXPECT_THAT(b.excluded_person_ids(), ::testing::Not(::testing::Contains(a.person_id())));
        EXPECT_NE(a.manager_id(), b.person_id());
        EXPECT_NE(b.manager_id(), a.person_id());
        const int gap = policy.reverse ? a.career_level() - b.career_level() : b.career_level() - a.career_level();
        EXPECT_GE(gap, policy.min_level_gap);
        if (policy.require_cross_department) {
          EXPECT_NE(a.department(), b.department());
        }
        EXPECT_EQ(scorer.FocusOf(mentee, top[k].person, context) & context.covered_areas, 0);
      }
    }
  }
}

}  // namespace
}  // namespace mentoring::matching
