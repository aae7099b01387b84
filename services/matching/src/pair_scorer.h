#pragma once
// Scores one mentee–mentor pair under a programme's policy: hard constraints first (a pair
// that breaks one is never proposed), then weighted criteria whose integer contributions
// add up exactly to the score, and a sentence a person can read. Pure: no I/O.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "people_index.h"

namespace mentoring::matching {

inline constexpr int32_t kNotAllowed = -1;  // the score of a pair a hard constraint forbids

enum class Criterion : int {
  kGoalFocus = 0,  // the mentee's goal areas the mentor offers expertise in
  kSkills,         // the mentee's skills the mentor holds at a higher level
  kLevelGap,       // career-level gap inside the wanted window
  kCrossBoundary,  // other department, other industry background
  kLanguages,      // a shared language
  kAvailability,   // overlapping weekly availability across time zones
  kMeetingModes,   // shared preferred meeting modes
};
inline constexpr int kCriteria = 7;
const char* CriterionName(Criterion criterion);  // "goal_focus", ...

// Why a pair is not allowed (the first constraint it breaks, in this order).
enum class Rejection : int {
  kNone = 0,
  kSamePerson,
  kMentorUnavailable,  // on leave, departed, or no consent to matching
  kMenteeUnavailable,
  kExcluded,          // a declared conflict, either way
  kManagementChain,   // one is in the other's reporting line
  kLevelGap,          // mentor not at least K levels above (below, for reverse mentoring)
  kTimeZone,          // more than the programme's maximum time-zone difference
  kSameDepartment,    // the policy requires a cross-department pair
  kNoSharedLanguage,  // the policy requires a shared language
  kNoOpenFocusArea,   // the mentor offers no focus area the mentee still needs a mentor for
  kBlocked,           // a previous or current mentor of this mentee (rematch, duplicates)
};
inline constexpr int kRejections = 12;
const char* RejectionName(Rejection rejection);  // "excluded", ...

struct MatchPolicy {
  bool reverse = false;  // reverse mentoring: the mentor is the junior one
  std::array<int32_t, kCriteria> weights{30, 15, 15, 10, 10, 15, 5};
  int32_t min_level_gap = 1;   // hard: K
  int32_t wanted_gap_min = 2;  // soft: full points inside [min, max]
  int32_t wanted_gap_max = 4;
  int32_t max_time_zone_difference_hours = 12;  // hard: 12 allows any pair
  bool require_cross_department = false;
  bool require_shared_language = true;
  int32_t wanted_overlap_hours = 4;  // weekly overlap that earns full availability points

  int32_t max_score() const;
};

// Per-mentee facts that are not in the profile: focus areas already served by an active
// mentor (never two mentors for one focus area) and mentors this mentee must not get again.
struct MenteeContext {
  FocusMask covered_areas = 0;
  // What the mentee asks for when they ask a mentor directly; 0: their goals' areas.
  FocusMask wanted_areas = 0;
  std::vector<int32_t> blocked_mentors;  // sorted person indexes
};

struct Contribution {
  Criterion criterion;
  int32_t points = 0;
  int32_t max_points = 0;
  std::string detail;  // e.g. "2 levels above"
};

struct ScoredPair {
  int32_t score = kNotAllowed;
  Rejection rejection = Rejection::kNone;
  std::vector<Contribution> contributions;         // sum of points == score
  std::vector<common::v1::FocusArea> focus_areas;  // what the relationship would be for
  std::string explanation;                         // "shares 3 of 4 goal areas; 2 levels above; ..."
};

class PairScorer {
 public:
  PairScorer(const MatchPolicy& policy, const PeopleIndex& people);

  // The hot path: the score, or kNotAllowed. Thread-safe.
  int32_t Score(int mentee, int mentor, const MenteeContext& context) const;
  Rejection Check(int mentee, int mentor, const MenteeContext& context) const;
  // Everything a person reads about the pair; the same score as Score().
  ScoredPair Explain(int mentee, int mentor, const MenteeContext& context) const;
  // The focus areas a relationship between them would cover.
  FocusMask FocusOf(int mentee, int mentor, const MenteeContext& context) const;

  const MatchPolicy& policy() const { return policy_; }
  const PeopleIndex& people() const { return people_; }

 private:
  struct Parts;  // the raw per-criterion measures both paths share
  Parts Measure(const Candidate& mentee, const Candidate& mentor) const;
  int32_t LevelGap(const Candidate& mentee, const Candidate& mentor) const;

  // weight · num / den for every fraction a criterion can take, computed once: a cohort
  // scores tens of millions of pairs, and seven integer divisions were a third of each.
  int32_t PointsOf(int criterion, int32_t num, int32_t den) const;

  MatchPolicy policy_;
  const PeopleIndex& people_;
  static constexpr int kSmallDen = 8;  // goal areas, modes (≤ 7), skills and levels (3), cross (2)
  std::array<std::array<std::array<int32_t, kSmallDen>, kSmallDen>, kCriteria> small_points_{};
  std::vector<int32_t> availability_points_;  // by overlapping 15-minute slots, up to the wanted hours
};

}  // namespace mentoring::matching
