#include "mentoring/runtime/postgres.h"

#include <absl/strings/numbers.h>
#include <absl/strings/str_cat.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <thread>

#include "mentoring/runtime/errors.h"

namespace mentoring::pg {
namespace {

constexpr char kSerializationFailure[] = "SERIALIZATION_FAILURE";

std::string ArrayLiteral(const std::vector<std::string>& quoted_items) {
  std::string out = "{";
  for (size_t i = 0; i < quoted_items.size(); ++i) {
    if (i > 0) out += ',';
    out += quoted_items[i];
  }
  out += '}';
  return out;
}

// Maps a failed statement to a status by SQLSTATE (see PostgreSQL's errcodes appendix).
absl::Status StatusFromResult(const PGresult* result, PGconn* conn) {
  const char* state = PQresultErrorField(result, PG_DIAG_SQLSTATE);
  const std::string sqlstate = state ? state : "";
  const std::string message = PQresultErrorMessage(result);
  // Connection trouble, the server shutting down or refusing more connections: retry.
  if (PQstatus(conn) == CONNECTION_BAD || sqlstate.starts_with("08") || sqlstate == "57P01" || sqlstate == "57P02" ||
      sqlstate == "57P03" || sqlstate == "53300") {
    return errors::Unavailable("postgresql", message);
  }
  if (sqlstate == "57014") return absl::DeadlineExceededError(message);  // statement timeout or cancel
  if (sqlstate == "23505") return absl::AlreadyExistsError(message);
  if (sqlstate == "40001" || sqlstate == "40P01") {
    // Marked, so InTransaction retries it but not a domain version conflict (also ABORTED).
    return errors::WithReason(absl::StatusCode::kAborted, kSerializationFailure, message);
  }
  if (sqlstate == "23514" || sqlstate == "23503" || sqlstate == "22P02") return absl::InvalidArgumentError(message);
  return absl::InternalError(absl::StrCat("postgresql error ", sqlstate, ": ", message));
}

bool IsRetryable(const absl::Status& status) {
  return status.code() == absl::StatusCode::kUnavailable || errors::DetailsOf(status).reason() == kSerializationFailure;
}

}  // namespace

Param Param::BigintArray(const std::vector<int64_t>& values) {
  std::vector<std::string> items;
  items.reserve(values.size());
  for (int64_t v : values) items.push_back(std::to_string(v));
  return Param(ArrayLiteral(items));
}

Param Param::TextArray(const std::vector<std::string>& values) {
  std::vector<std::optional<std::string>> nullable(values.begin(), values.end());
  return NullableTextArray(nullable);
}

Param Param::NullableTextArray(const std::vector<std::optional<std::string>>& values) {
  std::vector<std::string> items;
  items.reserve(values.size());
  for (const auto& v : values) {
    if (!v.has_value()) {
      items.emplace_back("NULL");
      continue;
    }
    std::string quoted = "\"";
    for (char c : *v) {
      if (c == '"' || c == '\\') quoted += '\\';
      quoted += c;
    }
    quoted += '"';
    items.push_back(std::move(quoted));
  }
  return Param(ArrayLiteral(items));
}

int64_t Result::affected() const {
  int64_t n = 0;
  (void)absl::SimpleAtoi(PQcmdTuples(result_.get()), &n);
  return n;
}

std::string_view Result::Text(int row, int col) const {
  return std::string_view(PQgetvalue(result_.get(), row, col),
                          static_cast<size_t>(PQgetlength(result_.get(), row, col)));
}

int64_t Result::Int(int row, int col) const {
  auto value = NullableInt(row, col);
  if (!value.has_value()) {
    spdlog::critical("postgresql: column {} ('{}') of row {} is NULL where the query promised an integer", col,
                     PQfname(result_.get(), col), row);
    std::abort();
  }
  return *value;
}

std::optional<int64_t> Result::NullableInt(int row, int col) const {
  if (IsNull(row, col)) return std::nullopt;
  int64_t value = 0;
  const std::string_view text = Text(row, col);
  if (!absl::SimpleAtoi(absl::string_view(text.data(), text.size()), &value)) {
    spdlog::critical("postgresql: column {} ('{}') of row {} is '{}', not an integer", col, PQfname(result_.get(), col),
                     row, text);
    std::abort();
  }
  return value;
}

std::string Result::Bytes(int row, int col) const {
  size_t length = 0;
  unsigned char* raw =
      PQunescapeBytea(reinterpret_cast<const unsigned char*>(PQgetvalue(result_.get(), row, col)), &length);
  if (raw == nullptr) return {};
  std::string bytes(reinterpret_cast<char*>(raw), length);
  PQfreemem(raw);
  return bytes;
}

Connection::Connection(std::string conninfo) : conninfo_(std::move(conninfo)) {}

Connection::~Connection() = default;

bool Connection::broken() const { return conn_ == nullptr || PQstatus(conn_.get()) != CONNECTION_OK; }

absl::Status Connection::EnsureConnected() {
  if (!broken()) return absl::OkStatus();
  conn_.reset(PQconnectdb(conninfo_.c_str()));
  if (PQstatus(conn_.get()) != CONNECTION_OK) {
    std::string message = conn_ ? PQerrorMessage(conn_.get()) : "out of memory";
    conn_.reset();
    return errors::Unavailable("postgresql", message);
  }
  // Server notices ("relation already exists, skipping") go to the log, not raw stderr.
  PQsetNoticeProcessor(
      conn_.get(), [](void*, const char* notice) { spdlog::debug("postgresql: {}", notice); }, nullptr);
  return absl::OkStatus();
}

absl::StatusOr<Result> Connection::Exec(std::string_view sql, const Params& params) {
  if (!auto_reconnect_ && broken()) return errors::Unavailable("postgresql", "session lost");
  if (auto status = EnsureConnected(); !status.ok()) return status;
  std::vector<const char*> values(params.size());
  std::vector<int> lengths(params.size());
  std::vector<int> formats(params.size());
  for (size_t i = 0; i < params.size(); ++i) {
    values[i] = params[i].null() ? nullptr : params[i].text().data();
    lengths[i] = static_cast<int>(params[i].text().size());
    formats[i] = params[i].binary() ? 1 : 0;
  }
  const std::string statement(sql);
  // Without parameters the simple protocol runs it, so a migration file may hold several
  // statements; with parameters the extended protocol keeps values out of the SQL text.
  PGresult* raw = params.empty() ? PQexec(conn_.get(), statement.c_str())
                                 : PQexecParams(conn_.get(), statement.c_str(), static_cast<int>(params.size()),
                                                nullptr, values.data(), lengths.data(), formats.data(), 0);
  Result result(raw);
  const auto status = PQresultStatus(raw);
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return result;
  return StatusFromResult(raw, conn_.get());
}

absl::StatusOr<Result> Transaction::Exec(std::string_view sql, const Params& params) {
  // A new session would run the rest outside the transaction: never reconnect here.
  if (began_ && conn_->broken()) return errors::Unavailable("postgresql", "connection lost inside a transaction");
  began_ = true;
  return conn_->Exec(sql, params);
}

absl::Status Transaction::Commit() {
  done_ = true;
  if (conn_->broken()) return errors::Unavailable("postgresql", "connection lost before COMMIT");
  auto result = conn_->Exec("COMMIT");
  if (!result.ok() && result.status().code() == absl::StatusCode::kUnavailable) {
    return errors::Unavailable("postgresql", "connection lost during COMMIT; outcome unknown");
  }
  if (!result.ok()) return result.status();
  // COMMIT of a transaction that already failed answers ROLLBACK, not an error.
  if (result->command_status() != "COMMIT") return absl::AbortedError("transaction was rolled back");
  return absl::OkStatus();
}

Transaction::~Transaction() {
  if (conn_ == nullptr) return;
  if (!done_ && !conn_->broken()) (void)conn_->Exec("ROLLBACK");
  pool_->Release(std::move(conn_));
}

Pool::Pool(PoolSettings settings) : settings_(std::move(settings)) {}

Pool::~Pool() = default;

std::unique_ptr<Connection> Pool::NewDedicatedConnection() const {
  return std::make_unique<Connection>(settings_.conninfo);
}

absl::StatusOr<std::unique_ptr<Connection>> Pool::Acquire() {
  absl::MutexLock lock(&mu_);
  const auto can_lease = [this]()
                             ABSL_SHARED_LOCKS_REQUIRED(mu_) { return !idle_.empty() || leased_ < settings_.size; };
  if (!mu_.AwaitWithTimeout(absl::Condition(&can_lease), settings_.acquire_timeout)) {
    return errors::Unavailable("postgresql", "no pooled connection free within the acquire timeout");
  }
  ++leased_;
  if (!idle_.empty()) {
    auto conn = std::move(idle_.back());
    idle_.pop_back();
    return conn;
  }
  return std::make_unique<Connection>(settings_.conninfo);
}

void Pool::Release(std::unique_ptr<Connection> conn) {
  absl::MutexLock lock(&mu_);
  --leased_;
  if (!conn->broken()) idle_.push_back(std::move(conn));
}

absl::StatusOr<Result> Pool::Exec(std::string_view sql, const Params& params) {
  absl::StatusOr<Result> result = absl::UnavailableError("not attempted");
  for (int attempt = 1; attempt <= settings_.max_attempts; ++attempt) {
    auto conn = Acquire();
    if (!conn.ok()) return conn.status();
    result = (*conn)->Exec(sql, params);
    Release(std::move(*conn));
    // A lost connection is retried (the statement never committed if the link was down
    // before it ran; a statement in flight when the link died is as good as a fresh try
    // for the idempotent reads this path is used for).
    if (result.ok() || result.status().code() != absl::StatusCode::kUnavailable) return result;
    std::this_thread::sleep_for(absl::ToChronoMilliseconds(settings_.retry_backoff * attempt));
  }
  return result;
}

absl::StatusOr<Result> Pool::ExecOnce(std::string_view sql, const Params& params) {
  auto conn = Acquire();
  if (!conn.ok()) return conn.status();
  auto result = (*conn)->Exec(sql, params);
  Release(std::move(*conn));
  return result;
}

absl::Status Pool::InTransaction(const std::function<absl::Status(Transaction&)>& work) {
  absl::Status last;
  for (int attempt = 1; attempt <= settings_.max_attempts; ++attempt) {
    auto conn = Acquire();
    if (!conn.ok()) return conn.status();
    Transaction txn(this, std::move(*conn));
    if (auto begin = txn.Exec("BEGIN"); !begin.ok()) {
      last = begin.status();
    } else if (auto status = work(txn); !status.ok()) {
      last = status;
    } else {
      return txn.Commit();
    }
    if (!IsRetryable(last)) return last;
    spdlog::warn("transaction attempt {} failed, retrying: {}", attempt, last.ToString());
    std::this_thread::sleep_for(absl::ToChronoMilliseconds(settings_.retry_backoff * attempt));
  }
  return last;
}

absl::Status ApplyMigrations(Pool& pool, const std::string& component, const std::vector<Migration>& migrations) {
  auto created = pool.Exec(
      "CREATE TABLE IF NOT EXISTS schema_migrations ("
      " component text NOT NULL, version int NOT NULL, name text NOT NULL,"
      " applied_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (component, version))");
  // Two replicas creating the table at once: one sees a unique violation on the catalog.
  if (!created.ok() && created.status().code() != absl::StatusCode::kAlreadyExists) return created.status();

  std::vector<Migration> ordered = migrations;
  std::sort(ordered.begin(), ordered.end(), [](const auto& a, const auto& b) { return a.version < b.version; });
  for (const auto& migration : ordered) {
    auto status = pool.InTransaction([&](Transaction& txn) -> absl::Status {
      // Transaction-scoped lock: released at COMMIT/ROLLBACK, serialises replicas.
      if (auto r = txn.Exec("SELECT pg_advisory_xact_lock(hashtext('schema_migrations:' || $1))", {component});
          !r.ok()) {
        return r.status();
      }
      auto applied = txn.Exec("SELECT 1 FROM schema_migrations WHERE component = $1 AND version = $2",
                              {component, migration.version});
      if (!applied.ok()) return applied.status();
      if (applied->rows() > 0) return absl::OkStatus();
      if (auto r = txn.Exec(migration.sql); !r.ok()) {
        return absl::Status(r.status().code(), absl::StrCat("migration ", component, "/", migration.version, " ",
                                                            migration.name, " failed: ", r.status().message()));
      }
      auto recorded = txn.Exec("INSERT INTO schema_migrations (component, version, name) VALUES ($1, $2, $3)",
                               {component, migration.version, migration.name});
      if (recorded.ok()) spdlog::info("applied migration {}/{:04d} {}", component, migration.version, migration.name);
      return recorded.status();
    });
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

}  // namespace mentoring::pg
