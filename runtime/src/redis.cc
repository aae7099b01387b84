#include "mentoring/runtime/redis.h"

#include <absl/strings/str_cat.h>
#include <absl/strings/numbers.h>
#include <hiredis/hiredis.h>
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

}  // namespace

void Client::ContextDeleter::operator()(redisContext* c) const { redisFree(c); }

Client::Client(Settings settings) : settings_(std::move(settings)) {}

Client::~Client() = default;

absl::StatusOr<Client::ContextPtr> Client::Connect() {
  ContextPtr ctx(redisConnectWithTimeout(settings_.host.c_str(), settings_.port, absl::ToTimeval(settings_.connect_timeout)));
  if (!ctx || ctx->err != 0) {
    return errors::Unavailable("redis", ctx ? ctx->errstr : "cannot allocate context");
  }
  redisSetTimeout(ctx.get(), absl::ToTimeval(settings_.command_timeout));
  redisEnableKeepAlive(ctx.get());
  return ctx;
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
  const auto trip = [this](const std::string& why) {
    absl::MutexLock lock(&mu_);
    breaker_open_until_ = absl::Now() + settings_.breaker_cooldown;
    idle_.clear();  // every pooled connection is suspect now
    return errors::Unavailable("redis", why);
  };
  if (!ctx) {
    auto connected = Connect();
    if (!connected.ok()) return trip(std::string(connected.status().message()));
    ctx = std::move(*connected);
  }
  std::vector<const char*> argv;
  std::vector<size_t> lengths;
  for (const auto& a : args) {
    argv.push_back(a.data());
    lengths.push_back(a.size());
  }
  auto* raw = static_cast<redisReply*>(redisCommandArgv(ctx.get(), static_cast<int>(args.size()), argv.data(), lengths.data()));
  if (raw == nullptr) return trip(ctx->errstr);
  std::unique_ptr<redisReply, decltype(&freeReplyObject)> reply(raw, &freeReplyObject);
  absl::StatusOr<Reply> out = reply->type == REDIS_REPLY_ERROR
                                  ? absl::StatusOr<Reply>(absl::InternalError(absl::StrCat("redis: ", reply->str)))
                                  : absl::StatusOr<Reply>(Convert(reply.get()));
  {
    absl::MutexLock lock(&mu_);
    if (static_cast<int>(idle_.size()) < settings_.pool_size) idle_.push_back(std::move(ctx));
  }
  return out;
}

VersionedCache::VersionedCache(Client& client, std::string key_prefix, absl::Duration ttl,
                               prometheus::Registry& registry)
    : client_(client),
      prefix_(std::move(key_prefix)),
      ttl_(ttl),
      hits_(prometheus::BuildCounter().Name("mentoring_cache_hits_total").Help("Cache hits").Register(registry).Add({{"cache", prefix_}})),
      misses_(prometheus::BuildCounter().Name("mentoring_cache_misses_total").Help("Cache misses").Register(registry).Add({{"cache", prefix_}})),
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
}

std::optional<VersionedCache::Entry> VersionedCache::Get(const std::string& key) {
  {
    // A write Redis has not taken yet: what Redis holds may be older.
    absl::MutexLock lock(&mu_);
    if (unsent_.contains(prefix_ + key)) {
      misses_.Increment();
      return std::nullopt;
    }
  }
  auto reply = client_.Command({"HMGET", prefix_ + key, "v", "d", "gone"});
  if (!reply.ok()) {
    errors_.Increment();
    return std::nullopt;
  }
  const auto& e = reply->elements;
  if (e.size() != 3 || e[0].type != Reply::Type::kString) {
    misses_.Increment();
    return std::nullopt;
  }
  Entry entry;
  if (!absl::SimpleAtoi(e[0].str, &entry.version)) return std::nullopt;
  entry.deleted = e[2].type == Reply::Type::kString;
  if (!entry.deleted) {
    if (e[1].type != Reply::Type::kString) return std::nullopt;
    entry.data = e[1].str;
  }
  hits_.Increment();
  return entry;
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

absl::StatusOr<VersionedCache::Entry> VersionedCache::GetOrLoad(
    const std::string& key, const std::function<absl::StatusOr<Entry>()>& load) {
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
