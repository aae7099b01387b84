#pragma once
// Redis over hiredis: a cache and a coordination aid, never a system of record.
// Every command is bounded (connect and command timeouts); a failure opens a short circuit
// breaker so that while Redis is down callers fail fast instead of each waiting out a
// timeout; connections are re-made on the next call after the breaker closes.
#include <absl/status/statusor.h>
#include <absl/synchronization/mutex.h>
#include <absl/synchronization/notification.h>
#include <absl/time/time.h>
#include <prometheus/counter.h>

#include <prometheus/registry.h>
#include <atomic>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

struct redisContext;

namespace mentoring::redis {

struct Settings {
  std::string host = "127.0.0.1";
  int port = 6379;
  absl::Duration connect_timeout = absl::Milliseconds(200);
  absl::Duration command_timeout = absl::Milliseconds(200);
  // Idle connections kept for Command. Keep it at least the number of threads that call
  // Command at once (a service's worker pool): a connection returned to a full pool is
  // closed, so a smaller pool opens and closes a connection per command under load.
  int pool_size = 16;
  absl::Duration breaker_cooldown = absl::Seconds(1);
};

struct Reply {
  enum class Type { kNil, kString, kInteger, kArray, kStatus };
  Type type = Type::kNil;
  std::string str;
  int64_t integer = 0;
  std::vector<Reply> elements;
};

class Client {
 public:
  explicit Client(Settings settings);
  ~Client();

  // UNAVAILABLE when Redis cannot be reached in time (or the breaker is open);
  // INTERNAL for an error reply.
  absl::StatusOr<Reply> Command(const std::vector<std::string>& args);

  // The same without blocking the caller: the command goes out on one pipelined connection
  // and `done` runs with its reply on the client's I/O thread, in the order commands were
  // sent. Commands that arrive while a batch is in flight go out together as the next
  // batch: one write and one read for many commands, instead of a write, a blocking read
  // and a thread wake-up each, in this process and in Redis. Each command is still sent
  // after CommandAsync was called, so it sees every write Redis took before that.
  // `done` must not block (hand blocking work to a worker pool). UNAVAILABLE and INTERNAL
  // as for Command.
  using Callback = std::function<void(absl::StatusOr<Reply>)>;
  void CommandAsync(const std::vector<std::string>& args, Callback done);

 private:
  struct ContextDeleter {
    void operator()(redisContext* c) const;
  };
  using ContextPtr = std::unique_ptr<redisContext, ContextDeleter>;
  struct Queued {
    std::unique_ptr<char, void (*)(char*)> command;  // in the protocol's format
    size_t length = 0;
    Callback done;
  };
  absl::StatusOr<ContextPtr> Connect();
  absl::Status Trip(const std::string& why);
  void PipelineLoop();
  bool NextBatch(std::vector<Queued>& batch);

  Settings settings_;
  absl::Mutex mu_;
  std::vector<ContextPtr> idle_ ABSL_GUARDED_BY(mu_);
  absl::Time breaker_open_until_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  int64_t trips_ ABSL_GUARDED_BY(mu_) = 0;  // connections made before a trip are not reused

  absl::Mutex pipe_mu_;
  std::vector<Queued> queued_ ABSL_GUARDED_BY(pipe_mu_);
  bool stopping_ ABSL_GUARDED_BY(pipe_mu_) = false;
  std::thread io_;  // started by the first CommandAsync
};

// Cache-aside with versioned writes. Each entry carries the version of the record it was
// read from, and a write is accepted only if its version is newer than the cached one
// (checked atomically in Redis by a Lua script). So a slow reader that loaded version 3
// cannot put it back over the version 4 the writer stored after its commit.
//
// Fail-open: with Redis down, Get misses and GetOrLoad reads the system of record; a write
// whose cache update failed is remembered and re-sent in the background until Redis takes
// it, and every entry expires after `ttl`, which bounds staleness in the one case that
// remains (this replica cut off from a Redis that other replicas still reach).
class VersionedCache {
 public:
  struct Entry {
    int64_t version = 0;
    std::string data;
    bool deleted = false;  // a tombstone: the record is gone as of `version`
  };

  VersionedCache(Client& client, std::string key_prefix, absl::Duration ttl, prometheus::Registry& registry);
  ~VersionedCache();

  std::optional<Entry> Get(const std::string& key);
  // Get without blocking: `done` runs on the client's I/O thread (see Client::CommandAsync),
  // or on this thread before GetAsync returns when the answer is known without Redis.
  void GetAsync(const std::string& key, std::function<void(std::optional<Entry>)> done);
  // After a committed write (write-through) or a load: store if newer than what is cached.
  void Put(const std::string& key, const Entry& entry);
  absl::StatusOr<Entry> GetOrLoad(const std::string& key, const std::function<absl::StatusOr<Entry>()>& load);

 private:
  absl::Status TryPut(const std::string& key, const Entry& entry);
  bool HasUnsentWrite(const std::string& full_key);
  std::optional<Entry> FromReply(absl::StatusOr<Reply> reply);
  void RepairLoop();

  Client& client_;
  std::string prefix_;
  absl::Duration ttl_;
  absl::Mutex mu_;
  std::map<std::string, Entry> unsent_ ABSL_GUARDED_BY(mu_);  // writes Redis has not taken yet
  std::atomic<int64_t> in_flight_{0};                         // GetAsync calls not yet answered
  absl::Notification stop_;
  std::thread repair_;
  prometheus::Counter& hits_;
  prometheus::Counter& misses_;
  prometheus::Counter& errors_;
};

}  // namespace mentoring::redis
