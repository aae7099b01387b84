#include "series_rules.h"

#include <absl/strings/str_cat.h>

#include "mentoring/runtime/proto_time.h"

namespace mentoring::scheduling {
namespace {

v1::PlanningIssue Issue(v1::PlanningIssueKind kind, const std::string& detail,
                        std::optional<absl::CivilDay> date = {}) {
  v1::PlanningIssue issue;
  issue.set_kind(kind);
  issue.set_detail(detail);
  if (date) *issue.mutable_date() = ToDate(*date);
  return issue;
}

void AddIssues(v1::MeetingSeries& series, const std::vector<v1::PlanningIssue>& issues) {
  for (const auto& issue : issues) *series.add_issues() = issue;
  const int excess = series.issues_size() - kMaxIssues;
  if (excess > 0) series.mutable_issues()->DeleteSubrange(0, excess);
}

v1::MeetingSeries BaseSeries(const std::string& series_id, const std::string& relationship_id,
                             const std::string& organiser_id, const std::string& attendee_id, v1::SeriesKind kind,
                             absl::Time now) {
  v1::MeetingSeries series;
  series.set_series_id(series_id);
  series.set_relationship_id(relationship_id);
  series.set_kind(kind);
  series.set_state(v1::SERIES_STATE_ACTIVE);
  series.set_organiser_id(organiser_id);
  series.set_attendee_id(attendee_id);
  series.set_version(1);
  SetTimestamp(series.mutable_created_at(), now);
  return series;
}

}  // namespace

v1::MeetingSeries NewCadenceSeries(const std::string& series_id, const std::string& relationship_id,
                                   const std::string& organiser_id, const std::string& attendee_id,
                                   const events::v1::AgreementTerms& terms, const SeriesPlanner& planner,
                                   absl::Time now) {
  v1::MeetingSeries series =
      BaseSeries(series_id, relationship_id, organiser_id, attendee_id, v1::SERIES_KIND_CADENCE, now);
  series.set_agreement_version(terms.agreement_version());
  series.set_cadence_rrule(terms.cadence_rrule());
  series.set_meeting_minutes(terms.meeting_minutes());
  series.set_mode(terms.mode());
  series.set_cancellation_notice_hours(terms.cancellation_notice_hours());
  series.set_time_zone(planner.organiser().zone_name());
  *series.mutable_end_date() = terms.end_date();

  // From the agreement's start, or today in the organiser's zone if that is later.
  const absl::CivilDay today = absl::ToCivilDay(now + kFirstMeetingLead, planner.organiser().zone());
  absl::CivilDay from = IsSet(terms.start_date()) ? std::max(today, FromDate(terms.start_date())) : today;
  *series.mutable_first_date() = ToDate(from);
  *series.mutable_planned_through() = ToDate(from - 1);
  auto cadence = Cadence::Parse(terms.cadence_rrule());
  if (!cadence.ok()) {
    AddIssues(series, {Issue(v1::PLANNING_ISSUE_KIND_INVALID_CADENCE, std::string(cadence.status().message()))});
    return series;
  }
  if (!cadence->picks_days()) {
    // The rule repeats its first date's weekday or day of the month: start on a day that
    // suits both people.
    auto first = planner.FirstCommonDay(from);
    if (!first) {
      AddIssues(
          series,
          {Issue(v1::PLANNING_ISSUE_KIND_NO_COMMON_SLOT,
                 absl::StrCat("no ", terms.meeting_minutes(), "-minute slot in both people's weekly availability"))});
      return series;
    }
    from = *first;
  }
  const absl::CivilDay end = IsSet(terms.end_date()) ? FromDate(terms.end_date()) : from + 365;
  const auto dates = cadence->Dates(from, end, 0, kFirstDatesConsidered);
  if (dates.empty()) {
    AddIssues(series, {Issue(v1::PLANNING_ISSUE_KIND_INVALID_CADENCE, "the rule gives no date before the end date")});
    return series;
  }
  const auto minute = planner.SeriesMinute(dates);
  if (!minute) {
    AddIssues(series, {Issue(v1::PLANNING_ISSUE_KIND_NO_COMMON_SLOT,
                             absl::StrCat("no ", terms.meeting_minutes(),
                                          "-minute slot in both people's weekly availability on the rule's days"))});
    return series;
  }
  series.set_local_start_minute(*minute);
  *series.mutable_first_date() = ToDate(from);
  *series.mutable_planned_through() = ToDate(from - 1);
  return series;
}

v1::MeetingSeries NewAdHocSeries(const std::string& series_id, const std::string& relationship_id,
                                 const std::string& organiser_id, const std::string& attendee_id,
                                 const std::string& time_zone, absl::Time now) {
  v1::MeetingSeries series =
      BaseSeries(series_id, relationship_id, organiser_id, attendee_id, v1::SERIES_KIND_AD_HOC, now);
  series.set_time_zone(time_zone);
  return series;
}

PlannedStretch PlanThrough(v1::MeetingSeries& series, const SeriesPlanner& planner, absl::CivilDay through,
                           absl::Time not_before) {
  PlannedStretch stretch;
  auto cadence = Cadence::Parse(series.cadence_rrule());
  if (!cadence.ok() || !series.has_local_start_minute() || series.state() != v1::SERIES_STATE_ACTIVE) return stretch;
  const absl::CivilDay end = IsSet(series.end_date()) ? FromDate(series.end_date()) : through;
  const absl::CivilDay last = std::min(through, end);
  const absl::CivilDay first = FromDate(series.first_date());
  for (absl::CivilDay date : cadence->Dates(first, last, series.next_occurrence_index(), 10000)) {
    series.set_next_occurrence_index(series.next_occurrence_index() + 1);
    auto placement = planner.Place(date + series.day_offset(), series.local_start_minute(), not_before);
    if (!placement) {
      stretch.issues.push_back(Issue(v1::PLANNING_ISSUE_KIND_OCCURRENCE_UNPLACEABLE,
                                     absl::StrCat("no common slot within ", kSearchDays, " days of this date"), date));
      continue;
    }
    stretch.occurrences.push_back({date, placement->starts_at, placement->moved});
  }
  if (last > FromDate(series.planned_through())) *series.mutable_planned_through() = ToDate(last);
  AddIssues(series, stretch.issues);
  return stretch;
}

std::optional<Placement> Replace(const v1::MeetingSeries& series, const SeriesPlanner& planner,
                                 absl::CivilDay series_date, absl::Time not_before) {
  return planner.Place(series_date + series.day_offset(), series.local_start_minute(), not_before);
}

void EndSeries(v1::MeetingSeries& series, absl::Time now) {
  series.set_state(v1::SERIES_STATE_ENDED);
  SetTimestamp(series.mutable_ended_at(), now);
  series.set_version(series.version() + 1);
}

}  // namespace mentoring::scheduling
