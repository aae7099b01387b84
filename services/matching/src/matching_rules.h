#pragma once
// The matching service's rules as plain functions: who may do what, what a valid programme,
// enrollment, agreement and request look like, a mentor's seats, the policy the scorer
// runs, and the relationship lifecycle (which transitions are allowed, and who may make
// them). No I/O.
#include <absl/status/status.h>
#include <absl/status/statusor.h>
#include <absl/time/civil_time.h>

#include <string>

#include "mentoring/matching/v1/matching.pb.h"
#include "mentoring/runtime/identity.h"
#include "pair_scorer.h"

namespace mentoring::matching {

namespace v1 = mentoring::matching::v1;

inline constexpr char kProducer[] = "matching";

// Fills defaults into an incoming programme, then checks every field.
absl::Status NormaliseProgramme(v1::Programme& programme);
absl::Status ValidateEnrollment(const v1::Enrollment& enrollment);
// A proposed agreement (amendment); `field` prefixes violation paths.
absl::Status ValidateAgreement(const v1::Agreement& agreement, const std::string& field);
absl::Status ValidateRequest(const v1::MentorshipRequest& request);
// A pause's "resume by" date: unset (until further notice) or a real date not in the past.
absl::Status ValidateResumeBy(const common::v1::Date& resume_by, absl::CivilDay today);

// ---------- who may do what ----------

// Programme admins run programmes; other services of the suite may read what admins read
// (and close relationships, e.g. on a review), but never run or change programmes.
bool IsAdmin(const Caller& caller);
absl::Status RequireAdmin(const Caller& caller);
// The person themself, or someone who oversees programmes; `what` names the thing asked for.
absl::Status RequireSelfOrAdmin(const Caller& caller, const std::string& person_id, const char* what);

// Meetings per month of an RRULE such as "FREQ=WEEKLY;INTERVAL=2", as a fraction.
struct Rate {
  int64_t num = 0;
  int64_t den = 1;
};
absl::StatusOr<Rate> MeetingsPerMonth(const std::string& rrule);
// How many mentees a mentor's monthly hours cover at the programme's meeting length and
// their cadence (or the programme's).
int SeatsFor(const v1::Enrollment& mentor, const v1::Programme& programme);

// A mentor's open relationships (proposed, active, paused): in total, and in one programme.
struct SeatLoad {
  int open_total = 0;
  int open_in_programme = 0;
};
// Seats a mentor still has: the programme's (from their enrollment; -1 outside a
// programme) and their own limit, whichever is fewer.
int FreeSeats(int programme_seats, const SeatLoad& load, const Candidate& mentor);

MatchPolicy PolicyOf(const v1::Programme& programme);

// The rules a direct request is held to: a programme's policy, or outside programmes the
// hard rules about people only (conflicts, reporting line, availability, focus areas).
PairScorer RequestScorer(const v1::Programme* programme, const PeopleIndex& people);
FocusMask FocusOfRequest(const v1::MentorshipRequest& request);

common::v1::Date ToDate(absl::CivilDay day);

// The agreement a new relationship starts from: the programme's defaults (or the suite's,
// for informal mentoring), the pair's focus areas, confidentiality on.
v1::Agreement DefaultAgreement(const v1::Programme* programme, absl::CivilDay today,
                               const std::vector<common::v1::FocusArea>& focus_areas);

// ---------- the relationship lifecycle ----------

enum class Party { kNone, kMentee, kMentor };
Party PartyOf(const v1::Relationship& relationship, const Caller& caller);
bool IsOpen(v1::RelationshipState state);  // proposed, active or paused: holds a seat

// Who may see what: the two people see everything; programme admins and services see the
// summary; anyone else nothing. Returns the view to serve, or PERMISSION_DENIED.
absl::StatusOr<v1::RelationshipView> ViewFor(const v1::Relationship& relationship, const Caller& caller,
                                             v1::RelationshipView asked);
// Removes pair-only fields for the summary view.
void Redact(v1::Relationship& relationship);
void RedactRequest(v1::MentorshipRequest& request);

// Each returns FAILED_PRECONDITION naming the current state when the transition is not
// allowed from it, PERMISSION_DENIED when the caller may not make it.
absl::Status CheckAccept(const v1::Relationship& r, Party party, int32_t agreement_version);
absl::Status CheckDecline(const v1::Relationship& r, Party party);
absl::Status CheckPause(const v1::Relationship& r, Party party);
absl::Status CheckResume(const v1::Relationship& r, Party party);
absl::Status CheckAmend(const v1::Relationship& r, Party party);
absl::Status CheckClose(const v1::Relationship& r, Party party, const Caller& caller);
absl::Status CheckAlumni(const v1::Relationship& r, Party party);

}  // namespace mentoring::matching
