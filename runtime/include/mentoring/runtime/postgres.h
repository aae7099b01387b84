#pragma once
// PostgreSQL through libpq: a small pool of connections, transactions, parameterised
// queries only (no SQL is ever built from values), versioned migrations applied at start,
// and transparent reconnection after the server restarts.
#include <absl/status/statusor.h>
#include <absl/synchronization/mutex.h>
#include <absl/time/time.h>
#include <libpq-fe.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace mentoring::pg {

// One query parameter: text, or binary (bytea), or NULL.
class Param {
 public:
  Param(std::nullptr_t) : null_(true) {}                  // NOLINT: implicit by design
  Param(std::string value) : text_(std::move(value)) {}   // NOLINT
  Param(std::string_view value) : text_(value) {}         // NOLINT
  Param(const char* value) : text_(value) {}              // NOLINT
  Param(int64_t value) : text_(std::to_string(value)) {}  // NOLINT
  Param(int value) : text_(std::to_string(value)) {}      // NOLINT
  Param(bool value) : text_(value ? "true" : "false") {}  // NOLINT
  template <class T>
  Param(const std::optional<T>& value) : Param(value ? Param(*value) : Param(nullptr)) {}  // NOLINT
  static Param Bytes(std::string bytes) {
    Param p(std::move(bytes));
    p.binary_ = true;
    return p;
  }
  // Postgres array literal of bigints / text, e.g. for "= ANY($1::bigint[])".
  static Param BigintArray(const std::vector<int64_t>& values);
  static Param TextArray(const std::vector<std::string>& values);
  // The same with NULL elements (nullopt).
  static Param NullableTextArray(const std::vector<std::optional<std::string>>& values);

  bool null() const { return null_; }
  bool binary() const { return binary_; }
  const std::string& text() const { return text_; }

 private:
  std::string text_;
  bool null_ = false;
  bool binary_ = false;
};

using Params = std::vector<Param>;

// The rows of one statement. Values come back in text format.
class Result {
 public:
  explicit Result(PGresult* result) : result_(result, &PQclear) {}
  int rows() const { return PQntuples(result_.get()); }
  int64_t affected() const;
  bool IsNull(int row, int col) const { return PQgetisnull(result_.get(), row, col) != 0; }
  std::string_view Text(int row, int col) const;
  // An integer column. A NULL or a non-integer there is a bug in the query (the SQL is
  // ours, so it must coalesce or cast): the process stops with the column named rather
  // than carry on with a made-up 0.
  int64_t Int(int row, int col) const;
  // An integer column that may be NULL.
  std::optional<int64_t> NullableInt(int row, int col) const;
  bool Bool(int row, int col) const { return Text(row, col) == "t"; }
  std::string Bytes(int row, int col) const;  // a bytea column
  std::string command_status() const { return PQcmdStatus(result_.get()); }

 private:
  std::unique_ptr<PGresult, decltype(&PQclear)> result_;
};

// Runs statements: the pool (each statement its own transaction) or a transaction. Stores
// take an Executor where a read may run either way.
class Executor {
 public:
  virtual ~Executor() = default;
  virtual absl::StatusOr<Result> Exec(std::string_view sql, const Params& params = {}) = 0;
};

struct ConnectionDeleter {
  void operator()(PGconn* conn) const { PQfinish(conn); }
};
using ConnectionPtr = std::unique_ptr<PGconn, ConnectionDeleter>;

// One server connection. Not thread-safe; the pool hands it to one user at a time.
class Connection {
 public:
  explicit Connection(std::string conninfo);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs one statement. UNAVAILABLE when the connection is lost (the next call reconnects),
  // ALREADY_EXISTS on a unique violation, ABORTED on serialization failure or deadlock,
  // INVALID_ARGUMENT on a check/foreign-key violation, INTERNAL otherwise.
  absl::StatusOr<Result> Exec(std::string_view sql, const Params& params = {});
  // Reconnects when the connection is bad; cheap when it is fine.
  absl::Status EnsureConnected();
  bool broken() const;
  // Off: Exec on a broken connection fails instead of reconnecting (a session that holds
  // an advisory lock must not be silently replaced by one that does not).
  void set_auto_reconnect(bool on) { auto_reconnect_ = on; }

 private:
  std::string conninfo_;
  ConnectionPtr conn_;
  bool auto_reconnect_ = true;
};

class Pool;

// A transaction on a leased connection: rolled back unless Commit() succeeds.
class Transaction final : public Executor {
 public:
  absl::StatusOr<Result> Exec(std::string_view sql, const Params& params = {}) override;
  absl::Status Commit();
  ~Transaction() override;
  Transaction(Transaction&&) = default;

 private:
  friend class Pool;
  Transaction(Pool* pool, std::unique_ptr<Connection> conn) : pool_(pool), conn_(std::move(conn)) {}
  Pool* pool_;
  std::unique_ptr<Connection> conn_;
  bool began_ = false;  // the first statement (BEGIN) may reconnect a stale pooled connection
  bool done_ = false;
};

struct PoolSettings {
  std::string conninfo;  // libpq URI or key=value string
  int size = 8;
  absl::Duration acquire_timeout = absl::Seconds(5);
  int max_attempts = 3;  // for InTransaction: connection loss before commit, serialization failure
  absl::Duration retry_backoff = absl::Milliseconds(100);
};

class Pool final : public Executor {
 public:
  explicit Pool(PoolSettings settings);
  ~Pool() override;

  // One statement in its own implicit transaction. A connection lost before the answer is
  // retried, so use it for reads and for writes that are safe to repeat.
  absl::StatusOr<Result> Exec(std::string_view sql, const Params& params = {}) override;
  // One statement, tried once: for a write that must not be repeated blindly when the
  // connection drops with its outcome unknown (UNAVAILABLE then).
  absl::StatusOr<Result> ExecOnce(std::string_view sql, const Params& params = {});

  // Runs `work` in a transaction and commits. Retries the whole unit when the connection
  // was lost before COMMIT was sent or on serialization failure, so `work` must have no
  // effects outside the transaction. A failure during COMMIT itself is not retried
  // (its outcome is unknown) and is reported as UNAVAILABLE.
  absl::Status InTransaction(const std::function<absl::Status(Transaction&)>& work);

  // A dedicated connection outside the pool (for session-scoped state such as an advisory
  // lock that must die with the connection).
  std::unique_ptr<Connection> NewDedicatedConnection() const;

  const PoolSettings& settings() const { return settings_; }

 private:
  friend class Transaction;
  absl::StatusOr<std::unique_ptr<Connection>> Acquire();
  void Release(std::unique_ptr<Connection> conn);

  PoolSettings settings_;
  absl::Mutex mu_;
  std::vector<std::unique_ptr<Connection>> idle_ ABSL_GUARDED_BY(mu_);
  int leased_ ABSL_GUARDED_BY(mu_) = 0;
};

// Runs `work` in a transaction (Pool::InTransaction: retried on a lost connection or a
// serialization failure, so `work` must have no effects outside it) and returns its value.
template <class Work, class T = typename std::invoke_result_t<Work&, Transaction&>::value_type>
absl::StatusOr<T> InTransaction(Pool& pool, Work&& work) {
  std::optional<T> value;
  absl::Status status = pool.InTransaction([&](Transaction& txn) -> absl::Status {
    value.reset();
    absl::StatusOr<T> result = work(txn);
    if (!result.ok()) return result.status();
    value.emplace(std::move(*result));
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return std::move(*value);
}

struct Migration {
  int version;
  std::string name;
  std::string sql;
};

// Applies, in version order, each migration of `component` not applied yet, each in its own
// transaction, under an advisory lock so replicas starting together do not race.
absl::Status ApplyMigrations(Pool& pool, const std::string& component, const std::vector<Migration>& migrations);

}  // namespace mentoring::pg
