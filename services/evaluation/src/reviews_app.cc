#include "reviews_app.h"

#include <absl/strings/str_cat.h>

#include "mentoring/runtime/errors.h"

namespace mentoring::evaluation {
namespace {

// The party the caller is, or kNone for an admin; PERMISSION_DENIED for anyone else.
absl::StatusOr<Party> Viewer(const v1::RelationshipRecord& record, const Caller& caller) {
  const Party party = PartyOf(record, caller);
  if (party != Party::kNone || IsAdmin(caller)) return party;
  return errors::PermissionDenied("a review is for the two people of the relationship and programme admins");
}

}  // namespace

absl::StatusOr<v1::Review> ReviewsApp::GetReview(const CallContext& call, const v1::GetReviewRequest& request) {
  auto review = reviews_.Get(pool_, request.review_id());
  if (!review.ok()) return review.status();
  auto record = relationships_.Get(pool_, review->relationship_id());
  if (!record.ok()) return record.status();
  auto party = Viewer(*record, call.caller);
  if (!party.ok()) return party.status();
  return ReviewView(std::move(*review), *party);
}

absl::StatusOr<v1::ListReviewsResponse> ReviewsApp::ListReviews(const CallContext& call,
                                                                const v1::ListReviewsRequest& request) {
  auto size = PageSize(request.page_size());
  if (!size.ok()) return size.status();
  auto after = ParsePageToken(request.page_token());
  if (!after.ok()) return after.status();
  absl::StatusOr<std::vector<v1::Review>> reviews;
  Party party = Party::kNone;
  if (!request.relationship_id().empty()) {
    auto record = relationships_.Get(pool_, request.relationship_id());
    if (!record.ok()) return record.status();
    auto viewer = Viewer(*record, call.caller);
    if (!viewer.ok()) return viewer.status();
    party = *viewer;
    reviews = reviews_.OfRelationship(pool_, request.relationship_id(), request.state(), *after, *size + 1);
  } else if (!request.programme_id().empty()) {
    if (auto allowed = RequireAdmin(call.caller); !allowed.ok()) return allowed;
    reviews = reviews_.OfProgramme(pool_, request.programme_id(), request.state(), *after, *size + 1);
  } else {
    return errors::InvalidArgument("relationship_id", "required", "name a relationship or a programme");
  }
  if (!reviews.ok()) return reviews.status();
  v1::ListReviewsResponse response;
  for (size_t i = 0; i < reviews->size() && i < static_cast<size_t>(*size); ++i) {
    *response.add_reviews() = ReviewView(std::move((*reviews)[i]), party);
  }
  if (reviews->size() > static_cast<size_t>(*size)) {
    const v1::Review& last = response.reviews(*size - 1);
    response.set_next_page_token(PageToken({Micros(FromTimestamp(last.opened_at())), last.review_id()}));
  }
  return response;
}

absl::StatusOr<v1::Review> ReviewsApp::AnswerReview(const CallContext& call, const v1::AnswerReviewRequest& request) {
  if (auto valid = ValidateReviewAnswer(request); !valid.ok()) return valid;
  auto review_id = reviews_.Get(pool_, request.review_id());  // to find the relationship to lock first
  if (!review_id.ok()) return review_id.status();
  const std::string relationship_id = review_id->relationship_id();
  auto answered = pg::InTransaction(pool_, [&](pg::Transaction& txn) -> absl::StatusOr<v1::Review> {
    auto record = relationships_.GetForUpdate(txn, relationship_id);
    if (!record.ok()) return record.status();
    const Party party = PartyOf(*record, call.caller);
    if (party == Party::kNone) return errors::PermissionDenied("only the two people of the relationship answer it");
    auto review = reviews_.GetForUpdate(txn, request.review_id());
    if (!review.ok()) return review.status();
    if (request.expected_version() != 0 && request.expected_version() != review->version()) {
      return errors::VersionConflict("review", request.expected_version(), review->version());
    }
    if (review->state() != v1::REVIEW_STATE_OPEN) {
      return errors::FailedPrecondition("REVIEW_SETTLED",
                                        absl::StrCat("the review is already ", v1::ReviewState_Name(review->state())));
    }
    v1::ReviewAnswer* mine =
        party == Party::kMentee ? review->mutable_mentee_answer() : review->mutable_mentor_answer();
    if (mine->answer() != common::v1::REVIEW_OUTCOME_UNSPECIFIED) {
      return errors::FailedPrecondition("ALREADY_ANSWERED", "you already answered this review");
    }
    mine->set_answer(request.answer());
    mine->set_closure_reason(request.closure_reason());
    mine->set_comment(request.comment());
    SetTimestamp(mine->mutable_answered_at(), assessor_.clock().Now());
    auto asked =
        asks_.Answer(txn, events::v1::ASK_KIND_REVIEW, review->review_id(), call.caller.id, assessor_.clock().Now());
    if (!asked.ok()) return asked.status();
    std::vector<EventEnvelope> events;
    const auto outcome = CombineAnswers(review->mentee_answer(), review->mentor_answer());
    if (outcome == common::v1::REVIEW_OUTCOME_UNSPECIFIED) {
      review->set_version(review->version() + 1);
      if (auto saved = reviews_.Save(txn, *review); !saved.ok()) return saved;
    } else {
      const auto reason = ClosureReasonOf(review->mentee_answer(), review->mentor_answer());
      if (auto settled = assessor_.SettleReview(txn, *record, *review, outcome, reason, events, &call); !settled.ok()) {
        return settled;
      }
    }
    if (auto reassessed = assessor_.Reassess(txn, *record, std::move(events), &call); !reassessed.ok()) {
      return reassessed;
    }
    return ReviewView(std::move(*review), party);
  });
  return answered;
}

}  // namespace mentoring::evaluation
