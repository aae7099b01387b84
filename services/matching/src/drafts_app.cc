#include "drafts_app.h"

#include <absl/container/flat_hash_map.h>
#include <absl/container/flat_hash_set.h>
#include <absl/strings/numbers.h>
#include <absl/strings/str_cat.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

#include "cohort_scores.h"
#include "explanations.h"
#include "matching_rules.h"
#include "mentoring/matching/cohort_solver.h"
#include "mentoring/runtime/errors.h"
#include "mentoring/runtime/ids.h"
#include "mentoring/runtime/outbox.h"
#include "recommender.h"
#include "relationship_changes.h"

namespace mentoring::matching {
namespace {

constexpr int kDraftPage = 500;
constexpr int kMaxDraftPage = 2000;

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

// Takes the mentee out of the draft, wherever they are.
void RemoveMentee(v1::MatchDraft& draft, const std::string& mentee_id) {
  auto& pairs = *draft.mutable_pairs();
  pairs.erase(std::remove_if(pairs.begin(), pairs.end(), [&](const auto& p) { return p.mentee_id() == mentee_id; }),
              pairs.end());
  auto& unmatched = *draft.mutable_unmatched();
  unmatched.erase(
      std::remove_if(unmatched.begin(), unmatched.end(), [&](const auto& u) { return u.mentee_id() == mentee_id; }),
      unmatched.end());
}

}  // namespace

absl::StatusOr<v1::MatchDraft> DraftsApp::RunCohortMatching(const CallContext& call,
                                                            const v1::RunCohortMatchingRequest& request) {
  if (auto allowed = RequireAdmin(call.caller); !allowed.ok()) return allowed;
  const std::string& programme_id = request.programme_id();
  auto programme = programmes_.Get(pool_, programme_id);
  if (!programme.ok()) return programme.status();
  auto people = directory_.Fresh(pool_);
  if (!people.ok()) return people.status();
  const PeopleIndex& index = **people;
  auto enrolled = enrollments_.OfProgramme(pool_, programme_id, v1::PARTICIPANT_ROLE_UNSPECIFIED);
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
  auto loads = relationships_.SeatLoads(pool_, mentor_ids, programme_id);
  if (!loads.ok()) return loads.status();
  auto contexts = contexts_.Of(pool_, index, mentees);
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
      unmatched->set_reason(UnmatchedReasonOf(counts, solution.feasible_mentors[i] > 0));
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
  auto saved = pool_.InTransaction([&](pg::Transaction& txn) { return drafts_.Insert(txn, draft); });
  if (!saved.ok()) return saved;
  return PageOf(draft, 0, kDraftPage);
}

absl::StatusOr<v1::MatchDraft> DraftsApp::GetDraft(const CallContext& call, const v1::GetDraftRequest& request) {
  if (!IsAdmin(call.caller)) return errors::PermissionDenied("programme admins only");
  if (request.draft_id().empty()) return errors::InvalidArgument("draft_id", "required", "name the draft");
  if (request.page_size() < 0 || request.page_size() > kMaxDraftPage) {
    return errors::InvalidArgument("page_size", "range_0_2000", "must be between 1 and 2000 (0: the default, 500)");
  }
  int64_t offset = 0;
  if (!request.page_token().empty() && (!absl::SimpleAtoi(request.page_token(), &offset) || offset < 0)) {
    return errors::InvalidArgument("page_token", "page_token", "pass the next_page_token of the previous page");
  }
  auto draft = drafts_.Get(pool_, request.draft_id());
  if (!draft.ok()) return draft.status();
  return PageOf(*draft, offset, request.page_size() == 0 ? kDraftPage : request.page_size());
}

absl::StatusOr<v1::MatchDraft> DraftsApp::EditDraft(const CallContext& call, const v1::EditDraftRequest& request) {
  if (request.edits().empty()) return errors::InvalidArgument("edits", "required", "at least one edit");
  return ChangeDraft(
      call, request.draft_id(), request.expected_version(), "edited",
      [&](pg::Transaction& txn, v1::MatchDraft& draft) -> absl::Status {
        auto programme = programmes_.Get(txn, draft.programme_id());
        if (!programme.ok()) return programme.status();
        auto people = directory_.Fresh(txn);
        if (!people.ok()) return people.status();
        const PeopleIndex& index = **people;
        const PairScorer scorer(PolicyOf(*programme), index);
        auto enrolled = enrollments_.OfProgramme(txn, draft.programme_id(), v1::PARTICIPANT_ROLE_UNSPECIFIED);
        if (!enrolled.ok()) return enrolled.status();
        absl::flat_hash_map<std::string, int> seats;  // enrolled mentors' programme seats
        absl::flat_hash_set<std::string> mentees_enrolled;
        for (const auto& e : *enrolled) {
          if (e.role() == v1::PARTICIPANT_ROLE_MENTOR) {
            seats[e.person_id()] = e.seats();
          } else {
            mentees_enrolled.insert(e.person_id());
          }
        }
        errors::Violations violations;
        for (int k = 0; k < request.edits_size(); ++k) {
          const auto& edit = request.edits(k);
          const std::string field = absl::StrCat("edits[", k, "]");
          if (!mentees_enrolled.contains(edit.mentee_id())) {
            violations.Add(field + ".mentee_id", "enrolled_mentee", "not a mentee enrolled in this programme");
            continue;
          }
          // Take the mentee out wherever they are, then place them as asked.
          RemoveMentee(draft, edit.mentee_id());
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
          auto contexts = contexts_.Of(txn, index, {mentee});
          if (!contexts.ok()) return contexts.status();
          const ScoredPair scored = scorer.Explain(mentee, mentor, contexts->front());
          if (scored.rejection != Rejection::kNone) {
            violations.Add(field, absl::StrCat("constraint_", RejectionName(scored.rejection)),
                           "a hard constraint forbids this pair");
            continue;
          }
          auto loads = relationships_.SeatLoads(txn, {edit.mentor_id()}, draft.programme_id());
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

absl::StatusOr<v1::MatchDraft> DraftsApp::PublishDraft(const CallContext& call,
                                                       const v1::PublishDraftRequest& request) {
  return ChangeDraft(
      call, request.draft_id(), request.expected_version(), "published",
      [&](pg::Transaction& txn, v1::MatchDraft& draft) -> absl::Status {
        auto programme = programmes_.Get(txn, draft.programme_id());
        if (!programme.ok()) return programme.status();
        // Lock everyone involved first (no concurrent accept or publish can change their seats
        // or focus areas meanwhile), then re-check each pair against what is true now.
        std::vector<std::string> mentor_ids, everyone;
        for (const auto& pair : draft.pairs()) {
          mentor_ids.push_back(pair.mentor_id());
          everyone.push_back(pair.mentor_id());
          everyone.push_back(pair.mentee_id());
        }
        if (auto locked = relationships_.LockPeople(txn, everyone); !locked.ok()) return locked;
        std::sort(mentor_ids.begin(), mentor_ids.end());
        mentor_ids.erase(std::unique(mentor_ids.begin(), mentor_ids.end()), mentor_ids.end());
        auto people = directory_.Fresh(txn);
        if (!people.ok()) return people.status();
        const PeopleIndex& index = **people;
        const PairScorer scorer(PolicyOf(*programme), index);
        auto enrolled = enrollments_.OfProgramme(txn, draft.programme_id(), v1::PARTICIPANT_ROLE_UNSPECIFIED);
        if (!enrolled.ok()) return enrolled.status();
        absl::flat_hash_map<std::string, int> seats;
        absl::flat_hash_set<std::string> mentees_enrolled;
        for (const auto& e : *enrolled) {
          if (e.role() == v1::PARTICIPANT_ROLE_MENTOR) seats[e.person_id()] = e.seats();
          if (e.role() == v1::PARTICIPANT_ROLE_MENTEE) mentees_enrolled.insert(e.person_id());
        }
        auto loads = relationships_.SeatLoads(txn, mentor_ids, draft.programme_id());
        if (!loads.ok()) return loads.status();
        std::vector<int32_t> mentees;
        for (const auto& pair : draft.pairs()) mentees.push_back(std::max(index.IndexOf(pair.mentee_id()), 0));
        auto contexts = contexts_.Of(txn, index, mentees);  // one query for the whole draft
        if (!contexts.ok()) return contexts.status();
        absl::flat_hash_map<std::string, int> taking;
        errors::Violations violations;
        std::vector<events::v1::EventEnvelope> batch;
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
          const v1::Relationship relationship =
              ProposedRelationship(&call, &*programme, pair.mentee_id(), pair.mentor_id(),
                                   FocusAreasOf(scorer.FocusOf(mentee, mentor, context)), "cohort", clock_, batch);
          if (auto inserted = relationships_.InsertProposed(txn, relationship); !inserted.ok()) return inserted;
          draft.add_relationship_ids(relationship.relationship_id());
        }
        if (!violations.empty()) return violations.ToStatus();
        draft.set_state(v1::DRAFT_STATE_PUBLISHED);
        return Outbox::AppendMany(txn, std::move(batch), clock_);
      });
}

absl::StatusOr<v1::MatchDraft> DraftsApp::DiscardDraft(const CallContext& call,
                                                       const v1::DiscardDraftRequest& request) {
  return ChangeDraft(call, request.draft_id(), request.expected_version(), "discarded",
                     [](pg::Transaction&, v1::MatchDraft& draft) {
                       draft.set_state(v1::DRAFT_STATE_DISCARDED);
                       return absl::OkStatus();
                     });
}

absl::StatusOr<v1::MatchDraft> DraftsApp::ChangeDraft(const CallContext& call, const std::string& draft_id,
                                                      int64_t expected, const char* action, const DraftChange& change) {
  if (auto allowed = RequireAdmin(call.caller); !allowed.ok()) return allowed;
  return pg::InTransaction(pool_, [&](pg::Transaction& txn) -> absl::StatusOr<v1::MatchDraft> {
    auto draft = drafts_.GetForUpdate(txn, draft_id);
    if (!draft.ok()) return draft.status();
    if (draft->version() != expected) return errors::VersionConflict("draft", expected, draft->version());
    if (draft->state() != v1::DRAFT_STATE_OPEN) {
      return errors::FailedPrecondition("DRAFT_CLOSED", absl::StrCat("only an open draft can be ", action));
    }
    if (auto changed = change(txn, *draft); !changed.ok()) return changed;
    draft->set_version(draft->version() + 1);
    if (auto saved = drafts_.Save(txn, *draft); !saved.ok()) return saved;
    return PageOf(*draft, 0, kDraftPage);
  });
}

}  // namespace mentoring::matching
