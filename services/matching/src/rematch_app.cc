#include "rematch_app.h"

#include "matching_rules.h"
#include "mentoring/runtime/errors.h"

namespace mentoring::matching {

absl::StatusOr<v1::ListRematchOffersResponse> RematchApp::ListRematchOffers(
    const CallContext& call, const v1::ListRematchOffersRequest& request) {
  const std::string& mentee_id = request.mentee_id();
  if (mentee_id.empty()) return errors::InvalidArgument("mentee_id", "required", "name the mentee");
  if (auto allowed = RequireSelfOrAdmin(call.caller, mentee_id, "rematch offers"); !allowed.ok()) return allowed;
  auto offers = rematches_.OffersFor(pool_, mentee_id);
  if (!offers.ok()) return offers.status();
  v1::ListRematchOffersResponse response;
  for (auto& offer : *offers) {
    // Fresh recommendations each time they are read; every previous mentor is blocked.
    if (!offer.programme_id().empty()) {
      auto programme = programmes_.Get(pool_, offer.programme_id());
      if (!programme.ok()) return programme.status();
      auto recommendations = recommendations_.MentorsFor(*programme, mentee_id, kDefaultRecommendations, nullptr,
                                                         offer.previous_relationship_id());
      if (!recommendations.ok()) return recommendations.status();
      for (auto& r : *recommendations) *offer.add_recommendations() = std::move(r);
    }
    *response.add_offers() = std::move(offer);
  }
  return response;
}

}  // namespace mentoring::matching
