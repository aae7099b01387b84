#include "mentee_contexts.h"

#include <absl/container/flat_hash_map.h>

#include <algorithm>

namespace mentoring::matching {

absl::StatusOr<std::vector<MenteeContext>> MenteeContexts::Of(pg::Executor& db, const PeopleIndex& people,
                                                              const std::vector<int32_t>& mentees,
                                                              const std::string& being_replaced) const {
  std::vector<std::string> ids;
  absl::flat_hash_map<std::string, size_t> position;
  for (size_t i = 0; i < mentees.size(); ++i) {
    ids.push_back(people.id(mentees[i]));
    position[ids.back()] = i;
  }
  std::vector<MenteeContext> contexts(mentees.size());
  auto open = relationships_.OpenOfMentees(db, ids);
  if (!open.ok()) return open.status();
  for (const v1::Relationship& r : *open) {
    auto& context = contexts[position[r.mentee_id()]];
    if (r.relationship_id() != being_replaced) {
      for (int area : r.agreement().focus_areas()) {
        context.covered_areas |= FocusBit(static_cast<common::v1::FocusArea>(area));
      }
    }
    if (int32_t mentor = people.IndexOf(r.mentor_id()); mentor >= 0) context.blocked_mentors.push_back(mentor);
  }
  auto previous = rematches_.PreviousMentorsOf(db, ids);
  if (!previous.ok()) return previous.status();
  for (const auto& offer : *previous) {
    if (int32_t mentor = people.IndexOf(offer.mentor_id); mentor >= 0) {
      contexts[position[offer.mentee_id]].blocked_mentors.push_back(mentor);
    }
  }
  for (auto& context : contexts) {
    std::sort(context.blocked_mentors.begin(), context.blocked_mentors.end());
    context.blocked_mentors.erase(std::unique(context.blocked_mentors.begin(), context.blocked_mentors.end()),
                                  context.blocked_mentors.end());
  }
  return contexts;
}

}  // namespace mentoring::matching
