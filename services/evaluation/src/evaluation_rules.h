#pragma once
// The evaluation service's rules as plain functions: who may see and do what, what a valid
// answer looks like, how a relationship's meetings are counted, the rapport check, how
// review answers combine, when a risk signal is due, and page tokens. No I/O.
#include <absl/status/status.h>
#include <absl/status/statusor.h>
#include <absl/time/civil_time.h>
#include <absl/time/time.h>
#include <google/protobuf/repeated_field.h>
#include <google/protobuf/timestamp.pb.h>

#include <optional>
#include <string>
#include <vector>

#include "mentoring/evaluation/v1/evaluation.pb.h"
#include "mentoring/evaluation/v1/evaluation_records.pb.h"
#include "mentoring/runtime/identity.h"
#include "mentoring/runtime/paging.h"
#include "mentoring/runtime/proto_time.h"

namespace mentoring::evaluation {

namespace v1 = mentoring::evaluation::v1;

inline constexpr char kProducer[] = "evaluation";
inline constexpr size_t kMaxText = 2000;  // a comment, an evidence note

// ---------- who may do what ----------

enum class Party { kNone, kMentee, kMentor };
Party PartyOf(const v1::RelationshipRecord& relationship, const Caller& caller);
// Programme admins, and other services of the suite, see what admins see.
bool IsAdmin(const Caller& caller);
absl::Status RequireAdmin(const Caller& caller);
// The two people of the relationship; `what` names what was asked for.
absl::Status RequirePair(const v1::RelationshipRecord& relationship, const Caller& caller, const char* what);
bool IsOpen(v1::RelationshipStatus status);  // active or paused

// ---------- programme settings ----------

v1::ProgrammeSettings WithDefaults(v1::ProgrammeSettings settings);
// INVALID_ARGUMENT naming every field out of range (0 means the default, so it is fine).
absl::Status ValidateSettings(const v1::ProgrammeSettings& settings);

// ---------- answers people give ----------

absl::Status ValidateFeedback(const v1::SubmitFeedbackRequest& request);
absl::Status ValidateSurvey(const v1::SubmitClosureSurveyRequest& request);
// Also normalises: an unset status is ACTIVE, and ACHIEVED means 100 %.
absl::Status NormaliseProgress(v1::RecordGoalProgressRequest& request);
absl::Status ValidateReviewAnswer(const v1::AnswerReviewRequest& request);

// ---------- meetings ----------

// What scheduling said about a meeting (the latest of its events).
enum class MeetingOutcome { kHeld = 1, kMissed = 2, kCancelledByParty = 3, kCancelledBySystem = 4 };
struct Meeting {
  std::string meeting_id;
  int occurrence = 0;
  MeetingOutcome outcome = MeetingOutcome::kHeld;
};

// Counts of a relationship's meetings; the second held one (by meeting number) is the
// rapport check's meeting.
v1::MeetingTally Tally(std::vector<Meeting> meetings);

// Held and missed meetings in a row, by meeting number (cancelled ones are skipped): each
// run of two or more misses whose first miss has not been signalled yet.
struct MissedStreak {
  int first_occurrence = 0;
  int length = 0;
};
std::vector<MissedStreak> UnsignalledStreaks(std::vector<Meeting> meetings,
                                             const google::protobuf::RepeatedField<int32_t>& signalled);

// Meetings held as a share of the meetings that fell due, in percent; nullopt until at
// least kMinDueForAdherence fell due (one missed first meeting says little about cadence).
inline constexpr int kMinDueForAdherence = 3;
std::optional<int> AdherencePercent(const v1::MeetingTally& tally);

// ---------- the rapport check ----------

// After the first two completed meetings both parties are asked: their rapport rating on
// the second completed meeting is their answer. Low (at or below the threshold) from
// either party decides it at once; fine needs both answers. Decided once.
struct RapportDecision {
  v1::RapportCheckState state = v1::RAPPORT_CHECK_STATE_NOT_DUE;
  int score = 0;  // LOW: the lower of the ratings given
};
RapportDecision RapportCheck(int meetings_held, std::optional<int> mentee_rapport, std::optional<int> mentor_rapport,
                             int threshold);

// ---------- periodic reviews ----------

// The combined decision: end if either says end; otherwise amend if either says amend;
// otherwise continue. Settled as soon as it is certain (an END from one party), or when
// both answered; UNSPECIFIED while it is not.
common::v1::ReviewOutcome CombineAnswers(const v1::ReviewAnswer& mentee, const v1::ReviewAnswer& mentor);
// The closure reason of an END: the mentee's when both said end (the relationship was for
// their development), otherwise the one who said it.
common::v1::ClosureReason ClosureReasonOf(const v1::ReviewAnswer& mentee, const v1::ReviewAnswer& mentor);
// The review as this caller may see it: a party their own answer, the other's (without its
// comment) once settled; an admin the state and how many answered, never who said what.
v1::Review ReviewView(v1::Review review, Party party);

// The held count that opens the next review by meetings: every N completed meetings (N
// from the agreement; 0 means no such trigger).
bool MeetingsReviewDue(const v1::RelationshipRecord& relationship);

// ---------- times, dates and pages ----------

// (SetTimestamp, FromTimestamp, ToDate, Rfc3339, IsoDate: mentoring/runtime/proto_time.h.)
absl::CivilDay Today(absl::Time now);
std::optional<absl::CivilDay> DayOf(const common::v1::Date& date);  // nullopt when unset or invalid
std::string DateText(const common::v1::Date& date);                 // "2027-03-01", or "" when unset
bool SameDate(const common::v1::Date& a, const common::v1::Date& b);

// Lists page by a key and an id (a time in microseconds, a meeting number...): see
// mentoring/runtime/paging.h (PageKey, PageToken, ParsePageToken, PageSize: 1..200, 50).
int64_t Micros(absl::Time time);

}  // namespace mentoring::evaluation
