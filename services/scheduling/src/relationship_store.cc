#include "relationship_store.h"

#include <absl/strings/escaping.h>

#include <algorithm>

#include "mentoring/runtime/store.h"

namespace mentoring::scheduling {
namespace {

constexpr char kColumns[] =
    "relationship_id, matching_sequence, state, mentee_id, mentor_id, programme_id, terms, current_series_id, "
    "adhoc_series_id, next_occurrence";

std::string Select(const char* where) { return std::string("SELECT ") + kColumns + " FROM relationships " + where; }

const std::string& FindSql() {
  static const std::string sql = Select("WHERE relationship_id = $1");
  return sql;
}
const std::string& FindForUpdateSql() {
  static const std::string sql = Select("WHERE relationship_id = $1 FOR UPDATE");
  return sql;
}
const std::string& FindManyForUpdateSql() {
  static const std::string sql = Select("WHERE relationship_id = ANY($1) ORDER BY relationship_id FOR UPDATE");
  return sql;
}
const std::string& ActiveOfSql() {
  static const std::string sql =
      Select("WHERE (mentee_id = $1 OR mentor_id = $1) AND state = 1 ORDER BY relationship_id");
  return sql;
}

constexpr char kSaveMany[] =
    "INSERT INTO relationships (relationship_id, matching_sequence, state, mentee_id, mentor_id, programme_id, terms, "
    "current_series_id, adhoc_series_id, next_occurrence) "
    "SELECT r, s::bigint, st::smallint, me, mo, p, decode(t, 'base64'), c, a, n::int "
    "FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], "
    "$9::text[], $10::text[]) AS x(r, s, st, me, mo, p, t, c, a, n) "
    "ON CONFLICT (relationship_id) DO UPDATE SET matching_sequence = EXCLUDED.matching_sequence, state = "
    "EXCLUDED.state, mentee_id = EXCLUDED.mentee_id, mentor_id = EXCLUDED.mentor_id, programme_id = "
    "EXCLUDED.programme_id, terms = EXCLUDED.terms, current_series_id = EXCLUDED.current_series_id, "
    "adhoc_series_id = EXCLUDED.adhoc_series_id, next_occurrence = EXCLUDED.next_occurrence";

std::optional<std::string> Nullable(const std::string& text) {
  return text.empty() ? std::nullopt : std::optional<std::string>(text);
}

absl::StatusOr<std::vector<RelationshipRecord>> Records(const pg::Result& rows) {
  std::vector<RelationshipRecord> out;
  for (int i = 0; i < rows.rows(); ++i) {
    RelationshipRecord r;
    r.relationship_id = std::string(rows.Text(i, 0));
    r.matching_sequence = rows.Int(i, 1);
    r.state = static_cast<RelationshipState>(rows.Int(i, 2));
    r.mentee_id = rows.IsNull(i, 3) ? "" : std::string(rows.Text(i, 3));
    r.mentor_id = rows.IsNull(i, 4) ? "" : std::string(rows.Text(i, 4));
    r.programme_id = rows.IsNull(i, 5) ? "" : std::string(rows.Text(i, 5));
    if (!rows.IsNull(i, 6)) {
      auto terms = pg::ParseColumn<events::v1::AgreementTerms>(rows, i, 6, "relationship's terms");
      if (!terms.ok()) return terms.status();
      r.terms = std::move(*terms);
    }
    r.current_series_id = rows.IsNull(i, 7) ? "" : std::string(rows.Text(i, 7));
    r.adhoc_series_id = rows.IsNull(i, 8) ? "" : std::string(rows.Text(i, 8));
    r.next_occurrence = static_cast<int>(rows.Int(i, 9));
    out.push_back(std::move(r));
  }
  return out;
}

absl::StatusOr<std::optional<RelationshipRecord>> One(absl::StatusOr<pg::Result> rows) {
  if (!rows.ok()) return rows.status();
  auto records = Records(*rows);
  if (!records.ok()) return records.status();
  if (records->empty()) return std::optional<RelationshipRecord>();
  return std::optional<RelationshipRecord>(std::move(records->front()));
}

}  // namespace

absl::StatusOr<std::optional<RelationshipRecord>> RelationshipStore::FindForUpdate(pg::Transaction& txn,
                                                                                   const std::string& relationship_id) {
  return One(txn.Exec(FindForUpdateSql(), {relationship_id}));
}

absl::StatusOr<std::optional<RelationshipRecord>> RelationshipStore::Find(pg::Executor& db,
                                                                          const std::string& relationship_id) {
  return One(db.Exec(FindSql(), {relationship_id}));
}

absl::StatusOr<std::vector<RelationshipRecord>> RelationshipStore::FindManyForUpdate(pg::Transaction& txn,
                                                                                     std::vector<std::string> ids) {
  auto rows = txn.Exec(FindManyForUpdateSql(), {pg::Param::TextArray(ids)});
  if (!rows.ok()) return rows.status();
  return Records(*rows);
}

absl::StatusOr<std::vector<RelationshipRecord>> RelationshipStore::ActiveOf(pg::Executor& db,
                                                                            const std::string& person_id) {
  auto rows = db.Exec(ActiveOfSql(), {person_id});
  if (!rows.ok()) return rows.status();
  return Records(*rows);
}

absl::Status RelationshipStore::Save(pg::Executor& db, const RelationshipRecord& relationship) {
  return SaveMany(db, {relationship});
}

absl::Status RelationshipStore::SaveMany(pg::Executor& db, const std::vector<RelationshipRecord>& relationships) {
  if (relationships.empty()) return absl::OkStatus();
  std::vector<std::optional<std::string>> ids, sequences, states, mentees, mentors, programmes, terms, series, adhoc,
      next;
  for (const auto& r : relationships) {
    ids.emplace_back(r.relationship_id);
    sequences.emplace_back(std::to_string(r.matching_sequence));
    states.emplace_back(std::to_string(static_cast<int>(r.state)));
    mentees.push_back(Nullable(r.mentee_id));
    mentors.push_back(Nullable(r.mentor_id));
    programmes.push_back(Nullable(r.programme_id));
    terms.emplace_back(absl::Base64Escape(r.terms.SerializeAsString()));
    series.push_back(Nullable(r.current_series_id));
    adhoc.push_back(Nullable(r.adhoc_series_id));
    next.emplace_back(std::to_string(r.next_occurrence));
  }
  return db
      .Exec(kSaveMany, {pg::Param::NullableTextArray(ids), pg::Param::NullableTextArray(sequences),
                        pg::Param::NullableTextArray(states), pg::Param::NullableTextArray(mentees),
                        pg::Param::NullableTextArray(mentors), pg::Param::NullableTextArray(programmes),
                        pg::Param::NullableTextArray(terms), pg::Param::NullableTextArray(series),
                        pg::Param::NullableTextArray(adhoc), pg::Param::NullableTextArray(next)})
      .status();
}

}  // namespace mentoring::scheduling
