#include "pair_scorer.h"

#include <absl/strings/str_cat.h>
#include <absl/strings/str_join.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cstdlib>

namespace mentoring::matching {
namespace {

constexpr FocusMask kAllAreas = 0b1111110;  // FocusArea 1..6
constexpr int kSkillsForFullPoints = 3;
constexpr int kLevelDecay = 3;  // points fall to zero this many levels outside the wanted window

inline bool Contains(const std::vector<int32_t>& sorted, int32_t value) {
  return !sorted.empty() && std::binary_search(sorted.begin(), sorted.end(), value);  // usually empty
}

bool ShareAny(const std::vector<int32_t>& a, const std::vector<int32_t>& b) {
  auto i = a.begin();
  auto j = b.begin();
  while (i != a.end() && j != b.end()) {
    if (*i == *j) return true;
    if (*i < *j)
      ++i;
    else
      ++j;
  }
  return false;
}

bool ShareLanguage(const Candidate& a, const Candidate& b) {
  if (a.languages_as_bits && b.languages_as_bits) return (a.language_bits & b.language_bits) != 0;
  return ShareAny(a.languages, b.languages);
}

int SharedLanguages(const Candidate& mentee, const Candidate& mentor) {
  if (mentee.languages_as_bits && mentor.languages_as_bits) {
    return std::popcount(mentee.language_bits & mentor.language_bits);
  }
  int shared = 0;
  for (int32_t language : mentee.languages) shared += Contains(mentor.languages, language);
  return shared;
}

// The mentor brings an industry background the mentee lacks.
bool OtherIndustry(const Candidate& mentee, const Candidate& mentor) {
  if (mentee.industries_as_bits && mentor.industries_as_bits) {
    return (mentor.industry_bits & ~mentee.industry_bits) != 0;
  }
  return std::any_of(mentor.industries.begin(), mentor.industries.end(),
                     [&](int32_t industry) { return !Contains(mentee.industries, industry); });
}

// A fraction num/den of one criterion's weight, rounded down: integers add up exactly.
struct Fraction {
  int32_t num = 0;
  int32_t den = 1;
  int32_t Of(int32_t weight) const { return den == 0 ? 0 : weight * num / den; }
};

std::string Plural(int n, const char* one, const char* many) { return absl::StrCat(n, " ", n == 1 ? one : many); }

}  // namespace

const char* CriterionName(Criterion criterion) {
  static constexpr const char* kNames[kCriteria] = {
      "goal_focus", "skills", "level_gap", "cross_boundary", "languages", "availability_overlap", "meeting_modes"};
  return kNames[static_cast<int>(criterion)];
}

const char* RejectionName(Rejection rejection) {
  static constexpr const char* kNames[kRejections] = {
      "none",      "same_person", "mentor_unavailable", "mentee_unavailable", "excluded",           "management_chain",
      "level_gap", "time_zone",   "same_department",    "no_shared_language", "no_open_focus_area", "blocked"};
  return kNames[static_cast<int>(rejection)];
}

int32_t MatchPolicy::max_score() const {
  int32_t total = 0;
  for (int32_t w : weights) total += w;
  return total;
}

struct PairScorer::Parts {
  Fraction f[kCriteria];
  // Raw measures for the sentence.
  int goal_shared = 0, goal_total = 0;
  int stronger_count = 0;
  std::array<int32_t, 8> stronger_skills{};  // the first few, for the sentence (no allocation)
  int level_gap = 0;
  bool other_department = false, other_industry = false;
  int shared_languages = 0;
  int overlap_minutes = 0;
  int shared_modes = 0, mentee_modes = 0;
};

int32_t PairScorer::LevelGap(const Candidate& mentee, const Candidate& mentor) const {
  return policy_.reverse ? mentee.career_level - mentor.career_level : mentor.career_level - mentee.career_level;
}

Rejection PairScorer::Check(int mentee_index, int mentor_index, const MenteeContext& context) const {
  if (mentee_index == mentor_index) return Rejection::kSamePerson;
  const Candidate& mentee = people_.at(mentee_index);
  const Candidate& mentor = people_.at(mentor_index);
  if (!mentor.active) return Rejection::kMentorUnavailable;
  if (!mentee.active) return Rejection::kMenteeUnavailable;
  // Integer and bit checks first (a cohort run checks every pair), list lookups last. The
  // first rule broken is reported, so the order is also the order of the reasons.
  if (LevelGap(mentee, mentor) < policy_.min_level_gap) return Rejection::kLevelGap;
  int zone_distance = std::abs(mentee.utc_offset_minutes - mentor.utc_offset_minutes);
  zone_distance = std::min(zone_distance, 24 * 60 - zone_distance);  // clocks wrap around the date line
  if (zone_distance > policy_.max_time_zone_difference_hours * 60) return Rejection::kTimeZone;
  if (FocusOf(mentee_index, mentor_index, context) == 0) return Rejection::kNoOpenFocusArea;
  if (Contains(mentee.exclusions, mentor_index) || Contains(mentor.exclusions, mentee_index))
    return Rejection::kExcluded;
  if (InSameChain(mentee, mentor)) return Rejection::kManagementChain;
  if (policy_.require_cross_department && mentee.department >= 0 && mentee.department == mentor.department) {
    return Rejection::kSameDepartment;
  }
  if (policy_.require_shared_language && !ShareLanguage(mentee, mentor)) return Rejection::kNoSharedLanguage;
  if (Contains(context.blocked_mentors, mentor_index)) return Rejection::kBlocked;
  return Rejection::kNone;
}

FocusMask PairScorer::FocusOf(int mentee_index, int mentor_index, const MenteeContext& context) const {
  const Candidate& mentee = people_.at(mentee_index);
  // Without goals a mentee is open to any area; areas that already have a mentor are not.
  const FocusMask wanted = context.wanted_areas ? context.wanted_areas : mentee.goal_areas;
  const FocusMask needs = (wanted ? wanted : kAllAreas) & ~context.covered_areas;
  return needs & people_.at(mentor_index).expertise;
}

PairScorer::Parts PairScorer::Measure(const Candidate& mentee, const Candidate& mentor) const {
  Parts p;
  p.goal_total = std::popcount(mentee.goal_areas);
  p.goal_shared = std::popcount(static_cast<FocusMask>(mentee.goal_areas & mentor.expertise));
  p.f[0] = {p.goal_shared, p.goal_total};

  const auto mine = people_.skills(mentor);
  size_t at = 0;
  for (uint32_t key : people_.skills(mentee)) {
    const uint32_t skill = PeopleIndex::SkillOf(key);
    while (at < mine.size() && PeopleIndex::SkillOf(mine[at]) < skill) ++at;
    if (at < mine.size() && PeopleIndex::SkillOf(mine[at]) == skill &&
        PeopleIndex::LevelOf(mine[at]) > PeopleIndex::LevelOf(key)) {
      if (p.stronger_count < static_cast<int>(p.stronger_skills.size())) {
        p.stronger_skills[p.stronger_count] = static_cast<int32_t>(skill);
      }
      ++p.stronger_count;
    }
  }
  p.f[1] = {std::min<int32_t>(p.stronger_count, kSkillsForFullPoints), kSkillsForFullPoints};

  p.level_gap = LevelGap(mentee, mentor);
  const int outside = p.level_gap < policy_.wanted_gap_min   ? policy_.wanted_gap_min - p.level_gap
                      : p.level_gap > policy_.wanted_gap_max ? p.level_gap - policy_.wanted_gap_max
                                                             : 0;
  p.f[2] = {std::max(0, kLevelDecay - outside), kLevelDecay};

  p.other_department = mentee.department >= 0 && mentor.department >= 0 && mentee.department != mentor.department;
  p.other_industry = OtherIndustry(mentee, mentor);
  p.f[3] = {int32_t{p.other_department} + int32_t{p.other_industry}, 2};

  p.shared_languages = SharedLanguages(mentee, mentor);
  p.f[4] = {p.shared_languages > 0 ? 1 : 0, 1};

  p.overlap_minutes = mentee.availability.OverlapMinutes(mentor.availability);
  const int32_t wanted = std::max(1, policy_.wanted_overlap_hours) * 60;
  p.f[5] = {std::min(p.overlap_minutes, wanted), wanted};

  p.mentee_modes = std::popcount(mentee.modes);
  p.shared_modes = std::popcount(static_cast<ModeMask>(mentee.modes & mentor.modes));
  p.f[6] = {p.shared_modes, p.mentee_modes};
  return p;
}

PairScorer::PairScorer(const MatchPolicy& policy, const PeopleIndex& people) : policy_(policy), people_(people) {
  for (int c = 0; c < kCriteria; ++c) {
    for (int32_t den = 1; den < kSmallDen; ++den) {
      for (int32_t num = 0; num <= den; ++num) small_points_[c][den][num] = Fraction{num, den}.Of(policy_.weights[c]);
    }
  }
  const int32_t wanted = std::max(1, policy_.wanted_overlap_hours) * 60;
  for (int32_t minutes = 0; minutes <= wanted; minutes += WeekSlots::kSlotMinutes) {
    availability_points_.push_back(
        Fraction{minutes, wanted}.Of(policy_.weights[static_cast<int>(Criterion::kAvailability)]));
  }
}

int32_t PairScorer::PointsOf(int criterion, int32_t num, int32_t den) const {
  if (criterion == static_cast<int>(Criterion::kAvailability)) {
    return availability_points_[static_cast<size_t>(num / WeekSlots::kSlotMinutes)];
  }
  if (den <= 0) return 0;
  if (den < kSmallDen && num <= den) return small_points_[criterion][den][num];
  return Fraction{num, den}.Of(policy_.weights[criterion]);  // never at today's criteria
}

int32_t PairScorer::Score(int mentee, int mentor, const MenteeContext& context) const {
  if (Check(mentee, mentor, context) != Rejection::kNone) return kNotAllowed;
  const Parts parts = Measure(people_.at(mentee), people_.at(mentor));
  int32_t score = 0;
  for (int c = 0; c < kCriteria; ++c) score += PointsOf(c, parts.f[c].num, parts.f[c].den);
  return score;
}

ScoredPair PairScorer::Explain(int mentee_index, int mentor_index, const MenteeContext& context) const {
  ScoredPair out;
  out.rejection = Check(mentee_index, mentor_index, context);
  if (out.rejection != Rejection::kNone) {
    out.explanation = absl::StrCat("not allowed: ", RejectionName(out.rejection));
    return out;
  }
  const Candidate& mentee = people_.at(mentee_index);
  const Candidate& mentor = people_.at(mentor_index);
  const Parts p = Measure(mentee, mentor);
  out.focus_areas = FocusAreasOf(FocusOf(mentee_index, mentor_index, context));

  std::string details[kCriteria];
  details[0] = p.goal_total == 0 ? "no goals set yet"
                                 : absl::StrCat("shares ", p.goal_shared, " of ", p.goal_total, " goal areas");
  if (p.stronger_count == 0) {
    details[1] = "no stronger skills in common";
  } else {
    std::vector<std::string> names;
    for (int k = 0; k < std::min<int>(p.stronger_count, static_cast<int>(p.stronger_skills.size())); ++k) {
      names.push_back(people_.skill_name(p.stronger_skills[k]));
    }
    details[1] = absl::StrCat("stronger in ", absl::StrJoin(names, ", "));
  }
  const int gap = std::abs(p.level_gap);
  const bool above = (p.level_gap >= 0) != policy_.reverse;
  details[2] =
      gap == 0 ? "same career level" : absl::StrCat(Plural(gap, "level", "levels"), above ? " above" : " below");
  if (p.other_department && p.other_industry) {
    details[3] = "another department and industry background";
  } else if (p.other_department) {
    details[3] = "another department";
  } else if (p.other_industry) {
    details[3] = "another industry background";
  } else {
    details[3] = "same department and background";
  }
  details[4] = p.shared_languages == 0
                   ? "no shared language"
                   : absl::StrCat(Plural(p.shared_languages, "shared language", "shared languages"));
  const int overlap_hours = p.overlap_minutes / 60;
  const int overlap_rest = p.overlap_minutes % 60;
  details[5] = p.overlap_minutes == 0 ? "no overlapping availability"
               : overlap_rest == 0
                   ? absl::StrCat(overlap_hours, " h of overlapping weekly availability")
                   : absl::StrCat(overlap_hours, " h ", overlap_rest, " min of overlapping weekly availability");
  details[6] = p.mentee_modes == 0 ? "no meeting modes stated"
                                   : absl::StrCat("shares ", p.shared_modes, " of ", p.mentee_modes, " meeting modes");

  out.score = 0;
  std::vector<const Contribution*> positive;
  for (int c = 0; c < kCriteria; ++c) {
    Contribution contribution{static_cast<Criterion>(c), p.f[c].Of(policy_.weights[c]), policy_.weights[c],
                              std::move(details[c])};
    out.score += contribution.points;
    out.contributions.push_back(std::move(contribution));
  }
  // The sentence names what earned points, biggest first.
  for (const auto& contribution : out.contributions) {
    if (contribution.points > 0) positive.push_back(&contribution);
  }
  std::stable_sort(positive.begin(), positive.end(), [](auto* a, auto* b) { return a->points > b->points; });
  std::vector<std::string> parts;
  for (const auto* contribution : positive) parts.push_back(contribution->detail);
  out.explanation = parts.empty() ? "meets every requirement; no criterion scored" : absl::StrJoin(parts, "; ");
  return out;
}

}  // namespace mentoring::matching
