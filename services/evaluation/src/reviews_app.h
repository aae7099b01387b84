#pragma once
// Use cases of periodic reviews: reading them as the caller may see them, and answering.
// The combined decision (evaluation_rules.h) is recorded as soon as it is certain, with its
// review.completed; an END carries the closure reason matching closes the relationship with.
#include <absl/status/statusor.h>

#include "assessor.h"
#include "mentoring/runtime/call_context.h"
#include "mentoring/runtime/postgres.h"
#include "relationship_store.h"
#include "review_store.h"

namespace mentoring::evaluation {

class ReviewsApp {
 public:
  ReviewsApp(pg::Pool& pool, const Assessor& assessor) : pool_(pool), assessor_(assessor) {}

  absl::StatusOr<v1::Review> GetReview(const CallContext& call, const v1::GetReviewRequest& request);
  absl::StatusOr<v1::ListReviewsResponse> ListReviews(const CallContext& call, const v1::ListReviewsRequest& request);
  absl::StatusOr<v1::Review> AnswerReview(const CallContext& call, const v1::AnswerReviewRequest& request);

 private:
  pg::Pool& pool_;
  const Assessor& assessor_;
  RelationshipStore relationships_;
  ReviewStore reviews_;
  AskStore asks_;
};

}  // namespace mentoring::evaluation
