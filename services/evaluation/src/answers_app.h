#pragma once
// Use cases of what people are asked and answer: what is pending for a person, feedback
// after a meeting (which also answers the rapport check after the second one), and the
// closure survey. Comments are returned to their author only.
#include <absl/status/statusor.h>

#include "answer_store.h"
#include "ask_store.h"
#include "assessor.h"
#include "meeting_store.h"
#include "mentoring/runtime/call_context.h"
#include "mentoring/runtime/postgres.h"
#include "relationship_store.h"

namespace mentoring::evaluation {

class AnswersApp {
 public:
  AnswersApp(pg::Pool& pool, const Assessor& assessor) : pool_(pool), assessor_(assessor) {}

  absl::StatusOr<v1::ListPendingItemsResponse> ListPendingItems(const CallContext& call,
                                                                const v1::ListPendingItemsRequest& request);
  absl::StatusOr<v1::Feedback> SubmitFeedback(const CallContext& call, const v1::SubmitFeedbackRequest& request);
  absl::StatusOr<v1::ListFeedbackResponse> ListFeedback(const CallContext& call,
                                                        const v1::ListFeedbackRequest& request);
  absl::StatusOr<v1::ClosureSurvey> SubmitClosureSurvey(const CallContext& call,
                                                        const v1::SubmitClosureSurveyRequest& request);
  absl::StatusOr<v1::ClosureSurvey> GetClosureSurvey(const CallContext& call,
                                                     const v1::GetClosureSurveyRequest& request);

 private:
  pg::Pool& pool_;
  const Assessor& assessor_;
  RelationshipStore relationships_;
  MeetingStore meetings_;
  AskStore asks_;
  AnswerStore answers_;
};

}  // namespace mentoring::evaluation
