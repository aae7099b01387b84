#include "matching_app.h"

#include <absl/container/flat_hash_map.h>
#include <absl/container/flat_hash_set.h>
#include <absl/strings/numbers.h>
#include <absl/strings/str_cat.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

#include "cohort_scores.h"
#include "mentoring/matching/cohort_solver.h"
#include "mentoring/runtime/errors.h"
#include "mentoring/runtime/event_consumer.h"
#include "mentoring/runtime/events.h"
#include "mentoring/runtime/ids.h"
#include "mentoring/runtime/outbox.h"
#include "recommender.h"

namespace mentoring::matching {
namespace {

using common::v1::FocusArea;
using events::v1::EventEnvelope;

constexpr char kOpenStates[] = "(1, 2, 3)";  // proposed, active, paused: hold a seat
constexpr int kDefaultLimit = 10;
constexpr int kMaxLimit = 50;
constexpr int kMaxPendingInformal = 3;
constexpr absl::Duration kPoolLifetime = absl::Seconds(2);
constexpr int kDraftPage = 500;
constexpr int kMaxDraftPage = 2000;

void SetTimestamp(google::protobuf::Timestamp* ts, absl::Time t) {
  ts->set_seconds(absl::ToUnixSeconds(t));
  ts->set_nanos(static_cast<int32_t>((t - absl::FromUnixSeconds(ts->seconds())) / absl::Nanoseconds(1)));
}

absl::CivilDay Today(const Clock& clock) { return absl::ToCivilDay(clock.Now(), absl::UTCTimeZone()); }

common::v1::Date ToDate(absl::CivilDay day) {
  common::v1::Date d;
  d.set_year(static_cast<int32_t>(day.year()));
  d.set_month(day.month());
  d.set_day(day.day());
  return d;
}

// Programme admins run programmes; other services of the suite may read what admins read
// (and close relationships, e.g. on a review), but never run or change programmes.
bool IsAdmin(const Caller& caller) { return caller.Has(roles::kProgrammeAdmin) || caller.IsService(); }

absl::Status RequireAdmin(const CallContext& call) {
  return call.caller.Has(roles::kProgrammeAdmin) ? absl::OkStatus() : errors::PermissionDenied("programme admins only");
}

absl::Status RequireSelfOrAdmin(const CallContext& call, const std::string& person_id, const char* what) {
  if (call.caller.id == person_id || IsAdmin(call.caller)) return absl::OkStatus();
  return errors::PermissionDenied(absl::StrCat(what, ": only the person themself or a programme admin"));
}

template <class Message, class Db>
absl::StatusOr<Message> LoadBody(Db& db, const std::string& sql, const std::string& id, const char* what) {
  auto rows = db.Exec(sql, {id});
  if (!rows.ok()) return rows.status();
  if (rows->rows() == 0) return errors::NotFound(what, id);
  Message message;
  if (!message.ParseFromString(rows->Bytes(0, 0))) return absl::InternalError(absl::StrCat("corrupt ", what, " ", id));
  return message;
}

template <class Db>
absl::StatusOr<v1::Programme> LoadProgramme(Db& db, const std::string& id) {
  if (id.empty()) return errors::InvalidArgument("programme_id", "required", "name the programme");
  return LoadBody<v1::Programme>(db, "SELECT body FROM programmes WHERE programme_id = $1", id, "programme");
}

absl::StatusOr<v1::Relationship> LoadRelationshipForUpdate(pg::Transaction& txn, const std::string& id) {
  if (id.empty()) return errors::InvalidArgument("relationship_id", "required", "name the relationship");
  return LoadBody<v1::Relationship>(txn, "SELECT body FROM relationships WHERE relationship_id = $1 FOR UPDATE", id,
                                    "relationship");
}

absl::StatusOr<v1::MentorshipRequest> LoadRequestForUpdate(pg::Transaction& txn, const std::string& id) {
  if (id.empty()) return errors::InvalidArgument("request_id", "required", "name the request");
  return LoadBody<v1::MentorshipRequest>(txn, "SELECT body FROM requests WHERE request_id = $1 FOR UPDATE", id,
                                         "request");
}

absl::StatusOr<v1::MatchDraft> LoadDraftForUpdate(pg::Transaction& txn, const std::string& id) {
  if (id.empty()) return errors::InvalidArgument("draft_id", "required", "name the draft");
  return LoadBody<v1::MatchDraft>(txn, "SELECT body FROM drafts WHERE draft_id = $1 FOR UPDATE", id, "draft");
}

absl::Status SaveRelationship(pg::Transaction& txn, const v1::Relationship& r) {
  return txn
      .Exec(
          "INSERT INTO relationships (relationship_id, programme_id, mentee_id, mentor_id, state, body, version, "
          "created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, now()) ON CONFLICT (relationship_id) DO UPDATE SET "
          "state = EXCLUDED.state, body = EXCLUDED.body, version = EXCLUDED.version",
          {r.relationship_id(), r.programme_id().empty() ? pg::Param(nullptr) : pg::Param(r.programme_id()),
           r.mentee_id(), r.mentor_id(), static_cast<int>(r.state()), pg::Param::Bytes(r.SerializeAsString()),
           r.version()})
      .status();
}

absl::Status SaveRequest(pg::Transaction& txn, const v1::MentorshipRequest& r) {
  return txn
      .Exec(
          "INSERT INTO requests (request_id, programme_id, mentee_id, mentor_id, state, body, version, created_at) "
          "VALUES ($1, $2, $3, $4, $5, $6, $7, now()) ON CONFLICT (request_id) DO UPDATE SET "
          "state = EXCLUDED.state, body = EXCLUDED.body, version = EXCLUDED.version",
          {r.request_id(), r.programme_id().empty() ? pg::Param(nullptr) : pg::Param(r.programme_id()), r.mentee_id(),
           r.mentor_id(), static_cast<int>(r.state()), pg::Param::Bytes(r.SerializeAsString()), r.version()})
      .status();
}

absl::Status SaveDraft(pg::Transaction& txn, const v1::MatchDraft& d) {
  return txn
      .Exec(
          "INSERT INTO drafts (draft_id, programme_id, state, body, version, created_at) "
          "VALUES ($1, $2, $3, $4, $5, now()) ON CONFLICT (draft_id) DO UPDATE SET "
          "state = EXCLUDED.state, body = EXCLUDED.body, version = EXCLUDED.version",
          {d.draft_id(), d.programme_id(), static_cast<int>(d.state()), pg::Param::Bytes(d.SerializeAsString()),
           d.version()})
      .status();
}

events::v1::AgreementTerms TermsOf(const v1::Agreement& a) {
  events::v1::AgreementTerms t;
  t.set_agreement_version(a.version());
  t.set_cadence_rrule(a.cadence_rrule());
  t.set_meeting_minutes(a.meeting_minutes());
  t.set_mode(a.mode());
  t.set_cancellation_notice_hours(a.cancellation_notice_hours());
  *t.mutable_start_date() = a.start_date();
  *t.mutable_end_date() = a.end_date();
  t.set_review_after_meetings(a.review_after_meetings());
  *t.mutable_review_date() = a.review_date();
  t.set_mentee_time_share_percent(a.mentee_time_share_percent());
  t.set_confidential(a.confidential());
  return t;
}

absl::Status BumpRoster(pg::Transaction& txn, const std::string& programme_id) {
  return txn.Exec("UPDATE programmes SET roster_version = roster_version + 1 WHERE programme_id = $1", {programme_id})
      .status();
}

// Serialises every change to these people's open relationships (seats as a mentor, focus
// areas and pending requests as a mentee): row locks taken in id order, so two
// transactions locking overlapping sets cannot deadlock, and a waiter gives up after
// `lock_timeout` rather than holding a worker for ever.
absl::Status LockPeople(pg::Transaction& txn, std::vector<std::string> ids) {
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  if (auto timeout = txn.Exec("SET LOCAL lock_timeout = '10s'"); !timeout.ok()) return timeout.status();
  auto inserted = txn.Exec("INSERT INTO person_locks (person_id) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING",
                           {pg::Param::TextArray(ids)});
  if (!inserted.ok()) return inserted.status();
  return txn
      .Exec("SELECT person_id FROM person_locks WHERE person_id = ANY($1) ORDER BY person_id FOR UPDATE",
            {pg::Param::TextArray(ids)})
      .status();
}

struct Load {
  int open_total = 0;
  int open_in_programme = 0;
};

template <class Db>
absl::StatusOr<absl::flat_hash_map<std::string, Load>> LoadsOf(Db& db, const std::vector<std::string>& mentors,
                                                               const std::string& programme_id) {
  auto rows = db.Exec(absl::StrCat("SELECT mentor_id, count(*), count(*) FILTER (WHERE programme_id = $2) "
                                   "FROM relationships WHERE state IN ",
                                   kOpenStates, " AND mentor_id = ANY($1) GROUP BY mentor_id"),
                      {pg::Param::TextArray(mentors), programme_id});
  if (!rows.ok()) return rows.status();
  absl::flat_hash_map<std::string, Load> loads;
  for (int i = 0; i < rows->rows(); ++i) {
    loads[std::string(rows->Text(i, 0))] = {static_cast<int>(rows->Int(i, 1)), static_cast<int>(rows->Int(i, 2))};
  }
  return loads;
}

// Seats a mentor still has: the programme's (from their enrollment) and their own limit.
int FreeSeats(int programme_seats, const Load& load, const Candidate& mentor) {
  const int own = mentor.max_active_mentees - load.open_total;
  const int in_programme = programme_seats < 0 ? own : programme_seats - load.open_in_programme;
  return std::max(0, std::min(own, in_programme));
}

// Mentee contexts: focus areas already served by an open relationship, and mentors not
// to propose again (current ones, and previous ones behind a rematch offer).
template <class Db>
absl::StatusOr<std::vector<MenteeContext>> ContextsOf(Db& db, const PeopleIndex& people,
                                                      const std::vector<int32_t>& mentees,
                                                      const std::string& being_replaced = "") {
  std::vector<std::string> ids;
  absl::flat_hash_map<std::string, size_t> position;
  for (size_t i = 0; i < mentees.size(); ++i) {
    ids.push_back(people.id(mentees[i]));
    position[ids.back()] = i;
  }
  std::vector<MenteeContext> contexts(mentees.size());
  auto open = db.Exec(absl::StrCat("SELECT mentee_id, mentor_id, body, relationship_id FROM relationships "
                                   "WHERE state IN ",
                                   kOpenStates, " AND mentee_id = ANY($1)"),
                      {pg::Param::TextArray(ids)});
  if (!open.ok()) return open.status();
  for (int i = 0; i < open->rows(); ++i) {
    auto& context = contexts[position[std::string(open->Text(i, 0))]];
    v1::Relationship r;
    r.ParseFromString(open->Bytes(i, 2));
    // A relationship a rematch would replace leaves its focus areas open (its mentor stays blocked).
    if (open->Text(i, 3) != being_replaced) {
      for (int area : r.agreement().focus_areas()) context.covered_areas |= FocusBit(static_cast<FocusArea>(area));
    }
    if (int32_t mentor = people.IndexOf(std::string(open->Text(i, 1))); mentor >= 0) {
      context.blocked_mentors.push_back(mentor);
    }
  }
  auto previous = db.Exec("SELECT mentee_id, previous_mentor_id FROM rematch_offers WHERE mentee_id = ANY($1)",
                          {pg::Param::TextArray(ids)});
  if (!previous.ok()) return previous.status();
  for (int i = 0; i < previous->rows(); ++i) {
    if (int32_t mentor = people.IndexOf(std::string(previous->Text(i, 1))); mentor >= 0) {
      contexts[position[std::string(previous->Text(i, 0))]].blocked_mentors.push_back(mentor);
    }
  }
  for (auto& context : contexts) {
    std::sort(context.blocked_mentors.begin(), context.blocked_mentors.end());
    context.blocked_mentors.erase(std::unique(context.blocked_mentors.begin(), context.blocked_mentors.end()),
                                  context.blocked_mentors.end());
  }
  return contexts;
}

template <class Db>
absl::StatusOr<std::vector<v1::Enrollment>> EnrollmentsOf(Db& db, const std::string& programme_id,
                                                          v1::ParticipantRole role) {
  auto rows = db.Exec(
      "SELECT body FROM enrollments WHERE programme_id = $1 AND ($2 = 0 OR role = $2) "
      "ORDER BY role, person_id",
      {programme_id, static_cast<int>(role)});
  if (!rows.ok()) return rows.status();
  std::vector<v1::Enrollment> out(rows->rows());
  for (int i = 0; i < rows->rows(); ++i) out[i].ParseFromString(rows->Bytes(i, 0));
  return out;
}

void FillRecommendation(const ScoredPair& scored, const std::string& person_id, v1::Recommendation* out) {
  out->set_person_id(person_id);
  out->set_score(scored.score);
  for (const auto& c : scored.contributions) {
    auto* contribution = out->add_contributions();
    contribution->set_criterion(CriterionName(c.criterion));
    contribution->set_points(c.points);
    contribution->set_max_points(c.max_points);
    contribution->set_detail(c.detail);
  }
  out->set_explanation(scored.explanation);
  for (auto area : scored.focus_areas) out->add_focus_areas(area);
}

void FillPair(const ScoredPair& scored, const std::string& mentee, const std::string& mentor, v1::ProposedPair* pair) {
  v1::Recommendation recommendation;
  FillRecommendation(scored, mentor, &recommendation);
  pair->set_mentee_id(mentee);
  pair->set_mentor_id(mentor);
  pair->set_score(scored.score);
  *pair->mutable_contributions() = recommendation.contributions();
  pair->set_explanation(scored.explanation);
  *pair->mutable_focus_areas() = recommendation.focus_areas();
}

// One page of a draft: its header and stats, then `size` entries of the sequence "pairs,
// then unmatched" from `offset` (a cohort of 10,000 with explanations would otherwise pass
// gRPC's default 4 MB message limit).
v1::MatchDraft PageOf(const v1::MatchDraft& draft, int64_t offset, int size) {
  v1::MatchDraft page = draft;
  page.clear_pairs();
  page.clear_unmatched();
  const int64_t pairs = draft.pairs_size();
  const int64_t total = pairs + draft.unmatched_size();
  const int64_t end = std::min(total, offset + size);
  for (int64_t i = offset; i < end; ++i) {
    if (i < pairs) {
      *page.add_pairs() = draft.pairs(static_cast<int>(i));
    } else {
      *page.add_unmatched() = draft.unmatched(static_cast<int>(i - pairs));
    }
  }
  page.set_next_page_token(end < total ? std::to_string(end) : "");
  return page;
}

void FillRuledOut(const std::array<int, kRejections>& counts, google::protobuf::Map<std::string, int32_t>* out) {
  for (int r = 1; r < kRejections; ++r) {
    if (counts[r] > 0) (*out)[RejectionName(static_cast<Rejection>(r))] = counts[r];
  }
}

v1::UnmatchedReason ReasonFrom(const std::array<int, kRejections>& counts, bool had_feasible) {
  if (had_feasible) return v1::UNMATCHED_REASON_NO_CAPACITY;
  if (counts[static_cast<int>(Rejection::kMenteeUnavailable)] > 0) return v1::UNMATCHED_REASON_NOT_IN_DIRECTORY;
  // The constraint that ruled out most mentors names the reason.
  int worst = 0;
  for (int r = 1; r < kRejections; ++r) {
    if (counts[r] > counts[worst]) worst = r;
  }
  switch (static_cast<Rejection>(worst)) {
    case Rejection::kTimeZone:
      return v1::UNMATCHED_REASON_NO_MENTOR_IN_TIME_ZONE_LIMIT;
    case Rejection::kExcluded:
    case Rejection::kManagementChain:
    case Rejection::kBlocked:
      return v1::UNMATCHED_REASON_ALL_EXCLUDED;
    default:
      return v1::UNMATCHED_REASON_NO_ELIGIBLE_MENTOR;
  }
}

EventEnvelope NewEvent(const CallContext* call, const char* aggregate, const std::string& id, int64_t sequence,
                       const Clock& clock) {
  auto event = events::NewEvent(kProducer, aggregate, id, sequence, clock);
  if (call != nullptr) event.set_traceparent(call->trace.Child().ToHeader());
  return event;
}

absl::Status AppendAll(pg::Transaction& txn, std::vector<EventEnvelope>& batch, const Clock& clock) {
  if (batch.empty()) return absl::OkStatus();
  return Outbox::AppendMany(txn, std::move(batch), clock);
}

// A proposed relationship between two people, with its match.proposed event.
absl::StatusOr<v1::Relationship> ProposeRelationship(pg::Transaction& txn, const CallContext* call,
                                                     const v1::Programme* programme, const std::string& mentee,
                                                     const std::string& mentor,
                                                     const std::vector<FocusArea>& focus_areas, const char* origin,
                                                     const Clock& clock, std::vector<EventEnvelope>& out) {
  v1::Relationship r;
  r.set_relationship_id(NewUuidV7(clock));
  if (programme != nullptr) r.set_programme_id(programme->programme_id());
  r.set_mentee_id(mentee);
  r.set_mentor_id(mentor);
  r.set_state(v1::RELATIONSHIP_STATE_PROPOSED);
  *r.mutable_agreement() = DefaultAgreement(programme, Today(clock), focus_areas);
  r.set_origin(origin);
  r.set_version(1);
  SetTimestamp(r.mutable_created_at(), clock.Now());
  *r.mutable_updated_at() = r.created_at();
  if (auto saved = SaveRelationship(txn, r); !saved.ok()) {
    if (saved.code() == absl::StatusCode::kAlreadyExists) {
      return errors::FailedPrecondition("ALREADY_PAIRED", "these two already have an open relationship");
    }
    return saved;
  }
  auto event = NewEvent(call, "relationship", r.relationship_id(), 1, clock);
  auto* proposed = event.mutable_match_proposed();
  proposed->set_relationship_id(r.relationship_id());
  proposed->set_programme_id(r.programme_id());
  proposed->set_mentee_id(mentee);
  proposed->set_mentor_id(mentor);
  for (auto area : focus_areas) proposed->add_focus_areas(area);
  proposed->set_origin(origin);
  out.push_back(std::move(event));
  return r;
}

// Closes an open relationship (a party, an admin, or the system when closed_by is empty).
void CloseRelationship(v1::Relationship& r, common::v1::ClosureReason reason, const std::string& closed_by,
                       const std::string& note, const CallContext* call, const Clock& clock,
                       std::vector<EventEnvelope>& out) {
  r.set_state(v1::RELATIONSHIP_STATE_CLOSED);
  r.set_closure_reason(reason);
  r.set_closure_note(note);
  r.set_closed_by(closed_by);
  *r.mutable_closed_on() = ToDate(Today(clock));
  r.clear_pending_amendment();
  r.set_version(r.version() + 1);
  SetTimestamp(r.mutable_updated_at(), clock.Now());
  auto event = NewEvent(call, "relationship", r.relationship_id(), r.version(), clock);
  auto* closed = event.mutable_relationship_closed();
  closed->set_relationship_id(r.relationship_id());
  closed->set_reason(reason);
  closed->set_closed_by(closed_by);
  *closed->mutable_closed_on() = r.closed_on();
  out.push_back(std::move(event));
}

// The rules a direct request is held to: a programme's policy, or outside programmes the
// hard rules about people only (conflicts, reporting line, availability, focus areas).
PairScorer RequestScorer(const v1::Programme* programme, const PeopleIndex& index) {
  MatchPolicy policy = programme ? PolicyOf(*programme) : MatchPolicy{};
  if (programme == nullptr) {
    policy.min_level_gap = -100;
    policy.require_shared_language = false;
  }
  return PairScorer(policy, index);
}

FocusMask FocusOfRequest(const v1::MentorshipRequest& request) {
  FocusMask areas = 0;
  for (int area : request.focus_areas()) areas |= FocusBit(static_cast<FocusArea>(area));
  return areas;
}

// A pending request withdrawn by the system (another request accepted, a departure, an
// erasure), with its request.withdrawn.
absl::Status WithdrawInTransaction(pg::Transaction& txn, v1::MentorshipRequest& request, bool automatic,
                                   const CallContext* call, const Clock& clock, std::vector<EventEnvelope>& out) {
  request.set_state(v1::REQUEST_STATE_WITHDRAWN);
  request.set_version(request.version() + 1);
  if (auto saved = SaveRequest(txn, request); !saved.ok()) return saved;
  auto withdrawn = NewEvent(call, "request", request.request_id(), request.version(), clock);
  withdrawn.mutable_request_withdrawn()->set_request_id(request.request_id());
  withdrawn.mutable_request_withdrawn()->set_automatic(automatic);
  out.push_back(std::move(withdrawn));
  return absl::OkStatus();
}

absl::Status OfferRematch(pg::Transaction& txn, const v1::Relationship& r, const std::string& trigger,
                          const Clock& clock) {
  return txn
      .Exec(
          "INSERT INTO rematch_offers (previous_relationship_id, mentee_id, programme_id, previous_mentor_id, "
          "trigger, offered_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
          {r.relationship_id(), r.mentee_id(),
           r.programme_id().empty() ? pg::Param(nullptr) : pg::Param(r.programme_id()), r.mentor_id(), trigger,
           absl::FormatTime(absl::RFC3339_full, clock.Now(), absl::UTCTimeZone())})
      .status();
}

}  // namespace

// ---------------------------------------------------------------- programmes

absl::StatusOr<v1::Programme> MatchingApp::CreateProgramme(const CallContext& call, v1::Programme programme) {
  if (auto allowed = RequireAdmin(call); !allowed.ok()) return allowed;
  if (auto valid = NormaliseProgramme(programme); !valid.ok()) return valid;
  programme.set_programme_id(NewUuidV7(clock_));
  programme.set_version(1);
  SetTimestamp(programme.mutable_created_at(), clock_.Now());
  auto inserted =
      pool_.Exec("INSERT INTO programmes (programme_id, body, version, created_at) VALUES ($1, $2, 1, now())",
                 {programme.programme_id(), pg::Param::Bytes(programme.SerializeAsString())});
  if (!inserted.ok()) return inserted.status();
  return programme;
}

absl::StatusOr<v1::Programme> MatchingApp::GetProgramme(const CallContext&, const std::string& programme_id) {
  return LoadProgramme(pool_, programme_id);
}

absl::StatusOr<v1::Programme> MatchingApp::UpdateProgramme(const CallContext& call, v1::Programme programme,
                                                           int64_t expected) {
  if (auto allowed = RequireAdmin(call); !allowed.ok()) return allowed;
  if (auto valid = NormaliseProgramme(programme); !valid.ok()) return valid;
  absl::StatusOr<v1::Programme> result;
  auto status = pool_.InTransaction([&](pg::Transaction& txn) -> absl::Status {
    auto current = LoadBody<v1::Programme>(txn, "SELECT body FROM programmes WHERE programme_id = $1 FOR UPDATE",
                                           programme.programme_id(), "programme");
    if (!current.ok()) return current.status();
    if (expected != current->version()) return errors::VersionConflict("programme", expected, current->version());
    programme.set_version(current->version() + 1);
    *programme.mutable_created_at() = current->created_at();
    if (programme.type() != current->type()) {
      return errors::InvalidArgument("programme.type", "immutable", "a programme's type cannot change");
    }
    auto saved =
        txn.Exec("UPDATE programmes SET body = $2, version = $3 WHERE programme_id = $1",
                 {programme.programme_id(), pg::Param::Bytes(programme.SerializeAsString()), programme.version()});
    if (!saved.ok()) return saved.status();
    result = programme;
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return result;
}

absl::StatusOr<std::vector<v1::Programme>> MatchingApp::ListProgrammes(const CallContext&) {
  auto rows = pool_.Exec("SELECT body FROM programmes ORDER BY created_at, programme_id");
  if (!rows.ok()) return rows.status();
  std::vector<v1::Programme> out(rows->rows());
  for (int i = 0; i < rows->rows(); ++i) out[i].ParseFromString(rows->Bytes(i, 0));
  return out;
}

// ---------------------------------------------------------------- enrollment

absl::StatusOr<v1::Enrollment> MatchingApp::Enroll(const CallContext& call, v1::Enrollment enrollment) {
  if (auto valid = ValidateEnrollment(enrollment); !valid.ok()) return valid;
  if (auto allowed = RequireSelfOrAdmin(call, enrollment.person_id(), "enrolling"); !allowed.ok()) return allowed;
  auto programme = LoadProgramme(pool_, enrollment.programme_id());
  if (!programme.ok()) return programme.status();
  auto people = directory_.Current();
  if (!people.ok()) return people.status();
  if ((*people)->IndexOf(enrollment.person_id()) < 0) {
    return errors::FailedPrecondition("UNKNOWN_PERSON", "the person is not in the directory (or was erased)");
  }
  enrollment.set_seats(enrollment.role() == v1::PARTICIPANT_ROLE_MENTOR ? SeatsFor(enrollment, *programme) : 0);
  SetTimestamp(enrollment.mutable_enrolled_at(), clock_.Now());
  auto saved = pool_.InTransaction([&](pg::Transaction& txn) -> absl::Status {
    auto written = txn.Exec(
        "INSERT INTO enrollments (programme_id, person_id, role, body) VALUES ($1, $2, $3, $4) "
        "ON CONFLICT (programme_id, person_id, role) DO UPDATE SET body = EXCLUDED.body",
        {enrollment.programme_id(), enrollment.person_id(), static_cast<int>(enrollment.role()),
         pg::Param::Bytes(enrollment.SerializeAsString())});
    if (!written.ok()) return written.status();
    return BumpRoster(txn, enrollment.programme_id());
  });
  if (!saved.ok()) return saved;
  return enrollment;
}

absl::Status MatchingApp::WithdrawEnrollment(const CallContext& call, const v1::WithdrawEnrollmentRequest& request) {
  if (auto allowed = RequireSelfOrAdmin(call, request.person_id(), "withdrawing"); !allowed.ok()) return allowed;
  return pool_.InTransaction([&](pg::Transaction& txn) -> absl::Status {
    auto deleted = txn.Exec("DELETE FROM enrollments WHERE programme_id = $1 AND person_id = $2 AND role = $3",
                            {request.programme_id(), request.person_id(), static_cast<int>(request.role())});
    if (!deleted.ok()) return deleted.status();
    if (deleted->affected() == 0) return errors::NotFound("enrollment", request.person_id());
    return BumpRoster(txn, request.programme_id());
  });
}

absl::StatusOr<std::vector<v1::Enrollment>> MatchingApp::ListEnrollments(const CallContext& call,
                                                                         const v1::ListEnrollmentsRequest& request) {
  if (auto allowed = RequireAdmin(call); !allowed.ok()) return allowed;
  if (auto programme = LoadProgramme(pool_, request.programme_id()); !programme.ok()) return programme.status();
  return EnrollmentsOf(pool_, request.programme_id(), request.role());
}

// ---------------------------------------------------------------- recommendations

absl::StatusOr<std::shared_ptr<const std::vector<int32_t>>> MatchingApp::AvailableMentors(
    const std::string& programme_id, const std::shared_ptr<const PeopleIndex>& people) {
  // The pool holds while the roster and the people snapshot are the same, for at most
  // kPoolLifetime: seats change with every accept anywhere, and recounting a large
  // programme's seats on every call is what the cache saves. A mentor whose last seat was
  // just taken may therefore be recommended for a moment; taking a seat always recounts.
  auto versions = pool_.Exec("SELECT roster_version FROM programmes WHERE programme_id = $1", {programme_id});
  if (!versions.ok()) return versions.status();
  if (versions->rows() == 0) return errors::NotFound("programme", programme_id);
  const int64_t roster = versions->Int(0, 0);
  const absl::Time now = clock_.Now();
  {
    absl::MutexLock lock(&pools_mu_);
    auto it = pools_.find(programme_id);
    if (it != pools_.end() && it->second.people == people && it->second.roster_version == roster &&
        now - it->second.built_at < kPoolLifetime) {
      return it->second.mentors;
    }
  }
  auto mentors = EnrollmentsOf(pool_, programme_id, v1::PARTICIPANT_ROLE_MENTOR);
  if (!mentors.ok()) return mentors.status();
  std::vector<std::string> mentor_ids;
  for (const auto& e : *mentors) mentor_ids.push_back(e.person_id());
  auto loads = LoadsOf(pool_, mentor_ids, programme_id);
  if (!loads.ok()) return loads.status();
  auto available = std::make_shared<std::vector<int32_t>>();
  for (const auto& e : *mentors) {
    const int32_t mentor = people->IndexOf(e.person_id());
    if (mentor >= 0 && FreeSeats(e.seats(), (*loads)[e.person_id()], people->at(mentor)) > 0) {
      available->push_back(mentor);
    }
  }
  absl::MutexLock lock(&pools_mu_);
  pools_[programme_id] = {people, roster, now, available};
  return std::shared_ptr<const std::vector<int32_t>>(available);
}

absl::StatusOr<std::vector<v1::Recommendation>> MatchingApp::RecommendationsFor(const v1::Programme& programme,
                                                                                const std::string& mentee_id, int limit,
                                                                                v1::RecommendResponse* diagnostics,
                                                                                const std::string& being_replaced) {
  auto people = directory_.Current();
  if (!people.ok()) return people.status();
  const PeopleIndex& index = **people;
  const int32_t mentee = index.IndexOf(mentee_id);
  if (mentee < 0) return errors::FailedPrecondition("UNKNOWN_PERSON", "the mentee is not in the directory");
  auto available = AvailableMentors(programme.programme_id(), *people);
  if (!available.ok()) return available.status();
  const std::vector<int32_t>& pool = **available;
  auto contexts = ContextsOf(pool_, index, {mentee}, being_replaced);
  if (!contexts.ok()) return contexts.status();
  const PairScorer scorer(PolicyOf(programme), index);
  std::vector<v1::Recommendation> out;
  for (const Ranked& ranked : TopMentors(scorer, mentee, pool, contexts->front(), limit)) {
    FillRecommendation(scorer.Explain(mentee, ranked.person, contexts->front()), index.id(ranked.person),
                       &out.emplace_back());
  }
  if (out.empty() && diagnostics != nullptr) {
    FillRuledOut(RejectionCounts(scorer, mentee, pool, contexts->front()), diagnostics->mutable_ruled_out());
  }
  return out;
}

absl::StatusOr<v1::RecommendResponse> MatchingApp::Recommend(const CallContext& call,
                                                             const v1::RecommendRequest& request,
                                                             bool mentors_for_mentee) {
  if (request.person_id().empty()) return errors::InvalidArgument("person_id", "required", "name the person");
  if (request.limit() < 0 || request.limit() > kMaxLimit) {
    return errors::InvalidArgument("limit", "range_0_50", "must be between 1 and 50 (0: the default, 10)");
  }
  if (auto allowed = RequireSelfOrAdmin(call, request.person_id(), "recommendations"); !allowed.ok()) return allowed;
  auto programme = LoadProgramme(pool_, request.programme_id());
  if (!programme.ok()) return programme.status();
  const int limit = request.limit() == 0 ? kDefaultLimit : request.limit();
  v1::RecommendResponse response;
  if (mentors_for_mentee) {
    auto recommendations = RecommendationsFor(*programme, request.person_id(), limit, &response);
    if (!recommendations.ok()) return recommendations.status();
    for (auto& r : *recommendations) *response.add_recommendations() = std::move(r);
    return response;
  }
  // Mentees for a mentor: the programme's mentees, each under their own context.
  auto people = directory_.Current();
  if (!people.ok()) return people.status();
  const PeopleIndex& index = **people;
  const int32_t mentor = index.IndexOf(request.person_id());
  if (mentor < 0) return errors::FailedPrecondition("UNKNOWN_PERSON", "the mentor is not in the directory");
  auto mentees = EnrollmentsOf(pool_, programme->programme_id(), v1::PARTICIPANT_ROLE_MENTEE);
  if (!mentees.ok()) return mentees.status();
  std::vector<int32_t> pool;
  for (const auto& e : *mentees) {
    if (int32_t mentee = index.IndexOf(e.person_id()); mentee >= 0) pool.push_back(mentee);
  }
  auto contexts = ContextsOf(pool_, index, pool);
  if (!contexts.ok()) return contexts.status();
  absl::flat_hash_map<int32_t, size_t> position;
  for (size_t i = 0; i < pool.size(); ++i) position[pool[i]] = i;
  const PairScorer scorer(PolicyOf(*programme), index);
  auto context_of = [&](int32_t mentee) -> const MenteeContext& { return (*contexts)[position[mentee]]; };
  for (const Ranked& ranked : TopMentees(scorer, mentor, pool, context_of, limit)) {
    FillRecommendation(scorer.Explain(ranked.person, mentor, context_of(ranked.person)), index.id(ranked.person),
                       response.add_recommendations());
  }
  return response;
}

absl::StatusOr<v1::RecommendResponse> MatchingApp::RecommendMentors(const CallContext& call,
                                                                    const v1::RecommendRequest& request) {
  return Recommend(call, request, true);
}

absl::StatusOr<v1::RecommendResponse> MatchingApp::RecommendMentees(const CallContext& call,
                                                                    const v1::RecommendRequest& request) {
  return Recommend(call, request, false);
}

// ---------------------------------------------------------------- cohort drafts

absl::StatusOr<v1::MatchDraft> MatchingApp::RunCohortMatching(const CallContext& call,
                                                              const std::string& programme_id) {
  if (auto allowed = RequireAdmin(call); !allowed.ok()) return allowed;
  auto programme = LoadProgramme(pool_, programme_id);
  if (!programme.ok()) return programme.status();
  auto people = directory_.Current();
  if (!people.ok()) return people.status();
  const PeopleIndex& index = **people;
  auto enrolled = EnrollmentsOf(pool_, programme_id, v1::PARTICIPANT_ROLE_UNSPECIFIED);
  if (!enrolled.ok()) return enrolled.status();

  v1::MatchDraft draft;
  draft.set_draft_id(NewUuidV7(clock_));
  draft.set_programme_id(programme_id);
  draft.set_state(v1::DRAFT_STATE_OPEN);
  draft.set_version(1);
  SetTimestamp(draft.mutable_created_at(), clock_.Now());

  std::vector<int32_t> mentees, mentors;
  std::vector<int> seats_of_enrollment;
  std::vector<std::string> mentor_ids;
  for (const auto& e : *enrolled) {
    const int32_t person = index.IndexOf(e.person_id());
    if (e.role() == v1::PARTICIPANT_ROLE_MENTEE) {
      if (person < 0 || !index.at(person).active) {
        auto* unmatched = draft.add_unmatched();
        unmatched->set_mentee_id(e.person_id());
        unmatched->set_reason(v1::UNMATCHED_REASON_NOT_IN_DIRECTORY);
      } else {
        mentees.push_back(person);
      }
    } else if (person >= 0) {
      mentors.push_back(person);
      seats_of_enrollment.push_back(e.seats());
      mentor_ids.push_back(e.person_id());
    }
  }
  auto loads = LoadsOf(pool_, mentor_ids, programme_id);
  if (!loads.ok()) return loads.status();
  auto contexts = ContextsOf(pool_, index, mentees);
  if (!contexts.ok()) return contexts.status();

  const PairScorer scorer(PolicyOf(*programme), index);
  const CohortScores scores(scorer, mentees, mentors, *contexts);
  CohortProblem problem;
  problem.scores = &scores;
  problem.max_score = std::max(1, scorer.policy().max_score());
  problem.extra_seat_cost = programme->policy().extra_seat_cost();
  problem.threads = solver_threads_;
  int total_seats = 0;
  for (size_t j = 0; j < mentors.size(); ++j) {
    problem.seats.push_back(FreeSeats(seats_of_enrollment[j], (*loads)[mentor_ids[j]], index.at(mentors[j])));
    total_seats += problem.seats.back();
  }
  const auto started = std::chrono::steady_clock::now();
  const CohortSolution solution = SolveCohort(problem);
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();

  for (size_t i = 0; i < mentees.size(); ++i) {
    const int32_t mentee = mentees[i];
    if (solution.mentor_of[i] >= 0) {
      const int32_t mentor = mentors[solution.mentor_of[i]];
      FillPair(scorer.Explain(mentee, mentor, (*contexts)[i]), index.id(mentee), index.id(mentor), draft.add_pairs());
    } else {
      const auto counts = RejectionCounts(scorer, mentee, mentors, (*contexts)[i]);
      auto* unmatched = draft.add_unmatched();
      unmatched->set_mentee_id(index.id(mentee));
      unmatched->set_reason(ReasonFrom(counts, solution.feasible_mentors[i] > 0));
      FillRuledOut(counts, unmatched->mutable_ruled_out());
    }
  }
  auto* stats = draft.mutable_stats();
  stats->set_mentees(static_cast<int32_t>(mentees.size()));
  stats->set_mentors(static_cast<int32_t>(mentors.size()));
  stats->set_seats(total_seats);
  stats->set_matched(solution.matched);
  stats->set_total_score(solution.total_score);
  stats->set_total_seat_cost(solution.total_seat_cost);
  stats->set_proven_optimal(solution.proven_optimal);
  stats->set_solver_rounds(solution.rounds);
  stats->set_candidate_arcs(solution.candidate_arcs);
  stats->set_arcs_added_by_pricing(solution.arcs_added_by_pricing);
  stats->set_solve_millis(millis);
  spdlog::info("cohort {}: {} of {} mentees matched, score {}, optimal {}, {} ms", programme_id, solution.matched,
               mentees.size(), solution.total_score, solution.proven_optimal, millis);
  auto saved = pool_.InTransaction([&](pg::Transaction& txn) { return SaveDraft(txn, draft); });
  if (!saved.ok()) return saved;
  return PageOf(draft, 0, kDraftPage);
}

absl::StatusOr<v1::MatchDraft> MatchingApp::GetDraft(const CallContext& call, const v1::GetDraftRequest& request) {
  if (!IsAdmin(call.caller)) return errors::PermissionDenied("programme admins only");
  if (request.draft_id().empty()) return errors::InvalidArgument("draft_id", "required", "name the draft");
  if (request.page_size() < 0 || request.page_size() > kMaxDraftPage) {
    return errors::InvalidArgument("page_size", "range_0_2000", "must be between 1 and 2000 (0: the default, 500)");
  }
  int64_t offset = 0;
  if (!request.page_token().empty() && (!absl::SimpleAtoi(request.page_token(), &offset) || offset < 0)) {
    return errors::InvalidArgument("page_token", "page_token", "pass the next_page_token of the previous page");
  }
  auto draft =
      LoadBody<v1::MatchDraft>(pool_, "SELECT body FROM drafts WHERE draft_id = $1", request.draft_id(), "draft");
  if (!draft.ok()) return draft.status();
  return PageOf(*draft, offset, request.page_size() == 0 ? kDraftPage : request.page_size());
}

absl::StatusOr<v1::MatchDraft> MatchingApp::EditDraft(const CallContext& call, const v1::EditDraftRequest& request) {
  if (request.edits().empty()) return errors::InvalidArgument("edits", "required", "at least one edit");
  return ChangeDraft(
      call, request.draft_id(), request.expected_version(), "edited",
      [&](pg::Transaction& txn, v1::MatchDraft& draft) -> absl::Status {
        auto programme = LoadProgramme(txn, draft.programme_id());
        if (!programme.ok()) return programme.status();
        auto people = directory_.Current(&txn);
        if (!people.ok()) return people.status();
        const PeopleIndex& index = **people;
        const PairScorer scorer(PolicyOf(*programme), index);
        auto enrolled = EnrollmentsOf(txn, draft.programme_id(), v1::PARTICIPANT_ROLE_UNSPECIFIED);
        if (!enrolled.ok()) return enrolled.status();
        absl::flat_hash_map<std::string, int> seats;  // enrolled mentors' programme seats
        absl::flat_hash_map<std::string, bool> mentee_enrolled;
        std::vector<std::string> mentor_ids;
        for (const auto& e : *enrolled) {
          if (e.role() == v1::PARTICIPANT_ROLE_MENTOR) {
            seats[e.person_id()] = e.seats();
            mentor_ids.push_back(e.person_id());
          } else {
            mentee_enrolled[e.person_id()] = true;
          }
        }
        errors::Violations violations;
        for (int k = 0; k < request.edits_size(); ++k) {
          const auto& edit = request.edits(k);
          const std::string field = absl::StrCat("edits[", k, "]");
          if (!mentee_enrolled.contains(edit.mentee_id())) {
            violations.Add(field + ".mentee_id", "enrolled_mentee", "not a mentee enrolled in this programme");
            continue;
          }
          // Take the mentee out wherever they are, then place them as asked.
          auto& pairs = *draft.mutable_pairs();
          pairs.erase(std::remove_if(pairs.begin(), pairs.end(),
                                     [&](const auto& p) { return p.mentee_id() == edit.mentee_id(); }),
                      pairs.end());
          auto& unmatched = *draft.mutable_unmatched();
          unmatched.erase(std::remove_if(unmatched.begin(), unmatched.end(),
                                         [&](const auto& u) { return u.mentee_id() == edit.mentee_id(); }),
                          unmatched.end());
          if (edit.mentor_id().empty()) {
            auto* removed = draft.add_unmatched();
            removed->set_mentee_id(edit.mentee_id());
            removed->set_reason(v1::UNMATCHED_REASON_REMOVED_BY_ADMIN);
            continue;
          }
          if (!seats.contains(edit.mentor_id())) {
            violations.Add(field + ".mentor_id", "enrolled_mentor", "not a mentor enrolled in this programme");
            continue;
          }
          const int32_t mentee = index.IndexOf(edit.mentee_id());
          const int32_t mentor = index.IndexOf(edit.mentor_id());
          if (mentee < 0 || mentor < 0) {
            violations.Add(field, "in_directory", "both people must be in the directory");
            continue;
          }
          auto contexts = ContextsOf(txn, index, {mentee});
          if (!contexts.ok()) return contexts.status();
          const ScoredPair scored = scorer.Explain(mentee, mentor, contexts->front());
          if (scored.rejection != Rejection::kNone) {
            violations.Add(field, absl::StrCat("constraint_", RejectionName(scored.rejection)),
                           "a hard constraint forbids this pair");
            continue;
          }
          auto loads = LoadsOf(txn, {edit.mentor_id()}, draft.programme_id());
          if (!loads.ok()) return loads.status();
          const int free = FreeSeats(seats[edit.mentor_id()], (*loads)[edit.mentor_id()], index.at(mentor));
          const int used =
              static_cast<int>(std::count_if(draft.pairs().begin(), draft.pairs().end(),
                                             [&](const auto& p) { return p.mentor_id() == edit.mentor_id(); }));
          if (used >= free) {
            violations.Add(field + ".mentor_id", "seat_capacity", absl::StrCat("the mentor has ", free, " free seats"));
            continue;
          }
          auto* pair = draft.add_pairs();
          FillPair(scored, edit.mentee_id(), edit.mentor_id(), pair);
          pair->set_edited(true);
        }
        if (!violations.empty()) return violations.ToStatus();
        int64_t total = 0;
        for (const auto& pair : draft.pairs()) total += pair.score();
        draft.mutable_stats()->set_matched(draft.pairs_size());
        draft.mutable_stats()->set_total_score(total);
        draft.mutable_stats()->set_proven_optimal(false);  // an edited draft is the admin's choice
        return absl::OkStatus();
      });
}

absl::StatusOr<v1::MatchDraft> MatchingApp::PublishDraft(const CallContext& call, const std::string& draft_id,
                                                         int64_t expected) {
  return ChangeDraft(
      call, draft_id, expected, "published", [&](pg::Transaction& txn, v1::MatchDraft& draft) -> absl::Status {
        auto programme = LoadProgramme(txn, draft.programme_id());
        if (!programme.ok()) return programme.status();
        // Lock everyone involved first (no concurrent accept or publish can change their seats
        // or focus areas meanwhile), then re-check each pair against what is true now.
        std::vector<std::string> mentor_ids, everyone;
        for (const auto& pair : draft.pairs()) {
          mentor_ids.push_back(pair.mentor_id());
          everyone.push_back(pair.mentor_id());
          everyone.push_back(pair.mentee_id());
        }
        if (auto locked = LockPeople(txn, everyone); !locked.ok()) return locked;
        std::sort(mentor_ids.begin(), mentor_ids.end());
        mentor_ids.erase(std::unique(mentor_ids.begin(), mentor_ids.end()), mentor_ids.end());
        auto people = directory_.Current(&txn);
        if (!people.ok()) return people.status();
        const PeopleIndex& index = **people;
        const PairScorer scorer(PolicyOf(*programme), index);
        auto enrolled = EnrollmentsOf(txn, draft.programme_id(), v1::PARTICIPANT_ROLE_UNSPECIFIED);
        if (!enrolled.ok()) return enrolled.status();
        absl::flat_hash_map<std::string, int> seats;
        absl::flat_hash_set<std::string> mentees_enrolled;
        for (const auto& e : *enrolled) {
          if (e.role() == v1::PARTICIPANT_ROLE_MENTOR) seats[e.person_id()] = e.seats();
          if (e.role() == v1::PARTICIPANT_ROLE_MENTEE) mentees_enrolled.insert(e.person_id());
        }
        auto loads = LoadsOf(txn, mentor_ids, draft.programme_id());
        if (!loads.ok()) return loads.status();
        std::vector<int32_t> mentees;
        for (const auto& pair : draft.pairs()) mentees.push_back(std::max(index.IndexOf(pair.mentee_id()), 0));
        auto contexts = ContextsOf(txn, index, mentees);  // one query for the whole draft
        if (!contexts.ok()) return contexts.status();
        absl::flat_hash_map<std::string, int> taking;
        errors::Violations violations;
        std::vector<EventEnvelope> batch;
        for (int k = 0; k < draft.pairs_size(); ++k) {
          const auto& pair = draft.pairs(k);
          const std::string field = absl::StrCat("pairs[", k, "]");
          const int32_t mentee = index.IndexOf(pair.mentee_id());
          const int32_t mentor = index.IndexOf(pair.mentor_id());
          if (mentee < 0 || mentor < 0 || !seats.contains(pair.mentor_id()) ||
              !mentees_enrolled.contains(pair.mentee_id())) {
            violations.Add(field, "in_directory", "both people must still be in the directory and enrolled");
            continue;
          }
          const MenteeContext& context = (*contexts)[static_cast<size_t>(k)];
          if (Rejection why = scorer.Check(mentee, mentor, context); why != Rejection::kNone) {
            violations.Add(field, absl::StrCat("constraint_", RejectionName(why)),
                           "no longer allowed: edit the draft or run matching again");
            continue;
          }
          const int free = FreeSeats(seats[pair.mentor_id()], (*loads)[pair.mentor_id()], index.at(mentor));
          if (++taking[pair.mentor_id()] > free) {
            violations.Add(field + ".mentor_id", "seat_capacity",
                           "the mentor's seats were taken since the draft was made");
            continue;
          }
          auto relationship =
              ProposeRelationship(txn, &call, &*programme, pair.mentee_id(), pair.mentor_id(),
                                  FocusAreasOf(scorer.FocusOf(mentee, mentor, context)), "cohort", clock_, batch);
          if (!relationship.ok()) return relationship.status();
          draft.add_relationship_ids(relationship->relationship_id());
        }
        if (!violations.empty()) return violations.ToStatus();
        draft.set_state(v1::DRAFT_STATE_PUBLISHED);
        return AppendAll(txn, batch, clock_);
      });
}

absl::StatusOr<v1::MatchDraft> MatchingApp::DiscardDraft(const CallContext& call, const std::string& draft_id,
                                                         int64_t expected) {
  return ChangeDraft(call, draft_id, expected, "discarded", [](pg::Transaction&, v1::MatchDraft& draft) {
    draft.set_state(v1::DRAFT_STATE_DISCARDED);
    return absl::OkStatus();
  });
}

absl::StatusOr<v1::MatchDraft> MatchingApp::ChangeDraft(const CallContext& call, const std::string& draft_id,
                                                        int64_t expected, const char* action,
                                                        const DraftMutation& mutation) {
  if (auto allowed = RequireAdmin(call); !allowed.ok()) return allowed;
  absl::StatusOr<v1::MatchDraft> result;
  auto status = pool_.InTransaction([&](pg::Transaction& txn) -> absl::Status {
    auto draft = LoadDraftForUpdate(txn, draft_id);
    if (!draft.ok()) return draft.status();
    if (draft->version() != expected) return errors::VersionConflict("draft", expected, draft->version());
    if (draft->state() != v1::DRAFT_STATE_OPEN) {
      return errors::FailedPrecondition("DRAFT_CLOSED", absl::StrCat("only an open draft can be ", action));
    }
    if (auto changed = mutation(txn, *draft); !changed.ok()) return changed;
    draft->set_version(draft->version() + 1);
    if (auto saved = SaveDraft(txn, *draft); !saved.ok()) return saved;
    result = PageOf(*draft, 0, kDraftPage);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return result;
}

// ---------------------------------------------------------------- requests

absl::StatusOr<v1::MentorshipRequest> MatchingApp::CreateRequest(const CallContext& call,
                                                                 v1::MentorshipRequest request) {
  if (auto valid = ValidateRequest(request); !valid.ok()) return valid;
  if (call.caller.id != request.mentee_id() && !call.caller.IsService()) {
    return errors::PermissionDenied("a mentee asks for themself");
  }
  std::optional<v1::Programme> programme;
  if (!request.programme_id().empty()) {
    auto loaded = LoadProgramme(pool_, request.programme_id());
    if (!loaded.ok()) return loaded.status();
    programme = std::move(*loaded);
  }
  auto people = directory_.Current();
  if (!people.ok()) return people.status();
  const PeopleIndex& index = **people;
  const int32_t mentee = index.IndexOf(request.mentee_id());
  const int32_t mentor = index.IndexOf(request.mentor_id());
  if (mentee < 0) return errors::InvalidArgument("request.mentee_id", "in_directory", "unknown person");
  if (mentor < 0) return errors::InvalidArgument("request.mentor_id", "in_directory", "unknown person");
  absl::StatusOr<v1::MentorshipRequest> result;
  auto status = pool_.InTransaction([&](pg::Transaction& txn) -> absl::Status {
    // The pending-request limit and the covered focus areas are counted under the mentee's lock.
    if (auto locked = LockPeople(txn, {request.mentee_id()}); !locked.ok()) return locked;
    auto contexts = ContextsOf(txn, index, {mentee});
    if (!contexts.ok()) return contexts.status();
    const FocusMask asked = FocusOfRequest(request);
    if (asked & contexts->front().covered_areas) {
      return errors::InvalidArgument("request.focus_areas", "one_mentor_per_focus_area",
                                     "the mentee already has a mentor for one of these focus areas");
    }
    if ((index.at(mentor).expertise & asked) == 0) {
      return errors::InvalidArgument("request.focus_areas", "offered_by_mentor",
                                     "the mentor offers none of these focus areas");
    }
    const PairScorer scorer = RequestScorer(programme ? &*programme : nullptr, index);
    contexts->front().wanted_areas = asked;
    if (Rejection why = scorer.Check(mentee, mentor, contexts->front()); why != Rejection::kNone) {
      return errors::InvalidArgument("request.mentor_id", absl::StrCat("constraint_", RejectionName(why)),
                                     "this mentor cannot be asked: a hard matching rule forbids the pair");
    }
    auto pending = txn.Exec("SELECT count(*) FROM requests WHERE mentee_id = $1 AND state = 1", {request.mentee_id()});
    if (!pending.ok()) return pending.status();
    const int limit = programme ? programme->max_pending_requests_per_mentee() : kMaxPendingInformal;
    if (pending->Int(0, 0) >= limit) {
      return errors::FailedPrecondition("TOO_MANY_PENDING_REQUESTS",
                                        absl::StrCat("at most ", limit, " pending requests per mentee"));
    }
    request.set_request_id(NewUuidV7(clock_));
    request.set_state(v1::REQUEST_STATE_PENDING);
    request.set_version(1);
    request.clear_decline_reason();
    request.clear_relationship_id();
    SetTimestamp(request.mutable_created_at(), clock_.Now());
    if (auto saved = SaveRequest(txn, request); !saved.ok()) {
      if (saved.code() == absl::StatusCode::kAlreadyExists) {
        return errors::FailedPrecondition("ALREADY_REQUESTED", "a request to this mentor is already pending");
      }
      return saved;
    }
    auto event = NewEvent(&call, "request", request.request_id(), 1, clock_);
    auto* created = event.mutable_request_created();
    created->set_request_id(request.request_id());
    created->set_programme_id(request.programme_id());
    created->set_mentee_id(request.mentee_id());
    created->set_mentor_id(request.mentor_id());
    *created->mutable_focus_areas() = request.focus_areas();
    if (auto appended = Outbox::Append(txn, std::move(event), clock_); !appended.ok()) return appended;
    result = request;
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return result;
}

absl::StatusOr<v1::MentorshipRequest> MatchingApp::AnswerRequest(const CallContext& call, const std::string& request_id,
                                                                 Party who, const RequestMutation& mutation) {
  absl::StatusOr<v1::MentorshipRequest> result;
  auto status = pool_.InTransaction([&](pg::Transaction& txn) -> absl::Status {
    auto request = LoadRequestForUpdate(txn, request_id);
    if (!request.ok()) return request.status();
    if (call.caller.id != (who == Party::kMentor ? request->mentor_id() : request->mentee_id())) {
      return errors::PermissionDenied(who == Party::kMentor ? "only the mentor asked may answer a request"
                                                            : "only the mentee may withdraw their request");
    }
    if (request->state() != v1::REQUEST_STATE_PENDING) {
      return errors::FailedPrecondition("REQUEST_NOT_PENDING", "the request was already decided or withdrawn");
    }
    request->set_version(request->version() + 1);  // the events' sequence
    std::vector<EventEnvelope> batch;
    if (auto answered = mutation(txn, *request, batch); !answered.ok()) return answered;
    if (auto saved = SaveRequest(txn, *request); !saved.ok()) return saved;
    if (auto appended = AppendAll(txn, batch, clock_); !appended.ok()) return appended;
    result = std::move(*request);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return result;
}

absl::StatusOr<v1::MentorshipRequest> MatchingApp::AcceptRequest(const CallContext& call,
                                                                 const std::string& request_id) {
  return AnswerRequest(
      call, request_id, Party::kMentor,
      [&](pg::Transaction& txn, v1::MentorshipRequest& request, std::vector<EventEnvelope>& batch) -> absl::Status {
        // The mentor's last seat, and the mentee's open focus areas, go to whoever locks first.
        if (auto locked = LockPeople(txn, {request.mentee_id(), request.mentor_id()}); !locked.ok()) return locked;
        std::optional<v1::Programme> programme;
        if (!request.programme_id().empty()) {
          auto loaded = LoadProgramme(txn, request.programme_id());
          if (!loaded.ok()) return loaded.status();
          programme = std::move(*loaded);
        }
        auto people = directory_.Current(&txn);
        if (!people.ok()) return people.status();
        const PeopleIndex& index = **people;
        const int32_t mentee = index.IndexOf(request.mentee_id());
        const int32_t mentor = index.IndexOf(request.mentor_id());
        if (mentee < 0 || mentor < 0) return errors::FailedPrecondition("UNKNOWN_PERSON", "no longer in the directory");
        auto loads = LoadsOf(txn, {request.mentor_id()}, request.programme_id());
        if (!loads.ok()) return loads.status();
        int programme_seats = -1;
        if (programme) {
          auto enrolled =
              txn.Exec("SELECT body FROM enrollments WHERE programme_id = $1 AND person_id = $2 AND role = 2",
                       {request.programme_id(), request.mentor_id()});
          if (!enrolled.ok()) return enrolled.status();
          if (enrolled->rows() > 0) {
            v1::Enrollment e;
            e.ParseFromString(enrolled->Bytes(0, 0));
            programme_seats = e.seats();
          }
        }
        if (FreeSeats(programme_seats, (*loads)[request.mentor_id()], index.at(mentor)) <= 0) {
          return errors::FailedPrecondition("NO_CAPACITY", "the mentor has no free seat");
        }
        auto contexts = ContextsOf(txn, index, {mentee});
        if (!contexts.ok()) return contexts.status();
        const FocusMask asked = FocusOfRequest(request);
        if (asked & contexts->front().covered_areas) {
          return errors::FailedPrecondition("FOCUS_AREA_COVERED", "the mentee has a mentor for this focus area by now");
        }
        // What held when the mentee asked may not hold now (a new conflict, a new manager, leave).
        contexts->front().wanted_areas = asked;
        if (Rejection why =
                RequestScorer(programme ? &*programme : nullptr, index).Check(mentee, mentor, contexts->front());
            why != Rejection::kNone) {
          return errors::WithReason(absl::StatusCode::kFailedPrecondition,
                                    absl::StrCat("CONSTRAINT_", RejectionName(why)),
                                    absl::StrCat("a hard matching rule now forbids this pair: ", RejectionName(why)));
        }
        auto accepted = NewEvent(&call, "request", request.request_id(), request.version(), clock_);
        batch.push_back(std::move(accepted));  // before match.proposed, which ProposeRelationship adds
        auto relationship = ProposeRelationship(txn, &call, programme ? &*programme : nullptr, request.mentee_id(),
                                                request.mentor_id(), FocusAreasOf(asked), "request", clock_, batch);
        if (!relationship.ok()) return relationship.status();
        request.set_state(v1::REQUEST_STATE_ACCEPTED);
        request.set_relationship_id(relationship->relationship_id());
        batch.front().mutable_request_accepted()->set_request_id(request.request_id());
        batch.front().mutable_request_accepted()->set_relationship_id(relationship->relationship_id());
        // The mentee's other pending requests for these focus areas are answered now.
        auto others =
            txn.Exec("SELECT body FROM requests WHERE mentee_id = $1 AND state = 1 AND request_id <> $2 FOR UPDATE",
                     {request.mentee_id(), request.request_id()});
        if (!others.ok()) return others.status();
        for (int i = 0; i < others->rows(); ++i) {
          v1::MentorshipRequest other;
          other.ParseFromString(others->Bytes(i, 0));
          if ((FocusOfRequest(other) & asked) == 0) continue;
          if (auto withdrawn = WithdrawInTransaction(txn, other, true, &call, clock_, batch); !withdrawn.ok()) {
            return withdrawn;
          }
        }
        return absl::OkStatus();
      });
}

absl::StatusOr<v1::MentorshipRequest> MatchingApp::DeclineRequest(const CallContext& call,
                                                                  const std::string& request_id,
                                                                  const std::string& reason) {
  if (reason.empty()) return errors::InvalidArgument("reason", "required", "say why (only the mentee will see it)");
  if (reason.size() > 2000) return errors::InvalidArgument("reason", "max_length", "must be at most 2000 bytes");
  return AnswerRequest(call, request_id, Party::kMentor,
                       [&](pg::Transaction&, v1::MentorshipRequest& request, std::vector<EventEnvelope>& batch) {
                         request.set_state(v1::REQUEST_STATE_DECLINED);
                         request.set_decline_reason(reason);
                         auto event = NewEvent(&call, "request", request.request_id(), request.version(), clock_);
                         event.mutable_request_declined()->set_request_id(request.request_id());
                         batch.push_back(std::move(event));
                         return absl::OkStatus();
                       });
}

absl::StatusOr<v1::MentorshipRequest> MatchingApp::WithdrawRequest(const CallContext& call,
                                                                   const std::string& request_id) {
  return AnswerRequest(call, request_id, Party::kMentee,
                       [&](pg::Transaction&, v1::MentorshipRequest& request, std::vector<EventEnvelope>& batch) {
                         request.set_state(v1::REQUEST_STATE_WITHDRAWN);
                         auto event = NewEvent(&call, "request", request.request_id(), request.version(), clock_);
                         event.mutable_request_withdrawn()->set_request_id(request.request_id());
                         batch.push_back(std::move(event));
                         return absl::OkStatus();
                       });
}

absl::StatusOr<std::vector<v1::MentorshipRequest>> MatchingApp::ListRequests(const CallContext& call,
                                                                             const v1::ListRequestsRequest& request) {
  if (request.person_id().empty()) return errors::InvalidArgument("person_id", "required", "name the person");
  if (auto allowed = RequireSelfOrAdmin(call, request.person_id(), "requests"); !allowed.ok()) return allowed;
  auto rows = pool_.Exec(
      "SELECT body FROM requests WHERE (mentee_id = $1 OR mentor_id = $1) AND (NOT $2 OR state = 1) "
      "ORDER BY created_at, request_id",
      {request.person_id(), request.pending_only()});
  if (!rows.ok()) return rows.status();
  std::vector<v1::MentorshipRequest> out(rows->rows());
  for (int i = 0; i < rows->rows(); ++i) {
    out[i].ParseFromString(rows->Bytes(i, 0));
    if (call.caller.id != out[i].mentee_id() && call.caller.id != out[i].mentor_id()) RedactRequest(out[i]);
  }
  return out;
}

// ---------------------------------------------------------------- relationships

absl::StatusOr<v1::Relationship> MatchingApp::GetRelationship(const CallContext& call, const std::string& id,
                                                              v1::RelationshipView view) {
  if (id.empty()) return errors::InvalidArgument("relationship_id", "required", "name the relationship");
  auto r = LoadBody<v1::Relationship>(pool_, "SELECT body FROM relationships WHERE relationship_id = $1", id,
                                      "relationship");
  if (!r.ok()) return r.status();
  auto served = ViewFor(*r, call.caller, view);
  if (!served.ok()) return served.status();
  if (*served == v1::RELATIONSHIP_VIEW_SUMMARY) {
    Redact(*r);
  } else {
    r->set_view(v1::RELATIONSHIP_VIEW_FULL);
  }
  return r;
}

absl::StatusOr<std::vector<v1::Relationship>> MatchingApp::ListRelationships(
    const CallContext& call, const v1::ListRelationshipsRequest& request) {
  absl::StatusOr<pg::Result> rows = absl::InvalidArgumentError("");
  if (!request.person_id().empty()) {
    if (auto allowed = RequireSelfOrAdmin(call, request.person_id(), "relationships"); !allowed.ok()) return allowed;
    rows = pool_.Exec(
        "SELECT body FROM relationships WHERE (mentee_id = $1 OR mentor_id = $1) "
        "AND ($2 OR state IN (1, 2, 3)) ORDER BY created_at, relationship_id",
        {request.person_id(), request.include_closed()});
  } else if (!request.programme_id().empty()) {
    if (auto allowed = RequireAdmin(call); !allowed.ok()) return allowed;
    rows = pool_.Exec(
        "SELECT body FROM relationships WHERE programme_id = $1 "
        "AND ($2 OR state IN (1, 2, 3)) ORDER BY created_at, relationship_id",
        {request.programme_id(), request.include_closed()});
  } else {
    return errors::InvalidArgument("person_id", "required", "name a person or a programme");
  }
  if (!rows.ok()) return rows.status();
  std::vector<v1::Relationship> out;
  for (int i = 0; i < rows->rows(); ++i) {
    v1::Relationship r;
    r.ParseFromString(rows->Bytes(i, 0));
    auto view = ViewFor(r, call.caller, v1::RELATIONSHIP_VIEW_UNSPECIFIED);
    if (!view.ok()) continue;
    if (*view == v1::RELATIONSHIP_VIEW_SUMMARY) {
      Redact(r);
    } else {
      r.set_view(v1::RELATIONSHIP_VIEW_FULL);
    }
    out.push_back(std::move(r));
  }
  return out;
}

absl::StatusOr<v1::Relationship> MatchingApp::Mutate(const CallContext& call, const std::string& id, int64_t expected,
                                                     const Mutation& mutation) {
  absl::StatusOr<v1::Relationship> result;
  auto status = pool_.InTransaction([&](pg::Transaction& txn) -> absl::Status {
    auto r = LoadRelationshipForUpdate(txn, id);
    if (!r.ok()) return r.status();
    const Party party = PartyOf(*r, call.caller);
    if (party == Party::kNone && !IsAdmin(call.caller)) {
      return errors::PermissionDenied("only the two people in a relationship may change it");
    }
    if (expected != 0 && expected != r->version())
      return errors::VersionConflict("relationship", expected, r->version());
    std::vector<EventEnvelope> batch;
    const int64_t before = r->version();
    if (auto changed = mutation(*r, party, batch); !changed.ok()) return changed;
    if (r->version() == before) r->set_version(before + 1);
    SetTimestamp(r->mutable_updated_at(), clock_.Now());
    if (auto saved = SaveRelationship(txn, *r); !saved.ok()) return saved;
    if (auto appended = AppendAll(txn, batch, clock_); !appended.ok()) return appended;
    if (r->state() == v1::RELATIONSHIP_STATE_CLOSED && r->closure_reason() == common::v1::CLOSURE_REASON_NO_RAPPORT) {
      if (auto offered = OfferRematch(txn, *r, "closed_no_rapport", clock_); !offered.ok()) return offered;
    }
    result = std::move(*r);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  if (PartyOf(*result, call.caller) == Party::kNone) {
    Redact(*result);
  } else {
    result->set_view(v1::RELATIONSHIP_VIEW_FULL);
  }
  return result;
}

absl::StatusOr<v1::Relationship> MatchingApp::AcceptAgreement(const CallContext& call,
                                                              const v1::AcceptAgreementRequest& request) {
  return Mutate(call, request.relationship_id(), 0, [&](v1::Relationship& r, Party party, auto& batch) -> absl::Status {
    if (auto ok = CheckAccept(r, party, request.agreement_version()); !ok.ok()) return ok;
    if (r.state() == v1::RELATIONSHIP_STATE_PROPOSED) {
      (party == Party::kMentee ? r.set_mentee_accepted(true) : r.set_mentor_accepted(true));
      r.set_version(r.version() + 1);
      if (r.mentee_accepted() && r.mentor_accepted()) {
        r.set_state(v1::RELATIONSHIP_STATE_ACTIVE);
        auto event = NewEvent(&call, "relationship", r.relationship_id(), r.version(), clock_);
        auto* made = event.mutable_match_made();
        made->set_relationship_id(r.relationship_id());
        made->set_programme_id(r.programme_id());
        made->set_mentee_id(r.mentee_id());
        made->set_mentor_id(r.mentor_id());
        *made->mutable_focus_areas() = r.agreement().focus_areas();
        *made->mutable_terms() = TermsOf(r.agreement());
        batch.push_back(std::move(event));
      }
      return absl::OkStatus();
    }
    // An amendment: the proposer accepted by proposing; the other party's yes applies it.
    if (call.caller.id == r.amendment_proposed_by()) {
      return errors::FailedPrecondition("AWAITING_OTHER_PARTY", "the other person accepts an amendment you proposed");
    }
    *r.mutable_agreement() = r.pending_amendment();
    r.clear_pending_amendment();
    r.clear_amendment_proposed_by();
    r.set_version(r.version() + 1);
    auto event = NewEvent(&call, "relationship", r.relationship_id(), r.version(), clock_);
    event.mutable_relationship_agreement_amended()->set_relationship_id(r.relationship_id());
    *event.mutable_relationship_agreement_amended()->mutable_terms() = TermsOf(r.agreement());
    batch.push_back(std::move(event));
    return absl::OkStatus();
  });
}

absl::StatusOr<v1::Relationship> MatchingApp::DeclineMatch(const CallContext& call,
                                                           const v1::DeclineMatchRequest& request) {
  if (request.reason().size() > 2000) return errors::InvalidArgument("reason", "max_length", "at most 2000 bytes");
  return Mutate(call, request.relationship_id(), 0, [&](v1::Relationship& r, Party party, auto& batch) -> absl::Status {
    if (auto ok = CheckDecline(r, party); !ok.ok()) return ok;
    r.set_state(v1::RELATIONSHIP_STATE_DECLINED);
    r.set_closure_note(request.reason());
    r.set_closed_by(call.caller.id);
    r.set_version(r.version() + 1);
    auto event = NewEvent(&call, "relationship", r.relationship_id(), r.version(), clock_);
    event.mutable_match_declined()->set_relationship_id(r.relationship_id());
    event.mutable_match_declined()->set_declined_by(call.caller.id);
    batch.push_back(std::move(event));
    return absl::OkStatus();
  });
}

absl::StatusOr<v1::Relationship> MatchingApp::ProposeAmendment(const CallContext& call,
                                                               const v1::ProposeAmendmentRequest& request) {
  if (auto valid = ValidateAgreement(request.agreement(), "agreement"); !valid.ok()) return valid;
  return Mutate(call, request.relationship_id(), request.expected_version(),
                [&](v1::Relationship& r, Party party, auto&) -> absl::Status {
                  if (auto ok = CheckAmend(r, party); !ok.ok()) return ok;
                  v1::Agreement amendment = request.agreement();
                  // A new number even when it replaces a pending proposal, so accepting the
                  // version one read can never accept a text changed since.
                  amendment.set_version(std::max(r.agreement().version(), r.pending_amendment().version()) + 1);
                  *r.mutable_pending_amendment() = std::move(amendment);
                  r.set_amendment_proposed_by(call.caller.id);
                  return absl::OkStatus();
                });
}

absl::StatusOr<v1::Relationship> MatchingApp::Pause(const CallContext& call,
                                                    const v1::PauseRelationshipRequest& request) {
  if (auto valid = ValidateResumeBy(request.resume_by(), Today(clock_)); !valid.ok()) return valid;
  return Mutate(call, request.relationship_id(), request.expected_version(),
                [&](v1::Relationship& r, Party party, auto& batch) -> absl::Status {
                  if (auto ok = CheckPause(r, party); !ok.ok()) return ok;
                  r.set_state(v1::RELATIONSHIP_STATE_PAUSED);
                  *r.mutable_resume_by() = request.resume_by();
                  r.set_version(r.version() + 1);
                  auto event = NewEvent(&call, "relationship", r.relationship_id(), r.version(), clock_);
                  event.mutable_relationship_paused()->set_relationship_id(r.relationship_id());
                  *event.mutable_relationship_paused()->mutable_resume_by() = request.resume_by();
                  batch.push_back(std::move(event));
                  return absl::OkStatus();
                });
}

absl::StatusOr<v1::Relationship> MatchingApp::Resume(const CallContext& call, const v1::RelationshipCommand& request) {
  return Mutate(call, request.relationship_id(), request.expected_version(),
                [&](v1::Relationship& r, Party party, auto& batch) -> absl::Status {
                  if (auto ok = CheckResume(r, party); !ok.ok()) return ok;
                  r.set_state(v1::RELATIONSHIP_STATE_ACTIVE);
                  r.clear_resume_by();
                  r.set_version(r.version() + 1);
                  auto event = NewEvent(&call, "relationship", r.relationship_id(), r.version(), clock_);
                  event.mutable_relationship_resumed()->set_relationship_id(r.relationship_id());
                  *event.mutable_relationship_resumed()->mutable_terms() = TermsOf(r.agreement());
                  batch.push_back(std::move(event));
                  return absl::OkStatus();
                });
}

absl::StatusOr<v1::Relationship> MatchingApp::Close(const CallContext& call,
                                                    const v1::CloseRelationshipRequest& request) {
  if (request.reason() == common::v1::CLOSURE_REASON_UNSPECIFIED ||
      !common::v1::ClosureReason_IsValid(request.reason())) {
    return errors::InvalidArgument("reason", "closure_reason",
                                   "say why it ends with a known reason code (not private)");
  }
  if (request.note().size() > 2000) return errors::InvalidArgument("note", "max_length", "at most 2000 bytes");
  return Mutate(call, request.relationship_id(), request.expected_version(),
                [&](v1::Relationship& r, Party party, auto& batch) -> absl::Status {
                  if (auto ok = CheckClose(r, party, call.caller); !ok.ok()) return ok;
                  if (party == Party::kNone && !request.note().empty()) {
                    return errors::InvalidArgument("note", "pair_only",
                                                   "only the two people write the private closure note");
                  }
                  CloseRelationship(r, request.reason(), call.caller.id, request.note(), &call, clock_, batch);
                  return absl::OkStatus();
                });
}

absl::StatusOr<v1::Relationship> MatchingApp::MoveToAlumni(const CallContext& call,
                                                           const v1::RelationshipCommand& request) {
  return Mutate(call, request.relationship_id(), request.expected_version(),
                [&](v1::Relationship& r, Party party, auto& batch) -> absl::Status {
                  if (auto ok = CheckAlumni(r, party); !ok.ok()) return ok;
                  r.set_state(v1::RELATIONSHIP_STATE_ALUMNI);
                  r.set_version(r.version() + 1);
                  auto event = NewEvent(&call, "relationship", r.relationship_id(), r.version(), clock_);
                  event.mutable_relationship_moved_to_alumni()->set_relationship_id(r.relationship_id());
                  batch.push_back(std::move(event));
                  return absl::OkStatus();
                });
}

// ---------------------------------------------------------------- rematch

absl::StatusOr<std::vector<v1::RematchOffer>> MatchingApp::ListRematchOffers(const CallContext& call,
                                                                             const std::string& mentee_id) {
  if (mentee_id.empty()) return errors::InvalidArgument("mentee_id", "required", "name the mentee");
  if (auto allowed = RequireSelfOrAdmin(call, mentee_id, "rematch offers"); !allowed.ok()) return allowed;
  auto rows = pool_.Exec(
      "SELECT previous_relationship_id, programme_id, previous_mentor_id, trigger, "
      "extract(epoch FROM offered_at)::bigint FROM rematch_offers WHERE mentee_id = $1 "
      "ORDER BY offered_at",
      {mentee_id});
  if (!rows.ok()) return rows.status();
  std::vector<v1::RematchOffer> out;
  for (int i = 0; i < rows->rows(); ++i) {
    v1::RematchOffer offer;
    offer.set_mentee_id(mentee_id);
    offer.set_previous_relationship_id(std::string(rows->Text(i, 0)));
    if (!rows->IsNull(i, 1)) offer.set_programme_id(std::string(rows->Text(i, 1)));
    offer.set_previous_mentor_id(std::string(rows->Text(i, 2)));
    offer.set_trigger(std::string(rows->Text(i, 3)));
    offer.mutable_offered_at()->set_seconds(rows->Int(i, 4));
    // Fresh recommendations each time they are read; every previous mentor is blocked.
    if (!offer.programme_id().empty()) {
      auto programme = LoadProgramme(pool_, offer.programme_id());
      if (!programme.ok()) return programme.status();
      auto recommendations =
          RecommendationsFor(*programme, mentee_id, kDefaultLimit, nullptr, offer.previous_relationship_id());
      if (!recommendations.ok()) return recommendations.status();
      for (auto& r : *recommendations) *offer.add_recommendations() = std::move(r);
    }
    out.push_back(std::move(offer));
  }
  return out;
}

// ---------------------------------------------------------------- consumed events

absl::Status MatchingApp::OnEvent(pg::Transaction& txn, const EventEnvelope& event, const ProfilesSource& profiles) {
  std::vector<EventEnvelope> batch;
  std::string person_id;
  bool departed = false;
  switch (event.payload_case()) {
    case EventEnvelope::kProfileCreated:
    case EventEnvelope::kProfileUpdated:
    case EventEnvelope::kProfileDeactivated: {
      person_id = event.aggregate_id();
      auto kept = Directory::KeptVersion(txn, person_id);
      if (!kept.ok()) return kept.status();
      if (*kept >= event.sequence()) {
        // Old news (a replay, a duplicate): what is kept decides, never the old payload,
        // or a departure replayed after a rehire would close the new relationships.
        auto status_now = Directory::KeptStatus(txn, person_id);
        if (!status_now.ok()) return status_now.status();
        if (*status_now != common::v1::EMPLOYMENT_STATUS_DEPARTED) return absl::OkStatus();
        departed = true;
      } else {
        // The event says what changed, never the facts: fetch them (profiles reads are
        // never stale after a write, so this is at least the event's version).
        auto person = profiles.Fetch(person_id);
        if (!person.ok()) {
          const auto code = person.status().code();
          if (code == absl::StatusCode::kNotFound || code == absl::StatusCode::kInvalidArgument) {
            // A definite answer (erased since, or not a person id at all): nothing to keep.
            spdlog::warn("profile event for {} skipped: {}", person_id, person.status().ToString());
            return absl::OkStatus();
          }
          if (code == absl::StatusCode::kInternal || code == absl::StatusCode::kUnknown) {
            return person.status();  // a bug somewhere: retried a few times, then parked
          }
          // Outages and refusals (a rotated token secret) are waited out: nothing is lost.
          return errors::Unavailable("profiles", person.status().ToString());
        }
        if (auto stored = Directory::Upsert(txn, *person); !stored.ok()) return stored.status();
        departed = person->employment_status() == common::v1::EMPLOYMENT_STATUS_DEPARTED;
      }
      if (!departed) return absl::OkStatus();
      break;
    }
    case EventEnvelope::kProfileErased: {
      person_id = event.profile_erased().person_id();
      if (auto locked = LockPeople(txn, {person_id}); !locked.ok()) return locked;
      if (auto erased = Directory::Erase(txn, person_id); !erased.ok()) return erased;
      // Their enrollments (time commitment, consent) go, and with them their place in drafts
      // (whose explanations were built from their facts).
      auto programmes = txn.Exec("DELETE FROM enrollments WHERE person_id = $1 RETURNING programme_id", {person_id});
      if (!programmes.ok()) return programmes.status();
      for (int i = 0; i < programmes->rows(); ++i) {
        const std::string programme_id(programmes->Text(i, 0));
        if (auto bumped = BumpRoster(txn, programme_id); !bumped.ok()) return bumped;
        auto drafts = txn.Exec("SELECT body FROM drafts WHERE programme_id = $1 FOR UPDATE", {programme_id});
        if (!drafts.ok()) return drafts.status();
        for (int d = 0; d < drafts->rows(); ++d) {
          v1::MatchDraft draft;
          draft.ParseFromString(drafts->Bytes(d, 0));
          auto& pairs = *draft.mutable_pairs();
          pairs.erase(
              std::remove_if(pairs.begin(), pairs.end(),
                             [&](const auto& p) { return p.mentee_id() == person_id || p.mentor_id() == person_id; }),
              pairs.end());
          auto& unmatched = *draft.mutable_unmatched();
          unmatched.erase(std::remove_if(unmatched.begin(), unmatched.end(),
                                         [&](const auto& u) { return u.mentee_id() == person_id; }),
                          unmatched.end());
          if (auto saved = SaveDraft(txn, draft); !saved.ok()) return saved;
        }
      }
      // Free text they wrote or that is about them goes too; ids stay (opaque).
      auto rows = txn.Exec("SELECT body FROM requests WHERE mentee_id = $1 OR mentor_id = $1 FOR UPDATE", {person_id});
      if (!rows.ok()) return rows.status();
      for (int i = 0; i < rows->rows(); ++i) {
        v1::MentorshipRequest r;
        r.ParseFromString(rows->Bytes(i, 0));
        RedactRequest(r);
        auto saved = r.state() == v1::REQUEST_STATE_PENDING
                         ? WithdrawInTransaction(txn, r, true, nullptr, clock_, batch)
                         : SaveRequest(txn, r);
        if (!saved.ok()) return saved;
      }
      if (auto removed = txn.Exec("DELETE FROM rematch_offers WHERE mentee_id = $1", {person_id}); !removed.ok()) {
        return removed.status();
      }
      departed = true;
      break;
    }
    case EventEnvelope::kRapportAtRisk: {
      auto r = LoadRelationshipForUpdate(txn, event.rapport_at_risk().relationship_id());
      if (r.status().code() == absl::StatusCode::kNotFound) {
        return EventConsumer::Park("rapport.at_risk for a relationship not known yet");
      }
      if (!r.ok()) return r.status();
      if (!IsOpen(r->state())) return absl::OkStatus();
      return OfferRematch(txn, *r, "rapport.at_risk", clock_);
    }
    default:
      return absl::OkStatus();
  }
  // A departed or erased person: pending requests withdrawn, open relationships closed,
  // under the person's lock (no accept or publish can open a new one meanwhile).
  if (!event.has_profile_erased()) {
    if (auto locked = LockPeople(txn, {person_id}); !locked.ok()) return locked;
    auto pending = txn.Exec(
        "SELECT body FROM requests WHERE (mentee_id = $1 OR mentor_id = $1) AND state = 1 FOR UPDATE", {person_id});
    if (!pending.ok()) return pending.status();
    for (int i = 0; i < pending->rows(); ++i) {
      v1::MentorshipRequest r;
      r.ParseFromString(pending->Bytes(i, 0));
      if (auto withdrawn = WithdrawInTransaction(txn, r, true, nullptr, clock_, batch); !withdrawn.ok())
        return withdrawn;
    }
  }
  auto open = txn.Exec(absl::StrCat("SELECT body FROM relationships WHERE (mentee_id = $1 OR mentor_id = $1) ",
                                    event.has_profile_erased() ? "" : absl::StrCat("AND state IN ", kOpenStates),
                                    " ORDER BY relationship_id FOR UPDATE"),
                       {person_id});
  if (!open.ok()) return open.status();
  for (int i = 0; i < open->rows(); ++i) {
    v1::Relationship r;
    r.ParseFromString(open->Bytes(i, 0));
    if (IsOpen(r.state())) {
      CloseRelationship(r, common::v1::CLOSURE_REASON_LEFT_ORGANISATION, "", "", nullptr, clock_, batch);
    }
    if (event.has_profile_erased()) {
      r.clear_closure_note();
      r.mutable_agreement()->clear_expectations();
      r.mutable_agreement()->clear_mentee_role();
      r.mutable_agreement()->clear_mentor_role();
      r.mutable_agreement()->clear_goal_ids();
      r.clear_pending_amendment();
    }
    SetTimestamp(r.mutable_updated_at(), clock_.Now());
    if (auto saved = SaveRelationship(txn, r); !saved.ok()) return saved;
  }
  return AppendAll(txn, batch, clock_);
}

}  // namespace mentoring::matching
