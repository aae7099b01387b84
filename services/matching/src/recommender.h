#pragma once
// Top-k recommendations: one pass over the candidates in memory, hard constraints first,
// a bounded heap for the best k. Ties go to the lower person id, so answers are stable.
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <vector>

#include "pair_scorer.h"

namespace mentoring::matching {

struct Ranked {
  int32_t person = -1;  // index in the PeopleIndex
  int32_t score = 0;
};

// Where a later page starts: after the last one given, which had `score` and a person id
// sorting before index `first_index` (index order is id order, so this holds even when that
// person has left the index since).
struct RankedAfter {
  int32_t score = 0;
  int32_t first_index = 0;
};

// The best `k` of `mentors` for `mentee` (those ranked after `after`), best first. Only
// allowed pairs appear.
std::vector<Ranked> TopMentors(const PairScorer& scorer, int32_t mentee, std::span<const int32_t> mentors,
                               const MenteeContext& context, int k,
                               const std::optional<RankedAfter>& after = std::nullopt);

// The best `k` of `mentees` for `mentor`, best first; each mentee's own context applies.
std::vector<Ranked> TopMentees(const PairScorer& scorer, int32_t mentor, std::span<const int32_t> mentees,
                               const std::function<const MenteeContext&(int32_t)>& context_of, int k,
                               const std::optional<RankedAfter>& after = std::nullopt);

// How many candidates each hard constraint ruled out (for "why can nobody mentor X?").
std::array<int, kRejections> RejectionCounts(const PairScorer& scorer, int32_t mentee, std::span<const int32_t> mentors,
                                             const MenteeContext& context);

}  // namespace mentoring::matching
