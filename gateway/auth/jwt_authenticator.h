#pragma once
// End-user authentication at the gateway: a JWT bearer token from the HTTP Authorization
// header becomes a Caller. HS256 with a shared secret is for local use, RS256 with configured
// public keys for production. Keys come only from configuration, never from the token
// (no "jku"/"jwk"/"x5u"), and the token's header only chooses among the configured
// (algorithm, key) pairs, so a token cannot make a public key serve as an HMAC secret.
#include <absl/status/statusor.h>
#include <absl/time/time.h>

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "mentoring/runtime/clock.h"
#include "mentoring/runtime/identity.h"

namespace mentoring::gateway {

// Bearer tokens longer than this are refused before any decoding: no identity provider we
// accept issues tokens anywhere near it, and libjwt 1.10 copies the token onto the stack.
inline constexpr size_t kMaxBearerTokenBytes = 8 * 1024;

struct JwtSettings {
  std::string issuer;                             // required "iss"
  std::string audience;                           // required in "aud" (string or array)
  std::string hs256_secret;                       // empty: HS256 not accepted (>= 32 bytes when set)
  std::map<std::string, std::string> rs256_keys;  // key id ("kid") -> PEM public key; empty: RS256 not accepted
  absl::Duration leeway = absl::Seconds(30);      // clock skew for exp/nbf/iat
  absl::Duration max_lifetime = absl::Hours(24);  // refuse tokens whose exp - iat is longer (or no iat)
};

class JwtAuthenticator {
 public:
  // INVALID_ARGUMENT naming the bad setting (no key at all, short secret, unparsable PEM, ...).
  static absl::StatusOr<std::unique_ptr<JwtAuthenticator>> Create(JwtSettings settings, const Clock& clock);

  // From the HTTP Authorization header value ("Bearer <jwt>"). UNAUTHENTICATED with a reason a
  // client developer can act on ("token expired", "wrong audience", "algorithm not allowed", ...)
  // but never echoing the token; the status also carries a machine-readable reason
  // (errors::DetailsOf(status).reason(), e.g. "TOKEN_EXPIRED"). Caller.id = "sub" (required,
  // non-empty); roles from the "roles" claim (JSON array of strings, or a space-separated
  // string), only the known end-user roles kept (employee, programme_admin, hr_integration,
  // analytics_viewer; never "service"). Thread-safe: keeps no state between calls.
  absl::StatusOr<Caller> Authenticate(std::string_view authorization_header) const;

 private:
  JwtAuthenticator(JwtSettings settings, const Clock& clock);

  JwtSettings settings_;
  const Clock& clock_;
};

}  // namespace mentoring::gateway
