#include "matching_rules.h"

#include <absl/strings/numbers.h>
#include <absl/strings/str_cat.h>
#include <absl/strings/str_split.h>

#include "mentoring/runtime/errors.h"

namespace mentoring::matching {
namespace {

using common::v1::Date;
using errors::Violations;

bool ValidDate(const Date& d) {
  if (d.year() < 1970 || d.year() > 9999 || d.month() < 1 || d.month() > 12 || d.day() < 1) return false;
  const absl::CivilDay day(d.year(), d.month(), d.day());
  return day.month() == d.month() && day.day() == d.day();  // rejects 31 February
}

bool IsSet(const Date& d) { return d.year() != 0 || d.month() != 0 || d.day() != 0; }

absl::CivilDay ToDay(const Date& d) { return absl::CivilDay(d.year(), d.month(), d.day()); }

void Range(Violations& v, const std::string& field, int64_t value, int64_t low, int64_t high) {
  if (value < low || value > high) {
    v.Add(field, absl::StrCat("range_", low, "_", high), absl::StrCat("must be between ", low, " and ", high));
  }
}

void CheckRrule(Violations& v, const std::string& field, const std::string& rrule, bool required) {
  if (rrule.empty()) {
    if (required) v.Add(field, "required", "a cadence rule is required, e.g. FREQ=MONTHLY");
    return;
  }
  if (!MeetingsPerMonth(rrule).ok()) {
    v.Add(field, "rrule", "must be an RFC 5545 rule with FREQ=DAILY|WEEKLY|MONTHLY|YEARLY and an optional INTERVAL");
  }
}

absl::Status Denied(const std::string& what) { return errors::PermissionDenied(what); }

absl::Status WrongState(const v1::Relationship& r, const std::string& action) {
  return errors::FailedPrecondition("INVALID_TRANSITION", absl::StrCat("cannot ", action, " a relationship that is ",
                                                                       v1::RelationshipState_Name(r.state())));
}

}  // namespace

Date ToDate(absl::CivilDay day) {
  Date d;
  d.set_year(static_cast<int32_t>(day.year()));
  d.set_month(day.month());
  d.set_day(day.day());
  return d;
}

bool IsAdmin(const Caller& caller) { return caller.Has(roles::kProgrammeAdmin) || caller.IsService(); }

absl::Status RequireAdmin(const Caller& caller) {
  return caller.Has(roles::kProgrammeAdmin) ? absl::OkStatus() : Denied("programme admins only");
}

absl::Status RequireSelfOrAdmin(const Caller& caller, const std::string& person_id, const char* what) {
  if (caller.id == person_id || IsAdmin(caller)) return absl::OkStatus();
  return Denied(absl::StrCat(what, ": only the person themself or a programme admin"));
}

absl::StatusOr<Rate> MeetingsPerMonth(const std::string& rrule) {
  std::string freq;
  int64_t interval = 1;
  for (absl::string_view part : absl::StrSplit(rrule, ';')) {
    std::vector<std::string> kv = absl::StrSplit(part, absl::MaxSplits('=', 1));
    if (kv.size() != 2 || kv[1].empty()) return absl::InvalidArgumentError("malformed rule part");
    if (kv[0] == "FREQ") {
      freq = kv[1];
    } else if (kv[0] == "INTERVAL") {
      if (!absl::SimpleAtoi(kv[1], &interval) || interval < 1 || interval > 52) {
        return absl::InvalidArgumentError("INTERVAL must be 1..52");
      }
    } else if (kv[0] != "BYDAY" && kv[0] != "BYMONTHDAY" && kv[0] != "BYSETPOS" && kv[0] != "WKST") {
      return absl::InvalidArgumentError("unsupported rule part");
    }
  }
  // Per month: daily 365/12, weekly 52/12, monthly 1, yearly 1/12; divided by the interval.
  if (freq == "DAILY") return Rate{365, 12 * interval};
  if (freq == "WEEKLY") return Rate{52, 12 * interval};
  if (freq == "MONTHLY") return Rate{1, interval};
  if (freq == "YEARLY") return Rate{1, 12 * interval};
  return absl::InvalidArgumentError("FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY");
}

absl::Status NormaliseProgramme(v1::Programme& p) {
  auto& d = *p.mutable_agreement_defaults();
  if (d.cadence_rrule().empty()) d.set_cadence_rrule("FREQ=MONTHLY");
  if (d.meeting_minutes() == 0) d.set_meeting_minutes(60);
  if (d.mode() == common::v1::MEETING_MODE_UNSPECIFIED) d.set_mode(common::v1::MEETING_MODE_VIDEO);
  if (d.duration_months() == 0) d.set_duration_months(6);
  if (d.cancellation_notice_hours() == 0) d.set_cancellation_notice_hours(24);
  if (d.review_after_meetings() == 0) d.set_review_after_meetings(4);
  if (d.mentee_time_share_percent() == 0) d.set_mentee_time_share_percent(80);
  if (p.max_pending_requests_per_mentee() == 0) p.set_max_pending_requests_per_mentee(3);
  auto& policy = *p.mutable_policy();
  if (!policy.has_weights()) {
    const MatchPolicy defaults;
    auto& w = *policy.mutable_weights();
    w.set_goal_focus(defaults.weights[0]);
    w.set_skills(defaults.weights[1]);
    w.set_level_gap(defaults.weights[2]);
    w.set_cross_boundary(defaults.weights[3]);
    w.set_languages(defaults.weights[4]);
    w.set_availability_overlap(defaults.weights[5]);
    w.set_meeting_modes(defaults.weights[6]);
  }
  if (policy.max_time_zone_difference_hours() == 0) policy.set_max_time_zone_difference_hours(12);
  if (policy.wanted_overlap_hours_per_week() == 0) policy.set_wanted_overlap_hours_per_week(4);
  if (policy.wanted_level_gap_min() == 0 && policy.wanted_level_gap_max() == 0) {
    policy.set_wanted_level_gap_min(std::max(policy.min_level_gap(), 1));
    policy.set_wanted_level_gap_max(std::max(policy.min_level_gap(), 1) + 2);
  }

  Violations v;
  if (p.name().empty()) v.Add("programme.name", "required", "a programme needs a name");
  if (p.name().size() > 200) v.Add("programme.name", "max_length", "must be at most 200 bytes");
  if (p.type() == common::v1::PROGRAMME_TYPE_UNSPECIFIED) {
    v.Add("programme.type", "required", "ONE_TO_ONE or REVERSE (group circles are not supported)");
  }
  if (!ValidDate(p.start_date())) v.Add("programme.start_date", "date", "must be a valid calendar date");
  if (!ValidDate(p.end_date())) v.Add("programme.end_date", "date", "must be a valid calendar date");
  if (ValidDate(p.start_date()) && ValidDate(p.end_date()) && ToDay(p.end_date()) <= ToDay(p.start_date())) {
    v.Add("programme.end_date", "after_start", "must be after the start date");
  }
  CheckRrule(v, "programme.agreement_defaults.cadence_rrule", d.cadence_rrule(), true);
  Range(v, "programme.agreement_defaults.meeting_minutes", d.meeting_minutes(), 15, 240);
  Range(v, "programme.agreement_defaults.duration_months", d.duration_months(), 1, 36);
  Range(v, "programme.agreement_defaults.cancellation_notice_hours", d.cancellation_notice_hours(), 0, 336);
  Range(v, "programme.agreement_defaults.review_after_meetings", d.review_after_meetings(), 1, 52);
  Range(v, "programme.agreement_defaults.mentee_time_share_percent", d.mentee_time_share_percent(), 0, 100);
  Range(v, "programme.max_pending_requests_per_mentee", p.max_pending_requests_per_mentee(), 1, 20);
  const auto& w = policy.weights();
  const int32_t weights[] = {w.goal_focus(),     w.skills(),    w.level_gap(),
                             w.cross_boundary(), w.languages(), w.availability_overlap(),
                             w.meeting_modes()};
  int64_t total = 0;
  for (int c = 0; c < kCriteria; ++c) {
    Range(v, absl::StrCat("programme.policy.weights.", CriterionName(static_cast<Criterion>(c))), weights[c], 0, 1000);
    total += weights[c];
  }
  if (total < 1 || total > 1000) {
    v.Add("programme.policy.weights", "sum_1_1000", "the weights must add up to between 1 and 1000");
  }
  Range(v, "programme.policy.min_level_gap", policy.min_level_gap(), 0, 14);
  Range(v, "programme.policy.wanted_level_gap_min", policy.wanted_level_gap_min(), 0, 14);
  Range(v, "programme.policy.wanted_level_gap_max", policy.wanted_level_gap_max(), 0, 14);
  if (policy.wanted_level_gap_max() < policy.wanted_level_gap_min()) {
    v.Add("programme.policy.wanted_level_gap_max", "not_below_min", "must be at least wanted_level_gap_min");
  }
  Range(v, "programme.policy.max_time_zone_difference_hours", policy.max_time_zone_difference_hours(), 0, 12);
  Range(v, "programme.policy.wanted_overlap_hours_per_week", policy.wanted_overlap_hours_per_week(), 1, 40);
  Range(v, "programme.policy.extra_seat_cost", policy.extra_seat_cost(), 0, 1000);
  return v.ToStatus();
}

absl::Status ValidateEnrollment(const v1::Enrollment& e) {
  Violations v;
  if (e.programme_id().empty()) v.Add("enrollment.programme_id", "required", "name the programme");
  if (e.person_id().empty()) v.Add("enrollment.person_id", "required", "name the person");
  if (e.role() == v1::PARTICIPANT_ROLE_UNSPECIFIED || !v1::ParticipantRole_IsValid(e.role())) {
    v.Add("enrollment.role", "required", "MENTEE or MENTOR");
  }
  if (!e.consent()) v.Add("enrollment.consent", "must_be_true", "taking part needs the person's consent");
  Range(v, "enrollment.hours_per_month", e.hours_per_month(), 1, 40);
  CheckRrule(v, "enrollment.cadence_rrule", e.cadence_rrule(), false);
  return v.ToStatus();
}

absl::Status ValidateAgreement(const v1::Agreement& a, const std::string& field) {
  Violations v;
  if (a.focus_areas().empty()) v.Add(field + ".focus_areas", "required", "at least one focus area");
  for (int i = 0; i < a.focus_areas_size(); ++i) {
    if (a.focus_areas(i) == common::v1::FOCUS_AREA_UNSPECIFIED || !common::v1::FocusArea_IsValid(a.focus_areas(i))) {
      v.Add(absl::StrCat(field, ".focus_areas[", i, "]"), "focus_area", "must name a known focus area");
    }
  }
  if (a.goal_ids_size() > 5) v.Add(field + ".goal_ids", "max_5", "a development plan has at most 5 active goals");
  CheckRrule(v, field + ".cadence_rrule", a.cadence_rrule(), true);
  Range(v, field + ".meeting_minutes", a.meeting_minutes(), 15, 240);
  if (a.mode() == common::v1::MEETING_MODE_UNSPECIFIED || !common::v1::MeetingMode_IsValid(a.mode())) {
    v.Add(field + ".mode", "meeting_mode", "name a known meeting mode");
  }
  Range(v, field + ".cancellation_notice_hours", a.cancellation_notice_hours(), 0, 336);
  if (!ValidDate(a.start_date())) v.Add(field + ".start_date", "date", "must be a valid calendar date");
  if (!ValidDate(a.end_date())) v.Add(field + ".end_date", "date", "every relationship has an end date");
  if (ValidDate(a.start_date()) && ValidDate(a.end_date()) && ToDay(a.end_date()) <= ToDay(a.start_date())) {
    v.Add(field + ".end_date", "after_start", "must be after the start date");
  }
  if (a.review_after_meetings() == 0 && !IsSet(a.review_date())) {
    v.Add(field + ".review_after_meetings", "review_trigger", "set a review after N meetings or a review date");
  }
  Range(v, field + ".review_after_meetings", a.review_after_meetings(), 0, 52);
  if (IsSet(a.review_date()) && !ValidDate(a.review_date())) {
    v.Add(field + ".review_date", "date", "must be a valid calendar date");
  }
  Range(v, field + ".mentee_time_share_percent", a.mentee_time_share_percent(), 0, 100);
  if (a.mentee_role().size() > 2000) v.Add(field + ".mentee_role", "max_length", "must be at most 2000 bytes");
  if (a.mentor_role().size() > 2000) v.Add(field + ".mentor_role", "max_length", "must be at most 2000 bytes");
  if (a.expectations().size() > 5000) v.Add(field + ".expectations", "max_length", "must be at most 5000 bytes");
  return v.ToStatus();
}

absl::Status ValidateRequest(const v1::MentorshipRequest& r) {
  Violations v;
  if (r.mentee_id().empty()) v.Add("request.mentee_id", "required", "name the mentee");
  if (r.mentor_id().empty()) v.Add("request.mentor_id", "required", "name the mentor asked");
  if (!r.mentee_id().empty() && r.mentee_id() == r.mentor_id()) {
    v.Add("request.mentor_id", "not_self", "a person cannot mentor themself");
  }
  if (r.focus_areas().empty()) v.Add("request.focus_areas", "required", "say what the mentoring is for");
  for (int i = 0; i < r.focus_areas_size(); ++i) {
    if (r.focus_areas(i) == common::v1::FOCUS_AREA_UNSPECIFIED || !common::v1::FocusArea_IsValid(r.focus_areas(i))) {
      v.Add(absl::StrCat("request.focus_areas[", i, "]"), "focus_area", "must name a known focus area");
    }
  }
  if (r.message().size() > 2000) v.Add("request.message", "max_length", "must be at most 2000 bytes");
  return v.ToStatus();
}

absl::Status ValidateResumeBy(const common::v1::Date& resume_by, absl::CivilDay today) {
  if (!IsSet(resume_by)) return absl::OkStatus();  // paused until further notice
  if (!ValidDate(resume_by)) return errors::InvalidArgument("resume_by", "date", "must be a valid calendar date");
  if (ToDay(resume_by) < today) return errors::InvalidArgument("resume_by", "not_past", "must not be in the past");
  return absl::OkStatus();
}

int SeatsFor(const v1::Enrollment& mentor, const v1::Programme& programme) {
  const auto& defaults = programme.agreement_defaults();
  auto rate = MeetingsPerMonth(mentor.cadence_rrule().empty() ? defaults.cadence_rrule() : mentor.cadence_rrule());
  if (!rate.ok() || defaults.meeting_minutes() <= 0) return 0;
  // seats = hours·60 / (minutes per meeting · meetings per month), rounded down.
  const int64_t available = int64_t{mentor.hours_per_month()} * 60 * rate->den;
  const int64_t per_mentee = int64_t{defaults.meeting_minutes()} * rate->num;
  return per_mentee == 0 ? 0 : static_cast<int>(available / per_mentee);
}

int FreeSeats(int programme_seats, const SeatLoad& load, const Candidate& mentor) {
  const int own = mentor.max_active_mentees - load.open_total;
  const int in_programme = programme_seats < 0 ? own : programme_seats - load.open_in_programme;
  return std::max(0, std::min(own, in_programme));
}

MatchPolicy PolicyOf(const v1::Programme& programme) {
  const auto& p = programme.policy();
  MatchPolicy policy;
  policy.reverse = programme.type() == common::v1::PROGRAMME_TYPE_REVERSE;
  policy.weights = {p.weights().goal_focus(),     p.weights().skills(),    p.weights().level_gap(),
                    p.weights().cross_boundary(), p.weights().languages(), p.weights().availability_overlap(),
                    p.weights().meeting_modes()};
  policy.min_level_gap = p.min_level_gap();
  policy.wanted_gap_min = p.wanted_level_gap_min();
  policy.wanted_gap_max = p.wanted_level_gap_max();
  policy.max_time_zone_difference_hours = p.max_time_zone_difference_hours();
  policy.require_cross_department = p.require_cross_department();
  policy.require_shared_language = p.require_shared_language();
  policy.wanted_overlap_hours = p.wanted_overlap_hours_per_week();
  return policy;
}

PairScorer RequestScorer(const v1::Programme* programme, const PeopleIndex& people) {
  MatchPolicy policy = programme ? PolicyOf(*programme) : MatchPolicy{};
  if (programme == nullptr) {
    policy.min_level_gap = -100;
    policy.require_shared_language = false;
  }
  return PairScorer(policy, people);
}

FocusMask FocusOfRequest(const v1::MentorshipRequest& request) {
  FocusMask areas = 0;
  for (int area : request.focus_areas()) areas |= FocusBit(static_cast<common::v1::FocusArea>(area));
  return areas;
}

v1::Agreement DefaultAgreement(const v1::Programme* programme, absl::CivilDay today,
                               const std::vector<common::v1::FocusArea>& focus_areas) {
  v1::Programme informal;  // the suite's defaults for mentoring outside a programme
  if (programme == nullptr) {
    NormaliseProgramme(informal).IgnoreError();  // only the defaults are wanted here
    programme = &informal;
  }
  const auto& d = programme->agreement_defaults();
  v1::Agreement a;
  a.set_version(1);
  for (auto area : focus_areas) a.add_focus_areas(area);
  a.set_mentee_role("sets the agenda and sends it a week before each meeting");
  a.set_mentor_role("listens, asks, shares experience; keeps what is said confidential");
  a.set_cadence_rrule(d.cadence_rrule());
  a.set_meeting_minutes(d.meeting_minutes());
  a.set_mode(d.mode());
  a.set_cancellation_notice_hours(d.cancellation_notice_hours());
  absl::CivilDay start = today;
  if (IsSet(programme->start_date()) && ValidDate(programme->start_date())) {
    start = std::max(today, ToDay(programme->start_date()));
  }
  *a.mutable_start_date() = ToDate(start);
  const absl::CivilMonth end_month = absl::CivilMonth(start) + d.duration_months();
  *a.mutable_end_date() = ToDate(absl::CivilDay(end_month.year(), end_month.month(), std::min(start.day(), 28)));
  a.set_review_after_meetings(d.review_after_meetings());
  a.set_mentee_time_share_percent(d.mentee_time_share_percent());
  a.set_confidential(true);
  return a;
}

Party PartyOf(const v1::Relationship& r, const Caller& caller) {
  if (caller.id.empty() || caller.IsService()) return Party::kNone;
  if (caller.id == r.mentee_id()) return Party::kMentee;
  if (caller.id == r.mentor_id()) return Party::kMentor;
  return Party::kNone;
}

bool IsOpen(v1::RelationshipState state) {
  return state == v1::RELATIONSHIP_STATE_PROPOSED || state == v1::RELATIONSHIP_STATE_ACTIVE ||
         state == v1::RELATIONSHIP_STATE_PAUSED;
}

absl::StatusOr<v1::RelationshipView> ViewFor(const v1::Relationship& r, const Caller& caller,
                                             v1::RelationshipView asked) {
  const bool member = PartyOf(r, caller) != Party::kNone;
  const bool overseer = caller.Has(roles::kProgrammeAdmin) || caller.IsService();
  if (asked == v1::RELATIONSHIP_VIEW_FULL && !member) {
    return Denied("the full relationship (notes, expectations, closure reason) is visible only to its two people");
  }
  if (member) return asked == v1::RELATIONSHIP_VIEW_SUMMARY ? asked : v1::RELATIONSHIP_VIEW_FULL;
  if (overseer) return v1::RELATIONSHIP_VIEW_SUMMARY;
  return Denied("only the two people in a relationship and programme admins may see it");
}

void Redact(v1::Relationship& r) {
  r.mutable_agreement()->clear_expectations();
  r.mutable_agreement()->clear_goal_ids();  // goals are the mentee's; their text stays in profiles
  r.mutable_agreement()->clear_mentee_role();
  r.mutable_agreement()->clear_mentor_role();
  if (r.has_pending_amendment()) {
    r.mutable_pending_amendment()->clear_expectations();
    r.mutable_pending_amendment()->clear_goal_ids();
    r.mutable_pending_amendment()->clear_mentee_role();
    r.mutable_pending_amendment()->clear_mentor_role();
  }
  r.clear_closure_note();
  r.set_view(v1::RELATIONSHIP_VIEW_SUMMARY);
}

void RedactRequest(v1::MentorshipRequest& r) {
  r.clear_message();
  r.clear_decline_reason();
}

absl::Status CheckAccept(const v1::Relationship& r, Party party, int32_t agreement_version) {
  if (party == Party::kNone) return Denied("only the mentee and the mentor accept their agreement");
  if (r.state() == v1::RELATIONSHIP_STATE_PROPOSED) {
    if (agreement_version != r.agreement().version()) {
      return errors::FailedPrecondition("AGREEMENT_CHANGED", absl::StrCat("the agreement is at version ",
                                                                          r.agreement().version(), "; read it again"));
    }
    return absl::OkStatus();
  }
  if ((r.state() == v1::RELATIONSHIP_STATE_ACTIVE || r.state() == v1::RELATIONSHIP_STATE_PAUSED) &&
      r.has_pending_amendment()) {
    if (agreement_version != r.pending_amendment().version()) {
      return errors::FailedPrecondition(
          "AGREEMENT_CHANGED", absl::StrCat("the pending amendment is version ", r.pending_amendment().version()));
    }
    return absl::OkStatus();
  }
  return WrongState(r, "accept an agreement for");
}

absl::Status CheckDecline(const v1::Relationship& r, Party party) {
  if (party == Party::kNone) return Denied("only the mentee and the mentor may decline their match");
  if (r.state() != v1::RELATIONSHIP_STATE_PROPOSED) return WrongState(r, "decline");
  return absl::OkStatus();
}

absl::Status CheckPause(const v1::Relationship& r, Party party) {
  if (party == Party::kNone) return Denied("only the mentee and the mentor may pause their relationship");
  if (r.state() != v1::RELATIONSHIP_STATE_ACTIVE) return WrongState(r, "pause");
  return absl::OkStatus();
}

absl::Status CheckResume(const v1::Relationship& r, Party party) {
  if (party == Party::kNone) return Denied("only the mentee and the mentor may resume their relationship");
  if (r.state() != v1::RELATIONSHIP_STATE_PAUSED) return WrongState(r, "resume");
  return absl::OkStatus();
}

absl::Status CheckAmend(const v1::Relationship& r, Party party) {
  if (party == Party::kNone) return Denied("only the mentee and the mentor may amend their agreement");
  if (r.state() != v1::RELATIONSHIP_STATE_ACTIVE && r.state() != v1::RELATIONSHIP_STATE_PAUSED) {
    return WrongState(r, "amend the agreement of");
  }
  return absl::OkStatus();
}

absl::Status CheckClose(const v1::Relationship& r, Party party, const Caller& caller) {
  if (party == Party::kNone && !caller.Has(roles::kProgrammeAdmin) && !caller.IsService()) {
    return Denied("only the mentee, the mentor or a programme admin may close a relationship");
  }
  if (!IsOpen(r.state())) return WrongState(r, "close");
  return absl::OkStatus();
}

absl::Status CheckAlumni(const v1::Relationship& r, Party party) {
  if (party == Party::kNone) return Denied("only the mentee and the mentor may keep in touch as alumni");
  if (r.state() != v1::RELATIONSHIP_STATE_CLOSED) return WrongState(r, "move to alumni");
  return absl::OkStatus();
}

}  // namespace mentoring::matching
