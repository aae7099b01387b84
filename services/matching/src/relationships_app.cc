#include "relationships_app.h"

#include <algorithm>

#include "mentoring/runtime/errors.h"
#include "mentoring/runtime/outbox.h"
#include "mentoring/runtime/paging.h"
#include "relationship_changes.h"

namespace mentoring::matching {
namespace {

constexpr size_t kMaxText = 2000;  // a decline reason, a closure note

// The relationship in the view the caller is served (ViewFor): the summary without what is
// only for the two people, or everything.
void ApplyView(v1::RelationshipView view, v1::Relationship& r) {
  if (view == v1::RELATIONSHIP_VIEW_SUMMARY) {
    Redact(r);
  } else {
    r.set_view(v1::RELATIONSHIP_VIEW_FULL);
  }
}

}  // namespace

// ---------------------------------------------------------------- reads

absl::StatusOr<v1::Relationship> RelationshipsApp::GetRelationship(const CallContext& call,
                                                                   const v1::GetRelationshipRequest& request) {
  auto r = relationships_.Get(pool_, request.relationship_id());
  if (!r.ok()) return r.status();
  auto view = ViewFor(*r, call.caller, request.view());
  if (!view.ok()) return view.status();
  ApplyView(*view, *r);
  return r;
}

absl::StatusOr<v1::ListRelationshipsResponse> RelationshipsApp::ListRelationships(
    const CallContext& call, const v1::ListRelationshipsRequest& request) {
  auto size = PageSize(request.page_size(), {.fallback = 100, .max = 500});
  if (!size.ok()) return size.status();
  auto after = ParsePageToken(request.page_token());
  if (!after.ok()) return after.status();
  absl::StatusOr<Page<v1::Relationship>> page;
  if (!request.person_id().empty()) {
    if (auto allowed = RequireSelfOrAdmin(call.caller, request.person_id(), "relationships"); !allowed.ok()) {
      return allowed;
    }
    page = relationships_.Involving(pool_, request.person_id(), request.include_closed(), *after, *size);
  } else if (!request.programme_id().empty()) {
    if (auto allowed = RequireAdmin(call.caller); !allowed.ok()) return allowed;
    page = relationships_.OfProgramme(pool_, request.programme_id(), request.include_closed(), *after, *size);
  } else {
    return errors::InvalidArgument("person_id", "required", "name a person or a programme");
  }
  if (!page.ok()) return page.status();
  v1::ListRelationshipsResponse response;
  response.set_next_page_token(page->next_page_token);
  for (auto& r : page->items) {
    auto view = ViewFor(r, call.caller, v1::RELATIONSHIP_VIEW_UNSPECIFIED);
    if (!view.ok()) continue;
    ApplyView(*view, r);
    *response.add_relationships() = std::move(r);
  }
  return response;
}

// ---------------------------------------------------------------- the lifecycle

absl::StatusOr<v1::Relationship> RelationshipsApp::AcceptAgreement(const CallContext& call,
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

absl::StatusOr<v1::Relationship> RelationshipsApp::DeclineMatch(const CallContext& call,
                                                                const v1::DeclineMatchRequest& request) {
  if (request.reason().size() > kMaxText) return errors::InvalidArgument("reason", "max_length", "at most 2000 bytes");
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

absl::StatusOr<v1::Relationship> RelationshipsApp::ProposeAmendment(const CallContext& call,
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

absl::StatusOr<v1::Relationship> RelationshipsApp::PauseRelationship(const CallContext& call,
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

absl::StatusOr<v1::Relationship> RelationshipsApp::ResumeRelationship(const CallContext& call,
                                                                      const v1::RelationshipCommand& request) {
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

absl::StatusOr<v1::Relationship> RelationshipsApp::CloseRelationship(const CallContext& call,
                                                                     const v1::CloseRelationshipRequest& request) {
  if (request.reason() == common::v1::CLOSURE_REASON_UNSPECIFIED ||
      !common::v1::ClosureReason_IsValid(request.reason())) {
    return errors::InvalidArgument("reason", "closure_reason",
                                   "say why it ends with a known reason code (not private)");
  }
  if (request.note().size() > kMaxText) return errors::InvalidArgument("note", "max_length", "at most 2000 bytes");
  return Mutate(
      call, request.relationship_id(), request.expected_version(),
      [&](v1::Relationship& r, Party party, auto& batch) -> absl::Status {
        if (auto ok = CheckClose(r, party, call.caller); !ok.ok()) return ok;
        if (party == Party::kNone && !request.note().empty()) {
          return errors::InvalidArgument("note", "pair_only", "only the two people write the private closure note");
        }
        matching::CloseRelationship(r, request.reason(), call.caller.id, request.note(), &call, clock_, batch);
        return absl::OkStatus();
      });
}

absl::StatusOr<v1::Relationship> RelationshipsApp::MoveToAlumni(const CallContext& call,
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

absl::StatusOr<v1::Relationship> RelationshipsApp::Mutate(const CallContext& call, const std::string& relationship_id,
                                                          int64_t expected, const Mutation& mutation) {
  auto changed = pg::InTransaction(pool_, [&](pg::Transaction& txn) -> absl::StatusOr<v1::Relationship> {
    auto r = relationships_.GetForUpdate(txn, relationship_id);
    if (!r.ok()) return r.status();
    const Party party = PartyOf(*r, call.caller);
    if (party == Party::kNone && !IsAdmin(call.caller)) {
      return errors::PermissionDenied("only the two people in a relationship may change it");
    }
    if (expected != 0 && expected != r->version()) {
      return errors::VersionConflict("relationship", expected, r->version());
    }
    std::vector<events::v1::EventEnvelope> batch;
    const int64_t before = r->version();
    if (auto mutated = mutation(*r, party, batch); !mutated.ok()) return mutated;
    if (r->version() == before) r->set_version(before + 1);
    SetTimestamp(r->mutable_updated_at(), clock_.Now());
    if (auto saved = relationships_.Save(txn, *r); !saved.ok()) return saved;
    if (auto appended = Outbox::AppendMany(txn, std::move(batch), clock_); !appended.ok()) return appended;
    if (r->state() == v1::RELATIONSHIP_STATE_CLOSED && r->closure_reason() == common::v1::CLOSURE_REASON_NO_RAPPORT) {
      if (auto offered = rematches_.Offer(txn, *r, "closed_no_rapport", clock_.Now()); !offered.ok()) return offered;
    }
    return std::move(*r);
  });
  if (!changed.ok()) return changed.status();
  ApplyView(PartyOf(*changed, call.caller) == Party::kNone ? v1::RELATIONSHIP_VIEW_SUMMARY : v1::RELATIONSHIP_VIEW_FULL,
            *changed);
  return changed;
}

}  // namespace mentoring::matching
