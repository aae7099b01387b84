#include "rematch_store.h"

#include "mentoring/runtime/store.h"

namespace mentoring::matching {
namespace {

constexpr char kOffer[] =
    "INSERT INTO rematch_offers (previous_relationship_id, mentee_id, programme_id, previous_mentor_id, trigger, "
    "offered_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING";
constexpr char kPreviousMentors[] =
    "SELECT mentee_id, previous_mentor_id FROM rematch_offers WHERE mentee_id = ANY($1)";
constexpr char kOffersFor[] =
    "SELECT previous_relationship_id, programme_id, previous_mentor_id, trigger, "
    "extract(epoch FROM offered_at)::bigint FROM rematch_offers WHERE mentee_id = $1 ORDER BY offered_at";
constexpr char kDeleteOffersFor[] = "DELETE FROM rematch_offers WHERE mentee_id = $1";

}  // namespace

absl::Status RematchStore::Offer(pg::Executor& db, const v1::Relationship& previous, const std::string& trigger,
                                 absl::Time offered_at) const {
  return db
      .Exec(kOffer,
            {previous.relationship_id(), previous.mentee_id(), pg::NullIfEmpty(previous.programme_id()),
             previous.mentor_id(), trigger, absl::FormatTime(absl::RFC3339_full, offered_at, absl::UTCTimeZone())})
      .status();
}

absl::StatusOr<std::vector<RematchStore::PreviousMentor>> RematchStore::PreviousMentorsOf(
    pg::Executor& db, const std::vector<std::string>& mentee_ids) const {
  auto rows = db.Exec(kPreviousMentors, {pg::Param::TextArray(mentee_ids)});
  if (!rows.ok()) return rows.status();
  std::vector<PreviousMentor> out;
  for (int i = 0; i < rows->rows(); ++i) out.push_back({std::string(rows->Text(i, 0)), std::string(rows->Text(i, 1))});
  return out;
}

absl::StatusOr<std::vector<v1::RematchOffer>> RematchStore::OffersFor(pg::Executor& db,
                                                                      const std::string& mentee_id) const {
  auto rows = db.Exec(kOffersFor, {mentee_id});
  if (!rows.ok()) return rows.status();
  std::vector<v1::RematchOffer> out;
  for (int i = 0; i < rows->rows(); ++i) {
    v1::RematchOffer& offer = out.emplace_back();
    offer.set_mentee_id(mentee_id);
    offer.set_previous_relationship_id(std::string(rows->Text(i, 0)));
    if (!rows->IsNull(i, 1)) offer.set_programme_id(std::string(rows->Text(i, 1)));
    offer.set_previous_mentor_id(std::string(rows->Text(i, 2)));
    offer.set_trigger(std::string(rows->Text(i, 3)));
    offer.mutable_offered_at()->set_seconds(rows->Int(i, 4));
  }
  return out;
}

absl::Status RematchStore::DeleteOffersFor(pg::Executor& db, const std::string& mentee_id) const {
  return db.Exec(kDeleteOffersFor, {mentee_id}).status();
}

}  // namespace mentoring::matching
