#include "requests_app.h"

#include <absl/strings/str_cat.h>

#include "mentoring/runtime/errors.h"
#include "mentoring/runtime/ids.h"
#include "mentoring/runtime/outbox.h"
#include "mentoring/runtime/paging.h"
#include "relationship_changes.h"

namespace mentoring::matching {
namespace {

constexpr int kMaxPendingInformal = 3;  // pending requests per mentee outside programmes
constexpr size_t kMaxReason = 2000;

}  // namespace

absl::StatusOr<std::optional<v1::Programme>> RequestsApp::ProgrammeOf(pg::Executor& db,
                                                                      const v1::MentorshipRequest& request) {
  if (request.programme_id().empty()) return std::optional<v1::Programme>();
  auto programme = programmes_.Get(db, request.programme_id());
  if (!programme.ok()) return programme.status();
  return std::optional<v1::Programme>(std::move(*programme));
}

absl::StatusOr<v1::MentorshipRequest> RequestsApp::CreateMentorshipRequest(
    const CallContext& call, const v1::CreateMentorshipRequestRequest& in) {
  v1::MentorshipRequest request = in.request();
  if (auto valid = ValidateRequest(request); !valid.ok()) return valid;
  if (call.caller.id != request.mentee_id() && !call.caller.IsService()) {
    return errors::PermissionDenied("a mentee asks for themself");
  }
  auto programme = ProgrammeOf(pool_, request);
  if (!programme.ok()) return programme.status();
  auto people = directory_.Fresh(pool_);
  if (!people.ok()) return people.status();
  const PeopleIndex& index = **people;
  const int32_t mentee = index.IndexOf(request.mentee_id());
  const int32_t mentor = index.IndexOf(request.mentor_id());
  if (mentee < 0) return errors::InvalidArgument("request.mentee_id", "in_directory", "unknown person");
  if (mentor < 0) return errors::InvalidArgument("request.mentor_id", "in_directory", "unknown person");
  const v1::Programme* in_programme = *programme ? &**programme : nullptr;
  return pg::InTransaction(pool_, [&](pg::Transaction& txn) -> absl::StatusOr<v1::MentorshipRequest> {
    // The pending-request limit and the covered focus areas are counted under the mentee's lock.
    if (auto locked = relationships_.LockPeople(txn, {request.mentee_id()}); !locked.ok()) return locked;
    auto contexts = contexts_.Of(txn, index, {mentee});
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
    contexts->front().wanted_areas = asked;
    if (Rejection why = RequestScorer(in_programme, index).Check(mentee, mentor, contexts->front());
        why != Rejection::kNone) {
      return errors::InvalidArgument("request.mentor_id", absl::StrCat("constraint_", RejectionName(why)),
                                     "this mentor cannot be asked: a hard matching rule forbids the pair");
    }
    auto pending = requests_.CountPendingOf(txn, request.mentee_id());
    if (!pending.ok()) return pending.status();
    const int limit = in_programme ? in_programme->max_pending_requests_per_mentee() : kMaxPendingInformal;
    if (*pending >= limit) {
      return errors::FailedPrecondition("TOO_MANY_PENDING_REQUESTS",
                                        absl::StrCat("at most ", limit, " pending requests per mentee"));
    }
    v1::MentorshipRequest created = request;
    created.set_request_id(NewUuidV7(clock_));
    created.set_state(v1::REQUEST_STATE_PENDING);
    created.set_version(1);
    created.clear_decline_reason();
    created.clear_relationship_id();
    SetTimestamp(created.mutable_created_at(), clock_.Now());
    if (auto inserted = requests_.InsertPending(txn, created); !inserted.ok()) return inserted;
    auto event = NewEvent(&call, "request", created.request_id(), 1, clock_);
    auto* announced = event.mutable_request_created();
    announced->set_request_id(created.request_id());
    announced->set_programme_id(created.programme_id());
    announced->set_mentee_id(created.mentee_id());
    announced->set_mentor_id(created.mentor_id());
    *announced->mutable_focus_areas() = created.focus_areas();
    if (auto appended = Outbox::Append(txn, std::move(event), clock_); !appended.ok()) return appended;
    return created;
  });
}

absl::StatusOr<v1::MentorshipRequest> RequestsApp::AcceptRequest(const CallContext& call,
                                                                 const v1::DecideRequestRequest& decision) {
  return AnswerRequest(
      call, decision.request_id(), Party::kMentor,
      [&](pg::Transaction& txn, v1::MentorshipRequest& request,
          std::vector<events::v1::EventEnvelope>& batch) -> absl::Status {
        // The mentor's last seat, and the mentee's open focus areas, go to whoever locks first.
        if (auto locked = relationships_.LockPeople(txn, {request.mentee_id(), request.mentor_id()}); !locked.ok()) {
          return locked;
        }
        auto programme = ProgrammeOf(txn, request);
        if (!programme.ok()) return programme.status();
        const v1::Programme* in_programme = *programme ? &**programme : nullptr;
        auto people = directory_.Fresh(txn);
        if (!people.ok()) return people.status();
        const PeopleIndex& index = **people;
        const int32_t mentee = index.IndexOf(request.mentee_id());
        const int32_t mentor = index.IndexOf(request.mentor_id());
        if (mentee < 0 || mentor < 0) return errors::FailedPrecondition("UNKNOWN_PERSON", "no longer in the directory");
        auto loads = relationships_.SeatLoads(txn, {request.mentor_id()}, request.programme_id());
        if (!loads.ok()) return loads.status();
        int programme_seats = -1;
        if (in_programme != nullptr) {
          auto enrolled =
              enrollments_.Find(txn, request.programme_id(), request.mentor_id(), v1::PARTICIPANT_ROLE_MENTOR);
          if (!enrolled.ok()) return enrolled.status();
          if (enrolled->has_value()) programme_seats = (*enrolled)->seats();
        }
        if (FreeSeats(programme_seats, (*loads)[request.mentor_id()], index.at(mentor)) <= 0) {
          return errors::FailedPrecondition("NO_CAPACITY", "the mentor has no free seat");
        }
        auto contexts = contexts_.Of(txn, index, {mentee});
        if (!contexts.ok()) return contexts.status();
        const FocusMask asked = FocusOfRequest(request);
        if (asked & contexts->front().covered_areas) {
          return errors::FailedPrecondition("FOCUS_AREA_COVERED", "the mentee has a mentor for this focus area by now");
        }
        // What held when the mentee asked may not hold now (a new conflict, a new manager, leave).
        contexts->front().wanted_areas = asked;
        if (Rejection why = RequestScorer(in_programme, index).Check(mentee, mentor, contexts->front());
            why != Rejection::kNone) {
          return errors::WithReason(absl::StatusCode::kFailedPrecondition,
                                    absl::StrCat("CONSTRAINT_", RejectionName(why)),
                                    absl::StrCat("a hard matching rule now forbids this pair: ", RejectionName(why)));
        }
        batch.push_back(NewEvent(&call, "request", request.request_id(), request.version(), clock_));
        // request.accepted goes before the match.proposed ProposedRelationship adds.
        const v1::Relationship relationship =
            ProposedRelationship(&call, in_programme, request.mentee_id(), request.mentor_id(), FocusAreasOf(asked),
                                 "request", clock_, batch);
        if (auto inserted = relationships_.InsertProposed(txn, relationship); !inserted.ok()) return inserted;
        request.set_state(v1::REQUEST_STATE_ACCEPTED);
        request.set_relationship_id(relationship.relationship_id());
        batch.front().mutable_request_accepted()->set_request_id(request.request_id());
        batch.front().mutable_request_accepted()->set_relationship_id(relationship.relationship_id());
        // The mentee's other pending requests for these focus areas are answered now.
        auto others = requests_.OtherPendingOfMenteeForUpdate(txn, request.mentee_id(), request.request_id());
        if (!others.ok()) return others.status();
        for (v1::MentorshipRequest& other : *others) {
          if ((FocusOfRequest(other) & asked) == 0) continue;
          WithdrawAutomatically(other, &call, clock_, batch);
          if (auto saved = requests_.Save(txn, other); !saved.ok()) return saved;
        }
        return absl::OkStatus();
      });
}

absl::StatusOr<v1::MentorshipRequest> RequestsApp::DeclineRequest(const CallContext& call,
                                                                  const v1::DecideRequestRequest& decision) {
  const std::string& reason = decision.reason();
  if (reason.empty()) return errors::InvalidArgument("reason", "required", "say why (only the mentee will see it)");
  if (reason.size() > kMaxReason) return errors::InvalidArgument("reason", "max_length", "must be at most 2000 bytes");
  return AnswerRequest(
      call, decision.request_id(), Party::kMentor,
      [&](pg::Transaction&, v1::MentorshipRequest& request, std::vector<events::v1::EventEnvelope>& batch) {
        request.set_state(v1::REQUEST_STATE_DECLINED);
        request.set_decline_reason(reason);
        auto event = NewEvent(&call, "request", request.request_id(), request.version(), clock_);
        event.mutable_request_declined()->set_request_id(request.request_id());
        batch.push_back(std::move(event));
        return absl::OkStatus();
      });
}

absl::StatusOr<v1::MentorshipRequest> RequestsApp::WithdrawRequest(const CallContext& call,
                                                                   const v1::WithdrawRequestRequest& withdrawal) {
  return AnswerRequest(
      call, withdrawal.request_id(), Party::kMentee,
      [&](pg::Transaction&, v1::MentorshipRequest& request, std::vector<events::v1::EventEnvelope>& batch) {
        request.set_state(v1::REQUEST_STATE_WITHDRAWN);
        auto event = NewEvent(&call, "request", request.request_id(), request.version(), clock_);
        event.mutable_request_withdrawn()->set_request_id(request.request_id());
        batch.push_back(std::move(event));
        return absl::OkStatus();
      });
}

absl::StatusOr<v1::ListRequestsResponse> RequestsApp::ListRequests(const CallContext& call,
                                                                   const v1::ListRequestsRequest& request) {
  if (request.person_id().empty()) return errors::InvalidArgument("person_id", "required", "name the person");
  if (auto allowed = RequireSelfOrAdmin(call.caller, request.person_id(), "requests"); !allowed.ok()) return allowed;
  auto size = PageSize(request.page_size());
  if (!size.ok()) return size.status();
  auto after = ParsePageToken(request.page_token());
  if (!after.ok()) return after.status();
  auto page = requests_.Involving(pool_, request.person_id(), request.pending_only(), *after, *size);
  if (!page.ok()) return page.status();
  v1::ListRequestsResponse response;
  response.set_next_page_token(page->next_page_token);
  for (auto& r : page->items) {
    if (call.caller.id != r.mentee_id() && call.caller.id != r.mentor_id()) RedactRequest(r);
    *response.add_requests() = std::move(r);
  }
  return response;
}

absl::StatusOr<v1::MentorshipRequest> RequestsApp::AnswerRequest(const CallContext& call, const std::string& request_id,
                                                                 Party who, const Answer& answer) {
  return pg::InTransaction(pool_, [&](pg::Transaction& txn) -> absl::StatusOr<v1::MentorshipRequest> {
    auto request = requests_.GetForUpdate(txn, request_id);
    if (!request.ok()) return request.status();
    if (call.caller.id != (who == Party::kMentor ? request->mentor_id() : request->mentee_id())) {
      return errors::PermissionDenied(who == Party::kMentor ? "only the mentor asked may answer a request"
                                                            : "only the mentee may withdraw their request");
    }
    if (request->state() != v1::REQUEST_STATE_PENDING) {
      return errors::FailedPrecondition("REQUEST_NOT_PENDING", "the request was already decided or withdrawn");
    }
    request->set_version(request->version() + 1);  // the events' sequence
    std::vector<events::v1::EventEnvelope> batch;
    if (auto answered = answer(txn, *request, batch); !answered.ok()) return answered;
    if (auto saved = requests_.Save(txn, *request); !saved.ok()) return saved;
    if (auto appended = Outbox::AppendMany(txn, std::move(batch), clock_); !appended.ok()) return appended;
    return std::move(*request);
  });
}

}  // namespace mentoring::matching
