#include "evaluation_rules.h"

#include <absl/strings/escaping.h>
#include <absl/strings/numbers.h>
#include <absl/strings/str_cat.h>

#include <algorithm>

#include "mentoring/runtime/errors.h"

namespace mentoring::evaluation {
namespace {

using errors::Violations;

void Range(Violations& v, const std::string& field, int64_t value, int64_t low, int64_t high) {
  if (value < low || value > high) {
    v.Add(field, absl::StrCat("range_", low, "_", high), absl::StrCat("must be between ", low, " and ", high));
  }
}

void Text(Violations& v, const std::string& field, const std::string& text) {
  if (text.size() > kMaxText) v.Add(field, "max_length", absl::StrCat("at most ", kMaxText, " bytes"));
}

bool IsAnswer(common::v1::ReviewOutcome answer) {
  return answer == common::v1::REVIEW_OUTCOME_CONTINUE || answer == common::v1::REVIEW_OUTCOME_AMEND ||
         answer == common::v1::REVIEW_OUTCOME_END;
}

bool Settled(v1::ReviewState state) { return state == v1::REVIEW_STATE_DECIDED || state == v1::REVIEW_STATE_UNDECIDED; }

// Meetings by their number in the relationship (then id, so duplicates of a number, from a
// regenerated series, still sort the same way every time).
void ByOccurrence(std::vector<Meeting>& meetings) {
  std::sort(meetings.begin(), meetings.end(), [](const Meeting& a, const Meeting& b) {
    return a.occurrence != b.occurrence ? a.occurrence < b.occurrence : a.meeting_id < b.meeting_id;
  });
}

}  // namespace

// ---------------------------------------------------------------- who may do what

Party PartyOf(const v1::RelationshipRecord& r, const Caller& caller) {
  if (caller.id.empty() || caller.IsService()) return Party::kNone;
  if (caller.id == r.mentee_id()) return Party::kMentee;
  if (caller.id == r.mentor_id()) return Party::kMentor;
  return Party::kNone;
}

bool IsAdmin(const Caller& caller) { return caller.Has(roles::kProgrammeAdmin) || caller.IsService(); }

absl::Status RequireAdmin(const Caller& caller) {
  return IsAdmin(caller) ? absl::OkStatus() : errors::PermissionDenied("programme admins only");
}

absl::Status RequirePair(const v1::RelationshipRecord& r, const Caller& caller, const char* what) {
  if (PartyOf(r, caller) != Party::kNone) return absl::OkStatus();
  return errors::PermissionDenied(absl::StrCat(what, ": only the two people of the relationship"));
}

bool IsOpen(v1::RelationshipStatus status) {
  return status == v1::RELATIONSHIP_STATUS_ACTIVE || status == v1::RELATIONSHIP_STATUS_PAUSED;
}

// ---------------------------------------------------------------- settings

v1::ProgrammeSettings WithDefaults(v1::ProgrammeSettings s) {
  if (s.rapport_threshold() == 0) s.set_rapport_threshold(2);
  if (s.adherence_threshold_percent() == 0) s.set_adherence_threshold_percent(75);
  if (s.review_answer_days() == 0) s.set_review_answer_days(14);
  if (s.min_group_size() == 0) s.set_min_group_size(5);
  return s;
}

absl::Status ValidateSettings(const v1::ProgrammeSettings& s) {
  Violations v;
  if (s.programme_id().empty()) v.Add("settings.programme_id", "required", "name the programme");
  // 5 would make every rating low: the check could never come out fine.
  if (s.rapport_threshold() != 0) Range(v, "settings.rapport_threshold", s.rapport_threshold(), 1, 4);
  if (s.adherence_threshold_percent() != 0) {
    Range(v, "settings.adherence_threshold_percent", s.adherence_threshold_percent(), 1, 100);
  }
  if (s.review_answer_days() != 0) Range(v, "settings.review_answer_days", s.review_answer_days(), 1, 90);
  if (s.min_group_size() != 0) Range(v, "settings.min_group_size", s.min_group_size(), 2, 1000);
  return v.ToStatus();
}

// ---------------------------------------------------------------- answers

absl::Status ValidateFeedback(const v1::SubmitFeedbackRequest& r) {
  Violations v;
  if (r.meeting_id().empty()) v.Add("meeting_id", "required", "name the meeting");
  Range(v, "rapport", r.rapport(), 1, 5);
  Range(v, "usefulness", r.usefulness(), 1, 5);
  Text(v, "comment", r.comment());
  return v.ToStatus();
}

absl::Status ValidateSurvey(const v1::SubmitClosureSurveyRequest& r) {
  Violations v;
  if (r.relationship_id().empty()) v.Add("relationship_id", "required", "name the relationship");
  Range(v, "outcome_rating", r.outcome_rating(), 1, 5);
  Range(v, "satisfaction", r.satisfaction(), 1, 5);
  Range(v, "goals_achieved", r.goals_achieved(), 0, 5);
  Range(v, "would_recommend", r.would_recommend(), 0, 10);
  Text(v, "comment", r.comment());
  return v.ToStatus();
}

absl::Status NormaliseProgress(v1::RecordGoalProgressRequest& r) {
  Violations v;
  if (r.relationship_id().empty()) v.Add("relationship_id", "required", "name the relationship");
  if (r.goal_id().empty()) v.Add("goal_id", "required", "name one of the mentee's goals");
  Range(v, "progress_percent", r.progress_percent(), 0, 100);
  if (r.status() == common::v1::GOAL_STATUS_UNSPECIFIED) r.set_status(common::v1::GOAL_STATUS_ACTIVE);
  if (!common::v1::GoalStatus_IsValid(r.status())) {
    v.Add("status", "goal_status", "ACTIVE, ACHIEVED or ABANDONED");
  }
  if (r.status() == common::v1::GOAL_STATUS_ACHIEVED) r.set_progress_percent(100);
  Text(v, "evidence_note", r.evidence_note());
  return v.ToStatus();
}

absl::Status ValidateReviewAnswer(const v1::AnswerReviewRequest& r) {
  Violations v;
  if (r.review_id().empty()) v.Add("review_id", "required", "name the review");
  if (!IsAnswer(r.answer())) v.Add("answer", "review_answer", "CONTINUE, AMEND or END");
  const bool reason = r.closure_reason() != common::v1::CLOSURE_REASON_UNSPECIFIED;
  if (r.answer() == common::v1::REVIEW_OUTCOME_END &&
      (!reason || !common::v1::ClosureReason_IsValid(r.closure_reason()))) {
    v.Add("closure_reason", "closure_reason", "say why it should end with a known reason code (not private)");
  }
  if (r.answer() != common::v1::REVIEW_OUTCOME_END && reason) {
    v.Add("closure_reason", "end_only", "a closure reason goes with END only");
  }
  Text(v, "comment", r.comment());
  return v.ToStatus();
}

// ---------------------------------------------------------------- meetings

v1::MeetingTally Tally(std::vector<Meeting> meetings) {
  ByOccurrence(meetings);
  v1::MeetingTally t;
  int streak = 0;
  for (const Meeting& m : meetings) {
    switch (m.outcome) {
      case MeetingOutcome::kHeld:
        t.set_held(t.held() + 1);
        if (t.held() == 2) t.set_second_held_meeting_id(m.meeting_id);
        streak = 0;
        break;
      case MeetingOutcome::kMissed:
        t.set_missed(t.missed() + 1);
        ++streak;
        break;
      case MeetingOutcome::kCancelledByParty:
        t.set_cancelled(t.cancelled() + 1);
        break;
      case MeetingOutcome::kCancelledBySystem:
        break;
    }
  }
  t.set_due(t.held() + t.missed() + t.cancelled());
  t.set_missed_in_a_row(streak);
  return t;
}

std::vector<MissedStreak> UnsignalledStreaks(std::vector<Meeting> meetings,
                                             const google::protobuf::RepeatedField<int32_t>& signalled) {
  ByOccurrence(meetings);
  std::vector<MissedStreak> streaks;
  MissedStreak run;
  auto close_run = [&] {
    if (run.length < 2) return;
    // A streak seen before (perhaps shorter, or starting later before an earlier miss
    // arrived) is the same streak: any signalled miss inside it counts.
    const int last = run.first_occurrence + run.length - 1;
    const bool known = std::any_of(signalled.begin(), signalled.end(),
                                   [&](int32_t first) { return first >= run.first_occurrence && first <= last; });
    if (!known) streaks.push_back(run);
  };
  for (const Meeting& m : meetings) {
    if (m.outcome == MeetingOutcome::kMissed) {
      if (run.length == 0) run.first_occurrence = m.occurrence;
      ++run.length;
    } else if (m.outcome == MeetingOutcome::kHeld) {
      close_run();
      run = {};
    }
  }
  close_run();
  return streaks;
}

std::optional<int> AdherencePercent(const v1::MeetingTally& t) {
  if (t.due() < kMinDueForAdherence) return std::nullopt;
  return static_cast<int>(100 * t.held() / t.due());
}

// ---------------------------------------------------------------- the rapport check

RapportDecision RapportCheck(int meetings_held, std::optional<int> mentee, std::optional<int> mentor, int threshold) {
  if (meetings_held < 2) return {v1::RAPPORT_CHECK_STATE_NOT_DUE, 0};
  const bool mentee_low = mentee && *mentee <= threshold;
  const bool mentor_low = mentor && *mentor <= threshold;
  if (mentee_low || mentor_low) {
    int lower = 5;
    if (mentee) lower = std::min(lower, *mentee);
    if (mentor) lower = std::min(lower, *mentor);
    return {v1::RAPPORT_CHECK_STATE_LOW, lower};
  }
  if (mentee && mentor) return {v1::RAPPORT_CHECK_STATE_FINE, 0};
  return {v1::RAPPORT_CHECK_STATE_ASKED, 0};
}

// ---------------------------------------------------------------- reviews

common::v1::ReviewOutcome CombineAnswers(const v1::ReviewAnswer& mentee, const v1::ReviewAnswer& mentor) {
  using common::v1::ReviewOutcome;
  const ReviewOutcome a = mentee.answer();
  const ReviewOutcome b = mentor.answer();
  if (a == common::v1::REVIEW_OUTCOME_END || b == common::v1::REVIEW_OUTCOME_END) {
    return common::v1::REVIEW_OUTCOME_END;
  }
  if (!IsAnswer(a) || !IsAnswer(b)) return common::v1::REVIEW_OUTCOME_UNSPECIFIED;
  if (a == common::v1::REVIEW_OUTCOME_AMEND || b == common::v1::REVIEW_OUTCOME_AMEND) {
    return common::v1::REVIEW_OUTCOME_AMEND;
  }
  return common::v1::REVIEW_OUTCOME_CONTINUE;
}

common::v1::ClosureReason ClosureReasonOf(const v1::ReviewAnswer& mentee, const v1::ReviewAnswer& mentor) {
  if (mentee.answer() == common::v1::REVIEW_OUTCOME_END) return mentee.closure_reason();
  if (mentor.answer() == common::v1::REVIEW_OUTCOME_END) return mentor.closure_reason();
  return common::v1::CLOSURE_REASON_UNSPECIFIED;
}

v1::Review ReviewView(v1::Review review, Party party) {
  int received = 0;
  for (const auto* answer : {&review.mentee_answer(), &review.mentor_answer()}) {
    if (IsAnswer(answer->answer())) ++received;
  }
  review.set_answers_received(received);
  if (party == Party::kNone) {
    review.clear_mentee_answer();
    review.clear_mentor_answer();
    return review;
  }
  const bool mentee = party == Party::kMentee;
  if (!Settled(review.state())) {
    mentee ? review.clear_mentor_answer() : review.clear_mentee_answer();
  } else if (mentee ? review.has_mentor_answer() : review.has_mentee_answer()) {
    (mentee ? review.mutable_mentor_answer() : review.mutable_mentee_answer())->clear_comment();
  }
  return review;
}

bool MeetingsReviewDue(const v1::RelationshipRecord& r) {
  const int every = r.terms().review_after_meetings();
  return every > 0 && r.tally().held() >= r.review_meetings_mark() + every;
}

// ---------------------------------------------------------------- times, dates and pages

absl::CivilDay Today(absl::Time now) { return absl::ToCivilDay(now, absl::UTCTimeZone()); }

std::optional<absl::CivilDay> DayOf(const common::v1::Date& d) {
  if (d.year() < 1970 || d.year() > 9999 || d.month() < 1 || d.month() > 12 || d.day() < 1) return std::nullopt;
  const absl::CivilDay day(d.year(), d.month(), d.day());
  if (day.month() != d.month() || day.day() != d.day()) return std::nullopt;
  return day;
}

std::string DateText(const common::v1::Date& d) {
  const auto day = DayOf(d);
  return day ? IsoDate(*day) : "";
}

bool SameDate(const common::v1::Date& a, const common::v1::Date& b) {
  return a.year() == b.year() && a.month() == b.month() && a.day() == b.day();
}

int64_t Micros(absl::Time time) { return absl::ToUnixMicros(time); }

}  // namespace mentoring::evaluation
