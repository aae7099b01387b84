#include "programmes_app.h"

#include <cmath>

#include "mentoring/runtime/errors.h"
#include "mentoring/runtime/ids.h"

namespace mentoring::evaluation {
namespace {

absl::Status RequireProgrammeId(const std::string& field, const std::string& programme_id) {
  if (programme_id.empty()) return errors::InvalidArgument(field, "required", "name the programme");
  if (!IsUuid(programme_id)) return errors::InvalidArgument(field, "uuid", "a programme id is a UUID");
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<v1::RelationshipHealth> ProgrammesApp::GetRelationshipHealth(
    const CallContext& call, const v1::GetRelationshipHealthRequest& request) {
  auto record = relationships_.Get(pool_, request.relationship_id());
  if (!record.ok()) return record.status();
  if (PartyOf(*record, call.caller) != Party::kNone) return record->health();
  if (IsAdmin(call.caller)) return record->admin_health();
  return errors::PermissionDenied("a relationship's health is for its two people and programme admins");
}

absl::StatusOr<v1::ListRelationshipHealthResponse> ProgrammesApp::ListRelationshipHealth(
    const CallContext& call, const v1::ListRelationshipHealthRequest& request) {
  if (auto allowed = RequireAdmin(call.caller); !allowed.ok()) return allowed;
  if (auto valid = RequireProgrammeId("programme_id", request.programme_id()); !valid.ok()) return valid;
  auto size = PageSize(request.page_size());
  if (!size.ok()) return size.status();
  auto after = ParsePageToken(request.page_token());
  if (!after.ok()) return after.status();
  auto records = relationships_.OfProgramme(pool_, request.programme_id(), request.bucket(), *after ? (*after)->id : "",
                                            *size + 1);
  if (!records.ok()) return records.status();
  v1::ListRelationshipHealthResponse response;
  for (size_t i = 0; i < records->size() && i < static_cast<size_t>(*size); ++i) {
    *response.add_relationships() = (*records)[i].admin_health();
  }
  if (records->size() > static_cast<size_t>(*size)) {
    response.set_next_page_token(PageToken({0, (*records)[*size - 1].relationship_id()}));
  }
  return response;
}

absl::StatusOr<v1::ProgrammeSettings> ProgrammesApp::GetProgrammeSettings(
    const CallContext&, const v1::GetProgrammeSettingsRequest& request) {
  if (auto valid = RequireProgrammeId("programme_id", request.programme_id()); !valid.ok()) return valid;
  return settings_.SettingsOf(pool_, request.programme_id());
}

absl::StatusOr<v1::ProgrammeSettings> ProgrammesApp::UpdateProgrammeSettings(
    const CallContext& call, const v1::UpdateProgrammeSettingsRequest& request) {
  if (auto allowed = RequireAdmin(call.caller); !allowed.ok()) return allowed;
  if (auto valid = ValidateSettings(request.settings()); !valid.ok()) return valid;
  const std::string& programme_id = request.settings().programme_id();
  if (auto valid = RequireProgrammeId("settings.programme_id", programme_id); !valid.ok()) return valid;
  return pg::InTransaction(pool_, [&](pg::Transaction& txn) -> absl::StatusOr<v1::ProgrammeSettings> {
    auto current = settings_.Find(txn, programme_id);
    if (!current.ok()) return current.status();
    const int64_t version = current->has_value() ? (*current)->version() : 0;
    if (request.expected_version() != version) {
      return errors::VersionConflict("programme settings", request.expected_version(), version);
    }
    v1::ProgrammeSettings updated = WithDefaults(request.settings());
    updated.set_version(version + 1);
    SetTimestamp(updated.mutable_updated_at(), clock_.Now());
    if (version == 0) {
      // Two admins setting a programme's first settings at once: one insert wins, the
      // other is told to re-read.
      auto inserted = settings_.Insert(txn, updated);
      if (inserted.code() == absl::StatusCode::kAlreadyExists) {
        return errors::VersionConflict("programme settings", 0, 1);
      }
      if (!inserted.ok()) return inserted;
      return updated;
    }
    if (auto locked = settings_.GetForUpdate(txn, programme_id); !locked.ok()) return locked.status();
    if (auto saved = settings_.Save(txn, updated); !saved.ok()) return saved;
    return updated;
  });
}

absl::StatusOr<v1::ProgrammeSummary> ProgrammesApp::GetProgrammeSummary(const CallContext& call,
                                                                        const v1::GetProgrammeSummaryRequest& request) {
  if (auto allowed = RequireAdmin(call.caller); !allowed.ok()) return allowed;
  if (auto valid = RequireProgrammeId("programme_id", request.programme_id()); !valid.ok()) return valid;
  const std::string& id = request.programme_id();
  auto settings = settings_.SettingsOf(pool_, id);
  if (!settings.ok()) return settings.status();
  auto buckets = relationships_.CountByBucket(pool_, id);
  if (!buckets.ok()) return buckets.status();
  auto undecided = reviews_.CountUndecided(pool_, id);
  if (!undecided.ok()) return undecided.status();
  auto rated = relationships_.CountWithFeedback(pool_, id);
  if (!rated.ok()) return rated.status();
  auto sums = answers_.AggregatesOf(pool_, id);
  if (!sums.ok()) return sums.status();
  v1::ProgrammeSummary summary;
  summary.set_programme_id(id);
  int total = 0;
  for (int count : *buckets) total += count;
  summary.set_relationships(total);
  summary.set_healthy((*buckets)[v1::HEALTH_BUCKET_HEALTHY]);
  summary.set_watch((*buckets)[v1::HEALTH_BUCKET_WATCH]);
  summary.set_at_risk((*buckets)[v1::HEALTH_BUCKET_AT_RISK]);
  summary.set_too_early((*buckets)[v1::HEALTH_BUCKET_TOO_EARLY]);
  summary.set_reviews_undecided(*undecided);
  summary.set_min_group_size(settings->min_group_size());
  summary.set_relationships_with_feedback(*rated);
  // No rating of a small group: below the minimum, a mean would point at a pair.
  if (*rated >= settings->min_group_size() && sums->feedback_count > 0) {
    summary.set_ratings_shown(true);
    summary.set_mean_rapport(static_cast<double>(sums->rapport_sum) / static_cast<double>(sums->feedback_count));
    summary.set_mean_usefulness(static_cast<double>(sums->usefulness_sum) / static_cast<double>(sums->feedback_count));
  }
  summary.set_surveys(static_cast<int32_t>(sums->survey_count));
  if (sums->survey_count >= settings->min_group_size()) {
    summary.set_survey_shown(true);
    const double n = static_cast<double>(sums->survey_count);
    summary.set_mean_outcome_rating(static_cast<double>(sums->outcome_sum) / n);
    summary.set_net_promoter_score(
        static_cast<int32_t>(std::lround(100.0 * static_cast<double>(sums->promoters - sums->detractors) / n)));
  }
  return summary;
}

}  // namespace mentoring::evaluation
