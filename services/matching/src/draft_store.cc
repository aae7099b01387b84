#include "draft_store.h"

namespace mentoring::matching {
namespace {

constexpr char kOfProgrammeForUpdate[] = "SELECT body FROM drafts WHERE programme_id = $1 FOR UPDATE";

}  // namespace

DraftStore::DraftStore()
    : DocumentTable({.table = "drafts",
                     .what = "draft",
                     .key_column = "draft_id",
                     .key = [](const v1::MatchDraft& d) { return d.draft_id(); },
                     .version = [](const v1::MatchDraft& d) { return d.version(); },
                     .columns = {{"programme_id", [](const auto& d) { return pg::Param(d.programme_id()); }},
                                 {"state", [](const auto& d) { return pg::Param(static_cast<int>(d.state())); }}},
                     .insert_only = {"created_at"}}) {}

absl::StatusOr<std::vector<v1::MatchDraft>> DraftStore::OfProgrammeForUpdate(pg::Transaction& txn,
                                                                             const std::string& programme_id) const {
  return Many(txn, kOfProgrammeForUpdate, {programme_id});
}

}  // namespace mentoring::matching
