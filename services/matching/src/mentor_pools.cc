#include "mentor_pools.h"

#include <algorithm>
#include <utility>

namespace mentoring::matching {

std::optional<MentorPool> MentorPools::Published(const std::string& programme_id) const {
  absl::MutexLock lock(&published_mu_);
  auto it = published_.find(programme_id);
  if (it == published_.end()) return std::nullopt;
  return it->second;
}

absl::StatusOr<MentorPool> MentorPools::Of(const std::string& programme_id) {
  if (auto published = Published(programme_id)) return *published;
  absl::MutexLock lock(&update_mu_);
  if (auto published = Published(programme_id)) return *published;  // read while this one waited
  // The mark comes before the roster's read, so a seat change the read misses is read next.
  if (!seat_mark_) {
    auto mark = relationships_.SeatChangeMark(pool_);
    if (!mark.ok()) return mark.status();
    seat_mark_ = *mark;
  }
  auto version = programmes_.RosterVersion(pool_, programme_id);
  if (!version.ok()) return version.status();
  auto roster = ReadRoster(programme_id, *version);
  if (!roster.ok()) return roster.status();
  auto people = directory_.Current(pool_);
  if (!people.ok()) return people.status();
  Publish(programme_id, *roster, *people);
  rosters_[programme_id] = std::move(*roster);
  return *Published(programme_id);
}

absl::StatusOr<JobProgress> MentorPools::Refresh() {
  if (auto refreshed = directory_.Refresh(pool_); !refreshed.ok()) return refreshed.status();
  auto people = directory_.Current(pool_);
  if (!people.ok()) return people.status();
  absl::MutexLock lock(&update_mu_);
  if (rosters_.empty()) return JobProgress::kDone;
  auto changes = relationships_.SeatChangesSince(pool_, *seat_mark_);
  if (!changes.ok()) return changes.status();
  for (auto it = rosters_.begin(); it != rosters_.end();) {
    const std::string& programme_id = it->first;
    Roster& roster = it->second;
    auto version = programmes_.RosterVersion(pool_, programme_id);
    if (absl::IsNotFound(version.status())) {  // the programme is gone
      decltype(published_)::node_type old;
      {
        absl::MutexLock published(&published_mu_);
        old = published_.extract(programme_id);
      }
      if (!old.empty()) directory_.retired().Add(std::move(old.mapped().people));
      it = rosters_.erase(it);
      continue;
    }
    if (!version.ok()) return version.status();
    bool changed = false;
    if (*version != roster.version) {
      auto reread = ReadRoster(programme_id, *version);
      if (!reread.ok()) return reread.status();
      roster = std::move(*reread);
      changed = true;
    } else {
      auto recounted = Recount(programme_id, changes->mentor_ids, roster);
      if (!recounted.ok()) return recounted.status();
      changed = *recounted;
    }
    if (changed || Published(programme_id)->people != *people) Publish(programme_id, roster, *people);
    ++it;
  }
  seat_mark_ = changes->next_mark;
  return JobProgress::kDone;
}

absl::StatusOr<MentorPools::Roster> MentorPools::ReadRoster(const std::string& programme_id, int64_t version) const {
  auto enrolled = enrollments_.OfProgramme(pool_, programme_id, v1::PARTICIPANT_ROLE_MENTOR);
  if (!enrolled.ok()) return enrolled.status();
  std::vector<std::string> ids;
  ids.reserve(enrolled->size());
  for (const auto& e : *enrolled) ids.push_back(e.person_id());
  auto loads = relationships_.SeatLoads(pool_, ids, programme_id);
  if (!loads.ok()) return loads.status();
  Roster roster{.version = version};
  roster.mentors.reserve(enrolled->size());
  for (const auto& e : *enrolled) roster.mentors.push_back({e.person_id(), e.seats(), (*loads)[e.person_id()]});
  // The database's collation need not be byte order; PeopleIndex's is.
  std::sort(roster.mentors.begin(), roster.mentors.end(),
            [](const Mentor& a, const Mentor& b) { return a.person_id < b.person_id; });
  return roster;
}

absl::StatusOr<bool> MentorPools::Recount(const std::string& programme_id, const std::vector<std::string>& mentor_ids,
                                          Roster& roster) const {
  std::vector<Mentor*> changed;
  for (const std::string& id : mentor_ids) {
    auto it = std::lower_bound(roster.mentors.begin(), roster.mentors.end(), id,
                               [](const Mentor& m, const std::string& key) { return m.person_id < key; });
    if (it != roster.mentors.end() && it->person_id == id) changed.push_back(&*it);
  }
  if (changed.empty()) return false;
  std::vector<std::string> ids;
  for (const Mentor* m : changed) ids.push_back(m->person_id);
  auto loads = relationships_.SeatLoads(pool_, ids, programme_id);
  if (!loads.ok()) return loads.status();
  // A change may be read twice (marks are conservative): only a count that moved matters.
  bool moved = false;
  for (Mentor* m : changed) {
    const SeatLoad load = (*loads)[m->person_id];  // absent: no open relationship left
    moved |= load.open_total != m->load.open_total || load.open_in_programme != m->load.open_in_programme;
    m->load = load;
  }
  return moved;
}

void MentorPools::Publish(const std::string& programme_id, const Roster& roster,
                          std::shared_ptr<const PeopleIndex> people) {
  // Both are in id order: one walk matches the roster to the snapshot's indexes.
  auto available = std::make_shared<std::vector<int32_t>>();
  int index = 0;
  for (const Mentor& mentor : roster.mentors) {
    while (index < people->size() && people->id(index) < mentor.person_id) ++index;
    if (index == people->size()) break;
    if (people->id(index) == mentor.person_id && FreeSeats(mentor.seats, mentor.load, people->at(index)) > 0) {
      available->push_back(index);
    }
  }
  MentorPool old;
  {
    absl::MutexLock lock(&published_mu_);
    old = std::exchange(published_[programme_id], {std::move(people), std::move(available)});
  }
  directory_.retired().Add(std::move(old.people));  // freed by the job, not a reader (retired.h)
}

}  // namespace mentoring::matching
