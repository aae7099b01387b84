#include "mentoring/runtime/redis.h"

#include <absl/strings/numbers.h>
#include <absl/strings/str_cat.h>
#include <hiredis/hiredis.h>
#include <pthread.h>
#include <spdlog/spdlog.h>

#include "mentoring/runtime/errors.h"

namespace mentoring::redis {
namespace {

Reply Convert(const redisReply* r) {
  Reply out;
  switch (r->type) {
    case REDIS_REPLY_STRING:
      out.type = Reply::Type::kString;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_STATUS:
      out.type = Reply::Type::kStatus;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_INTEGER:
      out.type = Reply::Type::kInteger;
      out.integer = r->integer;
      break;
    case REDIS_REPLY_ARRAY:
      out.type = Reply::Type::kArray;
      for (size_t i = 0; i < r->elements; ++i) out.elements.push_back(Convert(r->element[i]));
      break;
    default:
      out.type = Reply::Type::kNil;
  }
  return out;
}

// Stores the entry unless the cached one is as new or newer. KEYS[1]; ARGV: version, data,
// tombstone flag, ttl in ms.
constexpr char kPutIfNewer[] = R"lua(
local current = redis.call('HGET', KEYS[1], 'v')
if current and tonumber(current) >= tonumber(ARGV[1]) then return 0 end
redis.call('DEL', KEYS[1])
if ARGV[3] == '1' then
  redis.call('HSET', KEYS[1], 'v', ARGV[1], 'gone', '1')
else
  redis.call('HSET', KEYS[1], 'v', ARGV[1], 'd', ARGV[2])
end
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1
)lua";

absl::StatusOr<Reply> ToResult(const redisReply* r) {
  if (r->type == REDIS_REPLY_ERROR)
    return absl::InternalError(absl::StrCat("redis: ", absl::string_view(r->str, r->len)));
  return Convert(r);
}

}  // namespace

void Client::ContextDeleter::operator()(redisContext* c) const { redisFree(c); }

Client::Client(Settings settings) : settings_(std::move(settings)) {}

Client::~Client() {
  {
    absl::MutexLock lock(&pipe_mu_);
    stopping_ = true;
  }
  if (io_.joinable()) io_.join();  // answers every queued command first
}

absl::StatusOr<Client::ContextPtr> Client::Connect() {
  ContextPtr ctx(
      redisConnectWithTimeout(settings_.host.c_str(), settings_.port, absl::ToTimeval(settings_.connect_timeout)));
  if (!ctx || ctx->err != 0) {
    return errors::Unavailable("redis", ctx ? ctx->errstr : "cannot allocate context");
  }
  redisSetTimeout(ctx.get(), absl::ToTimeval(settings_.command_timeout));
  redisEnableKeepAlive(ctx.get());
  return ctx;
}

absl::Status Client::Trip(const std::string& why) {
  absl::MutexLock lock(&mu_);
  breaker_open_until_ = absl::Now() + settings_.breaker_cooldown;
  ++trips_;
  idle_.clear();  // every pooled connection is suspect now
  return errors::Unavailable("redis", why);
}

absl::StatusOr<Reply> Client::Command(const std::vector<std::string>& args) {
  ContextPtr ctx;
  {
    absl::MutexLock lock(&mu_);
    if (absl::Now() < breaker_open_until_) return errors::Unavailable("redis", "recent failure; breaker open");
    if (!idle_.empty()) {
      ctx = std::move(idle_.back());
      idle_.pop_back();
    }
  }
  if (!ctx) {
    auto connected = Connect();
    if (!connected.ok()) return Trip(std::string(connected.status().message()));
    ctx = std::move(*connected);
  }
  std::vector<const char*> argv;
  std::vector<size_t> lengths;
  for (const auto& a : args) {
    argv.push_back(a.data());
    lengths.push_back(a.size());
  }
  auto* raw =
      static_cast<redisReply*>(redisCommandArgv(ctx.get(), static_cast<int>(args.size()), argv.data(), lengths.data()));
  if (raw == nullptr) return Trip(ctx->errstr);
  std::unique_ptr<redisReply, decltype(&freeReplyObject)> reply(raw, &freeReplyObject);
  absl::StatusOr<Reply> out = ToResult(reply.get());
  {
    absl::MutexLock lock(&mu_);
    if (static_cast<int>(idle_.size()) < settings_.pool_size) idle_.push_back(std::move(ctx));
  }
  return out;
}

void Client::CommandAsync(const std::vector<std::string>& args, Callback done) {
  std::vector<const char*> argv;
  std::vector<size_t> lengths;
  argv.reserve(args.size());
  lengths.reserve(args.size());
  for (const auto& a : args) {
    argv.push_back(a.data());
    lengths.push_back(a.size());
  }
  char* formatted = nullptr;
  const int length = redisFormatCommandArgv(&formatted, static_cast<int>(args.size()), argv.data(), lengths.data());
  if (length < 0) {
    done(absl::ResourceExhaustedError("redis: cannot format command"));
    return;
  }
  Queued queued{{formatted, &redisFreeCommand}, static_cast<size_t>(length), std::move(done)};
  absl::MutexLock lock(&pipe_mu_);
  if (!io_.joinable()) io_ = std::thread([this] { PipelineLoop(); });
  queued_.push_back(std::move(queued));
}

bool Client::NextBatch(std::vector<Queued>& batch) {
  absl::MutexLock lock(&pipe_mu_);
  pipe_mu_.Await(absl::Condition(
      +[](Client* c) ABSL_EXCLUSIVE_LOCKS_REQUIRED(c->pipe_mu_) { return c->stopping_ || !c->queued_.empty(); }, this));
  batch.swap(queued_);
  return !batch.empty();  // empty only when stopping with nothing left to answer
}

void Client::PipelineLoop() {
  pthread_setname_np(pthread_self(), "redis-pipeline");  // else it has its starter's name
  ContextPtr ctx;
  int64_t connected_at_trip = -1;
  std::vector<Queued> batch;
  while (NextBatch(batch)) {
    absl::Status down;
    int64_t trips = 0;
    {
      absl::MutexLock lock(&mu_);
      if (absl::Now() < breaker_open_until_) down = errors::Unavailable("redis", "recent failure; breaker open");
      trips = trips_;
    }
    if (trips != connected_at_trip) ctx.reset();  // made before a failure seen elsewhere: suspect
    if (down.ok() && !ctx) {
      auto connected = Connect();
      if (connected.ok()) {
        ctx = std::move(*connected);
        connected_at_trip = trips;
      } else {
        down = Trip(std::string(connected.status().message()));
      }
    }
    if (down.ok()) {
      for (const auto& q : batch) redisAppendFormattedCommand(ctx.get(), q.command.get(), q.length);
    }
    // The first read sends the whole batch in one write; later replies are usually in the
    // buffer already.
    for (auto& q : batch) {
      if (!down.ok()) {
        q.done(down);
        continue;
      }
      void* raw = nullptr;
      if (redisGetReply(ctx.get(), &raw) != REDIS_OK || raw == nullptr) {
        down = Trip(ctx->errstr);
        ctx.reset();
        q.done(down);
        continue;
      }
      std::unique_ptr<redisReply, decltype(&freeReplyObject)> reply(static_cast<redisReply*>(raw), &freeReplyObject);
      q.done(ToResult(reply.get()));
    }
    batch.clear();
  }
}

VersionedCache::VersionedCache(Client& client, std::string key_prefix, absl::Duration ttl,
                               prometheus::Registry& registry)
    : client_(client),
      prefix_(std::move(key_prefix)),
      ttl_(ttl),
      hits_(prometheus::BuildCounter()
                .Name("mentoring_cache_hits_total")
                .Help("Cache hits")
                .Register(registry)
                .Add({{"cache", prefix_}})),
      misses_(prometheus::BuildCounter()
                  .Name("mentoring_cache_misses_total")
                  .Help("Cache misses")
                  .Register(registry)
                  .Add({{"cache", prefix_}})),
      errors_(prometheus::BuildCounter()
                  .Name("mentoring_cache_errors_total")
                  .Help("Cache operations that failed (Redis down or slow); served from the database")
                  .Register(registry)
                  .Add({{"cache", prefix_}})) {
  repair_ = std::thread([this] { RepairLoop(); });
}

VersionedCache::~VersionedCache() {
  stop_.Notify();
  repair_.join();
  // Replies still on their way (none once the server has drained) refer to this cache.
  while (in_flight_.load() > 0) absl::SleepFor(absl::Milliseconds(1));
}

bool VersionedCache::HasUnsentWrite(const std::string& full_key) {
  // A write Redis has not taken yet: what Redis holds may be older.
  absl::MutexLock lock(&mu_);
  return unsent_.contains(full_key);
}

std::optional<VersionedCache::Entry> VersionedCache::FromReply(absl::StatusOr<Reply> reply) {
  if (!reply.ok()) {
    errors_.Increment();
    return std::nullopt;
  }
  auto& e = reply->elements;
  if (e.size() != 3 || e[0].type != Reply::Type::kString) {
    misses_.Increment();
    return std::nullopt;
  }
  Entry entry;
  if (!absl::SimpleAtoi(e[0].str, &entry.version)) return std::nullopt;
  entry.deleted = e[2].type == Reply::Type::kString;
  if (!entry.deleted) {
    if (e[1].type != Reply::Type::kString) return std::nullopt;
    entry.data = std::move(e[1].str);
  }
  hits_.Increment();
  return entry;
}

std::optional<VersionedCache::Entry> VersionedCache::Get(const std::string& key) {
  const std::string full_key = prefix_ + key;
  if (HasUnsentWrite(full_key)) {
    misses_.Increment();
    return std::nullopt;
  }
  return FromReply(client_.Command({"HMGET", full_key, "v", "d", "gone"}));
}

void VersionedCache::GetAsync(const std::string& key, std::function<void(std::optional<Entry>)> done) {
  const std::string full_key = prefix_ + key;
  if (HasUnsentWrite(full_key)) {
    misses_.Increment();
    done(std::nullopt);
    return;
  }
  in_flight_.fetch_add(1);
  client_.CommandAsync({"HMGET", full_key, "v", "d", "gone"},
                       [this, done = std::move(done)](absl::StatusOr<Reply> reply) {
                         done(FromReply(std::move(reply)));
                         in_flight_.fetch_sub(1);  // the last use of this
                       });
}

absl::Status VersionedCache::TryPut(const std::string& full_key, const Entry& entry) {
  auto reply = client_.Command({"EVAL", kPutIfNewer, "1", full_key, std::to_string(entry.version), entry.data,
                                entry.deleted ? "1" : "0", std::to_string(absl::ToInt64Milliseconds(ttl_))});
  return reply.status();
}

void VersionedCache::Put(const std::string& key, const Entry& entry) {
  const std::string full_key = prefix_ + key;
  if (TryPut(full_key, entry).ok()) return;
  errors_.Increment();
  absl::MutexLock lock(&mu_);
  auto [it, inserted] = unsent_.emplace(full_key, entry);
  if (!inserted && it->second.version < entry.version) it->second = entry;
}

absl::StatusOr<VersionedCache::Entry> VersionedCache::GetOrLoad(const std::string& key,
                                                                const std::function<absl::StatusOr<Entry>()>& load) {
  if (auto cached = Get(key)) return *cached;
  auto loaded = load();
  if (loaded.ok()) Put(key, *loaded);
  return loaded;
}

void VersionedCache::RepairLoop() {
  while (!stop_.WaitForNotificationWithTimeout(absl::Milliseconds(100))) {
    std::map<std::string, Entry> pending;
    {
      absl::MutexLock lock(&mu_);
      pending = unsent_;
    }
    for (const auto& [full_key, entry] : pending) {
      if (!TryPut(full_key, entry).ok()) break;
      absl::MutexLock lock(&mu_);
      auto it = unsent_.find(full_key);
      if (it != unsent_.end() && it->second.version == entry.version) unsent_.erase(it);
    }
  }
}

}  // namespace mentoring::redis
