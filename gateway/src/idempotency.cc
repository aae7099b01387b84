#include "idempotency.h"

#include <absl/strings/str_cat.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include <regex>

#include "http_errors.h"
#include "mentoring/runtime/errors.h"

namespace mentoring::gateway {
namespace {

constexpr char kPending[] = "pending";

std::string RedisKey(const std::string& scope, const std::string& key) {
  return absl::StrCat("gateway:idem:", scope, ":", key);
}

// What is stored: the fingerprint, then the answer (status, ETag, content type, body).
std::string Encode(const std::string& fingerprint, const HttpResponse& response) {
  google::protobuf::Struct record;
  auto& f = *record.mutable_fields();
  f["fingerprint"].set_string_value(fingerprint);
  f["status"].set_number_value(response.status);
  f["body"].set_string_value(response.body);
  f["contentType"].set_string_value(response.content_type);
  for (const auto& [name, value] : response.headers) {
    if (name == "ETag") f["etag"].set_string_value(value);
  }
  std::string json;
  (void)google::protobuf::util::MessageToJsonString(record, &json);
  return json;
}

}  // namespace

absl::StatusOr<std::optional<HttpResponse>> IdempotencyStore::Begin(const std::string& scope, const std::string& key,
                                                                    const std::string& fingerprint) {
  static const std::regex kKey(R"(^[A-Za-z0-9._:-]{1,255}$)");
  if (!std::regex_match(key, kKey)) {
    return errors::InvalidArgument("Idempotency-Key", "idempotency_key", "1..255 letters, digits or . _ : -");
  }
  const std::string redis_key = RedisKey(scope, key);
  auto claimed = redis_.Command({"SET", redis_key, absl::StrCat(kPending, ":", fingerprint), "NX", "EX",
                                 absl::StrCat(absl::ToInt64Seconds(keep_))});
  if (!claimed.ok()) return errors::Unavailable("idempotency store", "retry the request later");
  if (claimed->type == redis::Reply::Type::kStatus) return std::nullopt;  // OK: ours to run
  auto stored = redis_.Command({"GET", redis_key});
  if (!stored.ok()) return errors::Unavailable("idempotency store", "retry the request later");
  if (stored->type != redis::Reply::Type::kString) return std::nullopt;  // expired meanwhile: run it
  if (stored->str.rfind(kPending, 0) == 0) {
    if (stored->str != absl::StrCat(kPending, ":", fingerprint)) {
      return errors::WithReason(absl::StatusCode::kFailedPrecondition, "IDEMPOTENCY_KEY_REUSED",
                                "this Idempotency-Key was used for a different request");
    }
    return errors::WithReason(absl::StatusCode::kAborted, "IDEMPOTENCY_KEY_IN_USE",
                              "a request with this Idempotency-Key is still running; retry shortly");
  }
  google::protobuf::Struct record;
  if (!google::protobuf::util::JsonStringToMessage(stored->str, &record).ok()) return std::nullopt;
  const auto& f = record.fields();
  if (f.at("fingerprint").string_value() != fingerprint) {
    return errors::WithReason(absl::StatusCode::kFailedPrecondition, "IDEMPOTENCY_KEY_REUSED",
                              "this Idempotency-Key was used for a different request");
  }
  HttpResponse replay;
  replay.status = static_cast<int>(f.at("status").number_value());
  replay.body = f.at("body").string_value();
  if (f.contains("contentType")) replay.content_type = f.at("contentType").string_value();  // older records: JSON
  if (f.contains("etag")) replay.headers.emplace_back("ETag", f.at("etag").string_value());
  replay.headers.emplace_back("Idempotent-Replayed", "true");
  return replay;
}

void IdempotencyStore::Finish(const std::string& scope, const std::string& key, const std::string& fingerprint,
                              const HttpResponse& response) {
  const std::string redis_key = RedisKey(scope, key);
  if (response.status >= 500) {
    redis_.Command({"DEL", redis_key}).IgnoreError();  // nothing happened for sure: let a retry run
    return;
  }
  redis_.Command({"SET", redis_key, Encode(fingerprint, response), "EX", absl::StrCat(absl::ToInt64Seconds(keep_))})
      .IgnoreError();  // best effort: the key expires either way
}

}  // namespace mentoring::gateway
