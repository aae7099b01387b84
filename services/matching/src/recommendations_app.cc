#include "recommendations_app.h"

#include <absl/container/flat_hash_map.h>

#include "explanations.h"
#include "matching_rules.h"
#include "mentoring/runtime/errors.h"
#include "mentoring/runtime/paging.h"
#include "recommender.h"

namespace mentoring::matching {
namespace {

constexpr int kMaxRecommendations = 50;

// A page token's key as a position in this index's ranking.
std::optional<RankedAfter> CursorIn(const PeopleIndex& index, const std::optional<PageKey>& after) {
  if (!after) return std::nullopt;
  return RankedAfter{static_cast<int32_t>(after->key), index.FirstIndexAfter(after->id)};
}

// Keeps `limit` of what was asked one more than; when that one came, the token of the page
// after the last kept.
std::string TrimToPage(google::protobuf::RepeatedPtrField<v1::Recommendation>& recommendations, int limit) {
  if (recommendations.size() <= limit) return "";
  recommendations.DeleteSubrange(limit, recommendations.size() - limit);
  const v1::Recommendation& last = recommendations.Get(limit - 1);
  return PageToken({last.score(), last.person_id()});
}

}  // namespace

absl::Status RecommendationsApp::NotInSnapshot(const std::string& person_id, const std::string& who) {
  auto known = people_.Knows(pool_, person_id);
  if (!known.ok()) return known.status();
  if (*known) {
    return errors::WithReason(absl::StatusCode::kUnavailable, "DIRECTORY_CATCHING_UP",
                              "matching learned of the " + who + " a moment ago; try again in a few seconds");
  }
  return errors::FailedPrecondition("UNKNOWN_PERSON", "the " + who + " is not in the directory");
}

absl::StatusOr<RecommendationsApp::Admitted> RecommendationsApp::Admit(const CallContext& call,
                                                                       const v1::RecommendRequest& request) {
  if (request.person_id().empty()) return errors::InvalidArgument("person_id", "required", "name the person");
  if (request.limit() < 0 || request.limit() > kMaxRecommendations) {
    return errors::InvalidArgument("limit", "range_0_50", "must be between 1 and 50 (0: the default, 10)");
  }
  auto after = ParsePageToken(request.page_token());
  if (!after.ok()) return after.status();
  if (*after && ((*after)->key < INT32_MIN || (*after)->key > INT32_MAX)) {
    return errors::InvalidArgument("page_token", "page_token", "pass the next_page_token of the previous page");
  }
  if (auto allowed = RequireSelfOrAdmin(call.caller, request.person_id(), "recommendations"); !allowed.ok()) {
    return allowed;
  }
  auto programme = programmes_.Get(pool_, request.programme_id());
  if (!programme.ok()) return programme.status();
  return Admitted{std::move(*programme), request.limit() == 0 ? kDefaultRecommendations : request.limit(),
                  std::move(*after)};
}

absl::StatusOr<v1::RecommendResponse> RecommendationsApp::RecommendMentors(const CallContext& call,
                                                                           const v1::RecommendRequest& request) {
  auto admitted = Admit(call, request);
  if (!admitted.ok()) return admitted.status();
  const auto& [programme, limit, after] = *admitted;
  v1::RecommendResponse response;
  // One more than the page tells whether another follows.
  auto recommendations = MentorsFor(programme, request.person_id(), limit + 1, &response, "", after);
  if (!recommendations.ok()) return recommendations.status();
  for (auto& r : *recommendations) *response.add_recommendations() = std::move(r);
  response.set_next_page_token(TrimToPage(*response.mutable_recommendations(), limit));
  return response;
}

absl::StatusOr<v1::RecommendResponse> RecommendationsApp::RecommendMentees(const CallContext& call,
                                                                           const v1::RecommendRequest& request) {
  auto admitted = Admit(call, request);
  if (!admitted.ok()) return admitted.status();
  const auto& [programme, limit, after] = *admitted;
  // The programme's mentees, each under their own context.
  auto people = directory_.Current(pool_);
  if (!people.ok()) return people.status();
  const PeopleIndex& index = **people;
  const int32_t mentor = index.IndexOf(request.person_id());
  if (mentor < 0) return NotInSnapshot(request.person_id(), "mentor");
  auto mentees = enrollments_.OfProgramme(pool_, programme.programme_id(), v1::PARTICIPANT_ROLE_MENTEE);
  if (!mentees.ok()) return mentees.status();
  std::vector<int32_t> candidates;
  for (const auto& e : *mentees) {
    if (int32_t mentee = index.IndexOf(e.person_id()); mentee >= 0) candidates.push_back(mentee);
  }
  auto contexts = contexts_.Of(pool_, index, candidates);
  if (!contexts.ok()) return contexts.status();
  absl::flat_hash_map<int32_t, size_t> position;
  for (size_t i = 0; i < candidates.size(); ++i) position[candidates[i]] = i;
  const PairScorer scorer(PolicyOf(programme), index);
  auto context_of = [&](int32_t mentee) -> const MenteeContext& { return (*contexts)[position[mentee]]; };
  v1::RecommendResponse response;
  for (const Ranked& ranked : TopMentees(scorer, mentor, candidates, context_of, limit + 1, CursorIn(index, after))) {
    FillRecommendation(scorer.Explain(ranked.person, mentor, context_of(ranked.person)), index.id(ranked.person),
                       response.add_recommendations());
  }
  response.set_next_page_token(TrimToPage(*response.mutable_recommendations(), limit));
  return response;
}

absl::StatusOr<std::vector<v1::Recommendation>> RecommendationsApp::MentorsFor(const v1::Programme& programme,
                                                                               const std::string& mentee_id, int limit,
                                                                               v1::RecommendResponse* diagnostics,
                                                                               const std::string& being_replaced,
                                                                               const std::optional<PageKey>& after) {
  auto pool = mentor_pools_.Of(programme.programme_id());
  if (!pool.ok()) return pool.status();
  const PeopleIndex& index = *pool->people;
  const int32_t mentee = index.IndexOf(mentee_id);
  if (mentee < 0) return NotInSnapshot(mentee_id, "mentee");
  const std::vector<int32_t>& mentors = *pool->available;
  auto contexts = contexts_.Of(pool_, index, {mentee}, being_replaced);
  if (!contexts.ok()) return contexts.status();
  const MenteeContext& context = contexts->front();
  const PairScorer scorer(PolicyOf(programme), index);
  std::vector<v1::Recommendation> out;
  for (const Ranked& ranked : TopMentors(scorer, mentee, mentors, context, limit, CursorIn(index, after))) {
    FillRecommendation(scorer.Explain(mentee, ranked.person, context), index.id(ranked.person), &out.emplace_back());
  }
  // Why nobody qualifies, on the first page only (a later one is empty when all were given).
  if (out.empty() && diagnostics != nullptr && !after) {
    FillRuledOut(RejectionCounts(scorer, mentee, mentors, context), diagnostics->mutable_ruled_out());
  }
  return out;
}

}  // namespace mentoring::matching
