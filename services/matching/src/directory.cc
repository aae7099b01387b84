#include "directory.h"

#include <spdlog/spdlog.h>

#include "mentoring/runtime/errors.h"
#include "mentoring/runtime/grpc_status.h"
#include "mentoring/runtime/server.h"

namespace mentoring::matching {

absl::StatusOr<std::shared_ptr<const PeopleIndex>> Directory::Current(pg::Transaction* txn) {
  // Inside a transaction, its own connection: a second lease from a busy pool could wait
  // for a connection that only this transaction's end would free.
  const auto exec = [&](std::string_view sql, const pg::Params& params = {}) {
    return txn != nullptr ? txn->Exec(sql, params) : pool_.Exec(sql, params);
  };
  auto latest = exec("SELECT coalesce(max(change_seq), 0) FROM people");
  if (!latest.ok()) return latest.status();
  const int64_t change = latest->Int(0, 0);
  absl::MutexLock lock(&mu_);
  if (snapshot_ != nullptr && change <= seen_change_) return snapshot_;
  // Only the rows changed since the last snapshot are read; the index is then rebuilt.
  auto rows =
      exec("SELECT person_id, facts, change_seq FROM people WHERE change_seq > $1 ORDER BY change_seq", {seen_change_});
  if (!rows.ok()) return rows.status();
  int64_t seen = seen_change_;
  for (int i = 0; i < rows->rows(); ++i) {
    const std::string id(rows->Text(i, 0));
    if (rows->IsNull(i, 1)) {
      facts_.erase(id);
    } else {
      profiles::v1::Person person;
      if (!person.ParseFromString(rows->Bytes(i, 1))) return absl::InternalError("corrupt facts row for " + id);
      facts_[id] = std::move(person);
    }
    seen = std::max(seen, rows->Int(i, 2));
  }
  std::vector<profiles::v1::Person> people;
  people.reserve(facts_.size());
  for (const auto& [id, person] : facts_) people.push_back(person);
  snapshot_ = std::make_shared<const PeopleIndex>(std::move(people), clock_.Now());
  seen_change_ = std::max(seen, change);
  return snapshot_;
}

namespace {

// Change numbers come from a sequence in the order transactions start, but become visible in
// the order they commit; a snapshot that has read number 101 would never read a 100 that
// commits later. Writers of `people` therefore take their number under one transaction
// lock, so numbers commit in order (people change at HR speed: the lock is cheap).
absl::Status OrderPeopleChanges(pg::Transaction& txn) {
  return txn.Exec("SELECT pg_advisory_xact_lock(hashtextextended('matching:people_changes', 0))").status();
}

}  // namespace

absl::StatusOr<bool> Directory::Upsert(pg::Transaction& txn, const profiles::v1::Person& person) {
  const profiles::v1::Person facts = MatchingFactsOf(person);
  if (auto ordered = OrderPeopleChanges(txn); !ordered.ok()) return ordered;
  auto result = txn.Exec(
      "INSERT INTO people (person_id, profile_version, facts, change_seq) VALUES ($1, $2, $3, "
      "nextval('people_change_seq')) "
      "ON CONFLICT (person_id) DO UPDATE SET profile_version = EXCLUDED.profile_version, facts = EXCLUDED.facts, "
      "change_seq = EXCLUDED.change_seq WHERE people.profile_version < EXCLUDED.profile_version AND NOT people.erased",
      {person.person_id(), person.version(), pg::Param::Bytes(facts.SerializeAsString())});
  if (!result.ok()) return result.status();
  return result->affected() > 0;
}

absl::StatusOr<int64_t> Directory::KeptVersion(pg::Transaction& txn, const std::string& person_id) {
  auto row = txn.Exec("SELECT profile_version, erased FROM people WHERE person_id = $1", {person_id});
  if (!row.ok()) return row.status();
  if (row->rows() == 0) return 0;
  // An erased person stays erased: report a version no event can beat.
  return row->Bool(0, 1) ? std::numeric_limits<int64_t>::max() : row->Int(0, 0);
}

absl::StatusOr<common::v1::EmploymentStatus> Directory::KeptStatus(pg::Transaction& txn, const std::string& person_id) {
  auto row = txn.Exec("SELECT facts FROM people WHERE person_id = $1 AND facts IS NOT NULL", {person_id});
  if (!row.ok()) return row.status();
  if (row->rows() == 0) return common::v1::EMPLOYMENT_STATUS_UNSPECIFIED;
  profiles::v1::Person facts;
  if (!facts.ParseFromString(row->Bytes(0, 0))) return absl::InternalError("corrupt facts row for " + person_id);
  return facts.employment_status();
}

absl::Status Directory::Erase(pg::Transaction& txn, const std::string& person_id) {
  if (auto ordered = OrderPeopleChanges(txn); !ordered.ok()) return ordered;
  auto result = txn.Exec(
      "INSERT INTO people (person_id, profile_version, facts, erased, change_seq) "
      "VALUES ($1, 0, NULL, true, nextval('people_change_seq')) "
      "ON CONFLICT (person_id) DO UPDATE SET facts = NULL, erased = true, change_seq = EXCLUDED.change_seq",
      {person_id});
  return result.status();
}

ProfilesSource::ProfilesSource(std::shared_ptr<grpc::Channel> channel, const InternalTokenSigner& signer,
                               absl::Duration deadline)
    : stub_(profiles::v1::ProfilesService::NewStub(std::move(channel))), signer_(signer), deadline_(deadline) {}

absl::StatusOr<std::string> ProfilesSource::Token() const {
  return signer_.Sign(Caller{.id = "matching", .roles = {roles::kService}});
}

absl::StatusOr<profiles::v1::Person> ProfilesSource::Fetch(const std::string& person_id) const {
  auto token = Token();
  if (!token.ok()) return token.status();
  auto ctx = OutboundContext(deadline_, *token, nullptr);
  profiles::v1::GetPersonRequest request;
  request.set_person_id(person_id);
  profiles::v1::Person person;
  grpc::Status status = stub_->GetPerson(ctx.get(), request, &person);
  if (!status.ok()) return errors::FromGrpcStatus(status);
  return person;
}

absl::StatusOr<int64_t> ProfilesSource::SyncAll(pg::Pool& pool) const {
  auto token = Token();
  if (!token.ok()) return token.status();
  // A whole directory takes a while; the deadline bounds a stuck stream, not a long one.
  auto ctx = OutboundContext(absl::Minutes(10), *token, nullptr);
  profiles::v1::ListPeopleRequest request;
  request.set_include_departed(true);
  auto reader = stub_->ListPeople(ctx.get(), request);
  constexpr size_t kBatch = 500;
  std::vector<profiles::v1::Person> batch;
  int64_t stored = 0;
  auto flush = [&]() -> absl::Status {
    auto status = pool.InTransaction([&](pg::Transaction& txn) -> absl::Status {
      for (const auto& person : batch) {
        if (auto upserted = Directory::Upsert(txn, person); !upserted.ok()) return upserted.status();
      }
      return absl::OkStatus();
    });
    stored += static_cast<int64_t>(batch.size());
    batch.clear();
    return status;
  };
  profiles::v1::Person person;
  while (reader->Read(&person)) {
    batch.push_back(std::move(person));
    if (batch.size() == kBatch) {
      if (auto flushed = flush(); !flushed.ok()) {
        ctx->TryCancel();
        reader->Finish().ok();
        return flushed;
      }
    }
  }
  grpc::Status finished = reader->Finish();
  if (!finished.ok()) return errors::FromGrpcStatus(finished);
  if (!batch.empty()) {
    if (auto flushed = flush(); !flushed.ok()) return flushed;
  }
  return stored;
}

}  // namespace mentoring::matching
