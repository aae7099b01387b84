#pragma once
// Persistence of what people answer: the only code that knows the feedback, closure_surveys
// and programme_aggregates tables. Every answer names who gave it, so an erasure deletes a
// person's answers by their id; the programme aggregates are sums and counts only, and stay.
#include <absl/status/statusor.h>

#include <optional>
#include <string>
#include <vector>

#include "evaluation_rules.h"
#include "mentoring/runtime/postgres.h"

namespace mentoring::evaluation {

// Means over every rating given in a relationship (absent when nobody rated a meeting).
struct RatingMeans {
  std::optional<double> rapport;
  std::optional<double> usefulness;
};

// A programme's anonymous aggregates.
struct ProgrammeAggregates {
  int64_t feedback_count = 0;
  int64_t rapport_sum = 0;
  int64_t usefulness_sum = 0;
  int64_t survey_count = 0;
  int64_t outcome_sum = 0;
  int64_t promoters = 0;
  int64_t detractors = 0;
};

class AnswerStore {
 public:
  // ALREADY_EXISTS when the person already rated the meeting.
  absl::Status InsertFeedback(pg::Executor& db, const v1::Feedback& feedback) const;
  // The person's feedback in a relationship, by meeting number after `after` (number, meeting id).
  absl::StatusOr<std::vector<v1::Feedback>> FeedbackOf(pg::Executor& db, const std::string& relationship_id,
                                                       const std::string& person_id,
                                                       const std::optional<PageKey>& after, int limit) const;
  // Every party's feedback on one meeting (the rapport check reads the second's).
  absl::StatusOr<std::vector<v1::Feedback>> FeedbackOnMeeting(pg::Executor& db, const std::string& meeting_id) const;
  absl::StatusOr<RatingMeans> MeansOf(pg::Executor& db, const std::string& relationship_id) const;

  // ALREADY_EXISTS when the person already answered the relationship's survey.
  absl::Status InsertSurvey(pg::Executor& db, const v1::ClosureSurvey& survey) const;
  absl::StatusOr<std::optional<v1::ClosureSurvey>> FindSurvey(pg::Executor& db, const std::string& relationship_id,
                                                              const std::string& person_id) const;

  // Adds an answer to its programme's sums (no programme: nothing to add to).
  absl::Status CountFeedback(pg::Executor& db, const std::string& programme_id, const v1::Feedback& feedback) const;
  absl::Status CountSurvey(pg::Executor& db, const std::string& programme_id, const v1::ClosureSurvey& survey) const;
  absl::StatusOr<ProgrammeAggregates> AggregatesOf(pg::Executor& db, const std::string& programme_id) const;

  // The person's feedback (comments included) and survey answers (an erasure).
  absl::Status DeleteAllOf(pg::Executor& db, const std::string& person_id) const;
};

}  // namespace mentoring::evaluation
