#pragma once
// What the scorer found, as the API's messages: recommendations and proposed pairs with
// their contributions and sentence, and why a mentee could not be matched. No I/O.
#include <google/protobuf/map.h>

#include <array>
#include <string>

#include "mentoring/matching/v1/matching.pb.h"
#include "pair_scorer.h"

namespace mentoring::matching {

void FillRecommendation(const ScoredPair& scored, const std::string& person_id, v1::Recommendation* out);
void FillPair(const ScoredPair& scored, const std::string& mentee_id, const std::string& mentor_id,
              v1::ProposedPair* pair);
// How many candidates each hard rule ruled out, by the rule's name (rules that ruled out
// none are left out).
void FillRuledOut(const std::array<int, kRejections>& counts, google::protobuf::Map<std::string, int32_t>* out);
// Why a mentee was left unmatched: no capacity when some mentor was possible, otherwise the
// rule that ruled out most mentors.
v1::UnmatchedReason UnmatchedReasonOf(const std::array<int, kRejections>& counts, bool had_feasible);

}  // namespace mentoring::matching
