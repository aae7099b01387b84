#pragma once
// Matching's read model of the people it matches, compiled for scoring: strings interned to
// small integers, availability turned into UTC slots of the week, the reporting line turned
// into intervals of a walk of the management tree. Built from profiles' Person messages (never a network
// call per candidate); holds no names, e-mails or free text.
#include <absl/time/time.h>

#include <array>
#include <bit>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "mentoring/common/v1/common.pb.h"
#include "mentoring/profiles/v1/profiles.pb.h"

namespace mentoring::matching {

using FocusMask = uint8_t;  // bit n set: FocusArea n (1..6)
using ModeMask = uint8_t;   // bit n set: MeetingMode n (1..4)

FocusMask FocusBit(common::v1::FocusArea area);
std::vector<common::v1::FocusArea> FocusAreasOf(FocusMask mask);

// The week in 15-minute UTC slots (15 so that +05:30 and +05:45 zones line up exactly).
class WeekSlots {
 public:
  static constexpr int kSlotMinutes = 15;
  static constexpr int kSlots = 7 * 24 * 60 / kSlotMinutes;  // 672
  // Marks [start, end) minutes of the week (UTC, Monday 00:00 = 0); wraps around Sunday night.
  void Add(int start_minute_of_week, int end_minute_of_week);
  int OverlapMinutes(const WeekSlots& other) const {  // inline: called for every pair scored
    int slots = 0;
    for (size_t i = 0; i < bits_.size(); ++i) slots += std::popcount(bits_[i] & other.bits_[i]);
    return slots * kSlotMinutes;
  }
  int Minutes() const;

 private:
  std::array<uint64_t, (kSlots + 63) / 64> bits_{};
};

// One person as the scorer sees them. Indexes refer to PeopleIndex's interned tables.
struct Candidate {
  bool active = false;  // employed, not on leave, consented to matching
  int32_t career_level = 0;
  int32_t utc_offset_minutes = 0;
  int32_t department = -1;
  FocusMask goal_areas = 0;  // focus areas of the active goals (as a mentee)
  FocusMask expertise = 0;   // focus areas offered (as a mentor)
  ModeMask modes = 0;
  std::vector<int32_t> industries;  // sorted
  std::vector<int32_t> languages;   // sorted
  // The same as bit sets when every id is below 64 (the usual case: a few dozen languages
  // and industries), which turns the scorer's set operations into single instructions.
  uint64_t industry_bits = 0;
  uint64_t language_bits = 0;
  bool industries_as_bits = true;
  bool languages_as_bits = true;
  // Skills as (skill << 3 | level), sorted, in PeopleIndex's one contiguous pool: scoring
  // scans candidates in order, so their skills are read in order too (no pointer chase).
  uint32_t skills_begin = 0;
  uint32_t skills_end = 0;
  // Position in a depth-first walk of the reporting tree: a is in b's management chain iff
  // b.chain_in < a.chain_in && a.chain_out <= b.chain_out (one comparison, any depth). The
  // members of a manager cycle share one interval.
  int32_t chain_in = 0;
  int32_t chain_out = 0;
  std::vector<int32_t> exclusions;  // declared conflicts, sorted person indexes
  WeekSlots availability;
  int32_t max_active_mentees = 0;
  int32_t hours_per_month = 0;
};

// True when one of the two manages the other, directly or further up.
inline bool InSameChain(const Candidate& a, const Candidate& b) {
  const auto above = [](const Candidate& high, const Candidate& low) {
    return high.chain_in < low.chain_in && low.chain_out <= high.chain_out;
  };
  return a.chain_in == b.chain_in || above(a, b) || above(b, a);  // equal: one manager cycle
}

class PeopleIndex {
 public:
  // `people` in any order; `reference` fixes the UTC offsets (daylight saving) used for
  // time-zone distance and availability overlap, e.g. a programme's start.
  PeopleIndex(std::vector<profiles::v1::Person> people, absl::Time reference);

  int size() const { return static_cast<int>(people_.size()); }
  // -1 when unknown.
  int IndexOf(const std::string& person_id) const;
  // The first index whose person id sorts after `person_id` (size() when none), known or not.
  int FirstIndexAfter(const std::string& person_id) const;
  const Candidate& at(int index) const { return candidates_[index]; }
  const profiles::v1::Person& person(int index) const { return people_[index]; }
  const std::string& id(int index) const { return people_[index].person_id(); }
  const std::string& skill_name(int32_t skill) const { return skill_names_[skill]; }
  std::span<const uint32_t> skills(const Candidate& c) const {
    return {skill_pool_.data() + c.skills_begin, skill_pool_.data() + c.skills_end};
  }
  static constexpr uint32_t SkillOf(uint32_t key) { return key >> 3; }
  static constexpr uint32_t LevelOf(uint32_t key) { return key & 7u; }
  const std::string& language_name(int32_t language) const { return language_names_[language]; }
  absl::Time reference() const { return reference_; }

 private:
  std::vector<profiles::v1::Person> people_;  // sorted by person id: index order is id order
  std::vector<Candidate> candidates_;
  std::vector<uint32_t> skill_pool_;
  std::vector<std::string> skill_names_;
  std::vector<std::string> language_names_;
  absl::Time reference_;
};

// The facts matching keeps about a person: the Person message without what identifies them
// to a human (name, e-mail, title, location, goal descriptions, HR id), and without its
// version and times: two versions that differ only there give equal facts.
profiles::v1::Person MatchingFactsOf(const profiles::v1::Person& person);

}  // namespace mentoring::matching
