#pragma once
// Idempotency keys on POST: a client that retries a create with the same Idempotency-Key
// gets the first answer again instead of a second resource. Keys live in Redis for 24 h,
// scoped to the caller and the route, with a fingerprint of the request so a key reused
// for a different request is refused. While Redis is unreachable a POST carrying a key is
// refused with 503 (retry later) rather than risk doing it twice.
#include <absl/status/statusor.h>
#include <absl/time/time.h>

#include <optional>
#include <string>

#include "gateway_app.h"
#include "mentoring/runtime/redis.h"

namespace mentoring::gateway {

class IdempotencyStore {
 public:
  explicit IdempotencyStore(redis::Client& redis, absl::Duration keep = absl::Hours(24)) : redis_(redis), keep_(keep) {}

  // The first call for a key claims it (nullopt: go ahead). Later calls get the stored
  // answer, or 409 while the first is still running, or 422 for a different request.
  // INVALID_ARGUMENT for a malformed key, UNAVAILABLE when Redis cannot answer.
  absl::StatusOr<std::optional<HttpResponse>> Begin(const std::string& scope, const std::string& key,
                                                    const std::string& fingerprint);
  // Stores the answer (or frees the key after a server error, so a retry may run).
  void Finish(const std::string& scope, const std::string& key, const std::string& fingerprint,
              const HttpResponse& response);

 private:
  redis::Client& redis_;
  absl::Duration keep_;
};

}  // namespace mentoring::gateway
