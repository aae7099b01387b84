#include "answer_store.h"

#include <absl/strings/numbers.h>

#include "mentoring/runtime/errors.h"
#include "mentoring/runtime/store.h"

namespace mentoring::evaluation {
namespace {

constexpr char kInsertFeedback[] =
    "INSERT INTO feedback (meeting_id, person_id, relationship_id, occurrence, rapport, usefulness, comment, "
    "submitted_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
constexpr char kFeedbackColumns[] =
    "SELECT meeting_id, person_id, relationship_id, occurrence, rapport, usefulness, comment, "
    "(extract(epoch FROM submitted_at) * 1000000)::bigint FROM feedback ";
constexpr char kFeedbackOfWhere[] =
    "WHERE relationship_id = $1 AND person_id = $2 AND (occurrence, meeting_id) > ($3, $4) "
    "ORDER BY occurrence, meeting_id LIMIT $5";
constexpr char kFeedbackOnMeetingWhere[] = "WHERE meeting_id = $1 ORDER BY person_id";
constexpr char kMeans[] =
    "SELECT count(*), coalesce(avg(rapport), 0)::float8::text, "
    "coalesce(avg(usefulness), 0)::float8::text FROM feedback WHERE relationship_id = $1";
constexpr char kInsertSurvey[] = "INSERT INTO closure_surveys (relationship_id, person_id, body) VALUES ($1, $2, $3)";
constexpr char kFindSurvey[] = "SELECT body FROM closure_surveys WHERE relationship_id = $1 AND person_id = $2";
constexpr char kCountFeedback[] =
    "INSERT INTO programme_aggregates (programme_id, feedback_count, rapport_sum, usefulness_sum) "
    "VALUES ($1, 1, $2, $3) ON CONFLICT (programme_id) DO UPDATE SET "
    "feedback_count = programme_aggregates.feedback_count + 1, "
    "rapport_sum = programme_aggregates.rapport_sum + EXCLUDED.rapport_sum, "
    "usefulness_sum = programme_aggregates.usefulness_sum + EXCLUDED.usefulness_sum";
constexpr char kCountSurvey[] =
    "INSERT INTO programme_aggregates (programme_id, survey_count, outcome_sum, promoters, detractors) "
    "VALUES ($1, 1, $2, $3, $4) ON CONFLICT (programme_id) DO UPDATE SET "
    "survey_count = programme_aggregates.survey_count + 1, "
    "outcome_sum = programme_aggregates.outcome_sum + EXCLUDED.outcome_sum, "
    "promoters = programme_aggregates.promoters + EXCLUDED.promoters, "
    "detractors = programme_aggregates.detractors + EXCLUDED.detractors";
constexpr char kAggregates[] =
    "SELECT feedback_count, rapport_sum, usefulness_sum, survey_count, outcome_sum, promoters, detractors "
    "FROM programme_aggregates WHERE programme_id = $1";
constexpr char kDeleteFeedbackOf[] = "DELETE FROM feedback WHERE person_id = $1";
constexpr char kDeleteSurveysOf[] = "DELETE FROM closure_surveys WHERE person_id = $1";

absl::StatusOr<std::vector<v1::Feedback>> ReadFeedback(absl::StatusOr<pg::Result> rows) {
  if (!rows.ok()) return rows.status();
  std::vector<v1::Feedback> out;
  for (int i = 0; i < rows->rows(); ++i) {
    v1::Feedback& f = out.emplace_back();
    f.set_meeting_id(std::string(rows->Text(i, 0)));
    f.set_person_id(std::string(rows->Text(i, 1)));
    f.set_relationship_id(std::string(rows->Text(i, 2)));
    f.set_occurrence(static_cast<int32_t>(rows->Int(i, 3)));
    f.set_rapport(static_cast<int32_t>(rows->Int(i, 4)));
    f.set_usefulness(static_cast<int32_t>(rows->Int(i, 5)));
    f.set_comment(std::string(rows->Text(i, 6)));
    SetTimestamp(f.mutable_submitted_at(), absl::FromUnixMicros(rows->Int(i, 7)));
  }
  return out;
}

absl::StatusOr<double> Number(std::string_view text) {
  double value = 0;
  if (!absl::SimpleAtod(absl::string_view(text.data(), text.size()), &value)) {
    return absl::InternalError("a mean that is not a number");
  }
  return value;
}

}  // namespace

absl::Status AnswerStore::InsertFeedback(pg::Executor& db, const v1::Feedback& f) const {
  auto inserted =
      db.Exec(kInsertFeedback, {f.meeting_id(), f.person_id(), f.relationship_id(), f.occurrence(), f.rapport(),
                                f.usefulness(), f.comment(), Rfc3339(FromTimestamp(f.submitted_at()))});
  if (inserted.status().code() == absl::StatusCode::kAlreadyExists) {
    return errors::WithReason(absl::StatusCode::kAlreadyExists, "ALREADY_ANSWERED", "you already rated this meeting");
  }
  return inserted.status();
}

absl::StatusOr<std::vector<v1::Feedback>> AnswerStore::FeedbackOf(pg::Executor& db, const std::string& relationship_id,
                                                                  const std::string& person_id,
                                                                  const std::optional<PageKey>& after,
                                                                  int limit) const {
  return ReadFeedback(
      db.Exec(std::string(kFeedbackColumns) + kFeedbackOfWhere,
              {relationship_id, person_id, after ? after->key : int64_t{-1}, after ? after->id : "", limit}));
}

absl::StatusOr<std::vector<v1::Feedback>> AnswerStore::FeedbackOnMeeting(pg::Executor& db,
                                                                         const std::string& meeting_id) const {
  return ReadFeedback(db.Exec(std::string(kFeedbackColumns) + kFeedbackOnMeetingWhere, {meeting_id}));
}

absl::StatusOr<RatingMeans> AnswerStore::MeansOf(pg::Executor& db, const std::string& relationship_id) const {
  auto rows = db.Exec(kMeans, {relationship_id});
  if (!rows.ok()) return rows.status();
  RatingMeans means;
  if (rows->Int(0, 0) == 0) return means;
  auto rapport = Number(rows->Text(0, 1));
  auto usefulness = Number(rows->Text(0, 2));
  if (!rapport.ok()) return rapport.status();
  if (!usefulness.ok()) return usefulness.status();
  means.rapport = *rapport;
  means.usefulness = *usefulness;
  return means;
}

absl::Status AnswerStore::InsertSurvey(pg::Executor& db, const v1::ClosureSurvey& survey) const {
  auto inserted = db.Exec(kInsertSurvey,
                          {survey.relationship_id(), survey.person_id(), pg::Param::Bytes(survey.SerializeAsString())});
  if (inserted.status().code() == absl::StatusCode::kAlreadyExists) {
    return errors::WithReason(absl::StatusCode::kAlreadyExists, "ALREADY_ANSWERED",
                              "you already answered this relationship's closure survey");
  }
  return inserted.status();
}

absl::StatusOr<std::optional<v1::ClosureSurvey>> AnswerStore::FindSurvey(pg::Executor& db,
                                                                         const std::string& relationship_id,
                                                                         const std::string& person_id) const {
  auto rows = db.Exec(kFindSurvey, {relationship_id, person_id});
  if (!rows.ok()) return rows.status();
  if (rows->rows() == 0) return std::optional<v1::ClosureSurvey>();
  auto survey = pg::ParseColumn<v1::ClosureSurvey>(*rows, 0, 0, "closure survey");
  if (!survey.ok()) return survey.status();
  return std::optional<v1::ClosureSurvey>(std::move(*survey));
}

absl::Status AnswerStore::CountFeedback(pg::Executor& db, const std::string& programme_id,
                                        const v1::Feedback& feedback) const {
  if (programme_id.empty()) return absl::OkStatus();
  return db.Exec(kCountFeedback, {programme_id, feedback.rapport(), feedback.usefulness()}).status();
}

absl::Status AnswerStore::CountSurvey(pg::Executor& db, const std::string& programme_id,
                                      const v1::ClosureSurvey& survey) const {
  if (programme_id.empty()) return absl::OkStatus();
  const int promoter = survey.would_recommend() >= 9 ? 1 : 0;
  const int detractor = survey.would_recommend() <= 6 ? 1 : 0;
  return db.Exec(kCountSurvey, {programme_id, survey.outcome_rating(), promoter, detractor}).status();
}

absl::StatusOr<ProgrammeAggregates> AnswerStore::AggregatesOf(pg::Executor& db, const std::string& programme_id) const {
  auto rows = db.Exec(kAggregates, {programme_id});
  if (!rows.ok()) return rows.status();
  ProgrammeAggregates a;
  if (rows->rows() == 0) return a;
  a.feedback_count = rows->Int(0, 0);
  a.rapport_sum = rows->Int(0, 1);
  a.usefulness_sum = rows->Int(0, 2);
  a.survey_count = rows->Int(0, 3);
  a.outcome_sum = rows->Int(0, 4);
  a.promoters = rows->Int(0, 5);
  a.detractors = rows->Int(0, 6);
  return a;
}

absl::Status AnswerStore::DeleteAllOf(pg::Executor& db, const std::string& person_id) const {
  if (auto deleted = db.Exec(kDeleteFeedbackOf, {person_id}); !deleted.ok()) return deleted.status();
  return db.Exec(kDeleteSurveysOf, {person_id}).status();
}

}  // namespace mentoring::evaluation
