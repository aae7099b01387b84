#pragma once
// Use cases of rematch offers: a mentee whose rapport was at risk, or whose relationship
// closed for no rapport, is offered fresh recommendations without the previous mentor.
#include <absl/status/statusor.h>

#include "mentoring/matching/v1/matching.pb.h"
#include "mentoring/runtime/call_context.h"
#include "mentoring/runtime/postgres.h"
#include "programme_store.h"
#include "recommendations_app.h"
#include "rematch_store.h"

namespace mentoring::matching {

class RematchApp {
 public:
  RematchApp(pg::Pool& pool, RecommendationsApp& recommendations) : pool_(pool), recommendations_(recommendations) {}

  absl::StatusOr<v1::ListRematchOffersResponse> ListRematchOffers(const CallContext& call,
                                                                  const v1::ListRematchOffersRequest& request);

 private:
  pg::Pool& pool_;
  RecommendationsApp& recommendations_;
  ProgrammeStore programmes_;
  RematchStore rematches_;
};

}  // namespace mentoring::matching
