#pragma once
// Caller identity inside the suite. The gateway authenticates the user and signs a
// short-lived internal token (HS256 JWT: sub = caller id, roles, iss, aud, exp); every
// service verifies it from gRPC metadata, so a client that reaches a service directly
// cannot forge who it is.
#include <absl/container/flat_hash_map.h>
#include <absl/status/statusor.h>
#include <absl/synchronization/mutex.h>
#include <absl/time/time.h>

#include <set>
#include <string>

#include "mentoring/runtime/clock.h"

namespace mentoring {

inline constexpr char kInternalTokenHeader[] = "x-mentoring-internal-token";

// Roles a caller may hold.
namespace roles {
inline constexpr char kEmployee[] = "employee";
inline constexpr char kProgrammeAdmin[] = "programme_admin";
inline constexpr char kHrIntegration[] = "hr_integration";
inline constexpr char kAnalyticsViewer[] = "analytics_viewer";
// Another service of the suite acting on its own behalf (e.g. building a read model).
inline constexpr char kService[] = "service";
}  // namespace roles

struct Caller {
  std::string id;  // person id, or the service name for roles::kService
  std::set<std::string> roles;

  bool Has(const std::string& role) const { return roles.contains(role); }
  bool IsService() const { return Has(roles::kService); }
};

// The shared secret kept in a file (one line; a trailing newline is not part of it).
absl::StatusOr<std::string> ReadSecretFile(const std::string& path);

struct InternalTokenSettings {
  std::string secret;  // shared HS256 key, at least 32 bytes
  std::string issuer = "mentoring-gateway";
  std::string audience = "mentoring-internal";
  absl::Duration lifetime = absl::Minutes(2);
  absl::Duration leeway = absl::Seconds(5);  // clock skew between hosts
};

class InternalTokenSigner {
 public:
  InternalTokenSigner(InternalTokenSettings settings, const Clock& clock);
  absl::StatusOr<std::string> Sign(const Caller& caller) const;

 private:
  InternalTokenSettings settings_;
  const Clock& clock_;
};

class InternalTokenVerifier {
 public:
  InternalTokenVerifier(InternalTokenSettings settings, const Clock& clock);
  // UNAUTHENTICATED with the reason for anything but a valid, unexpired token.
  absl::StatusOr<Caller> Verify(std::string_view token) const;

  // Verified tokens are kept until they expire, at most this many (then forgotten at once).
  static constexpr size_t kMaxVerifiedTokens = 10000;
  size_t verified_tokens() const;

 private:
  absl::StatusOr<Caller> VerifySignedToken(const std::string& token, absl::Time* expires) const;

  InternalTokenSettings settings_;
  const Clock& clock_;
  // Tokens already verified, until they expire: a caller sends the same token for many
  // calls, and checking the signature and parsing the claims each time is a tenth of a
  // cached read's CPU. Keyed by the whole token, signature included.
  struct Verified {
    Caller caller;
    absl::Time expires;
  };
  mutable absl::Mutex mu_;
  mutable absl::flat_hash_map<std::string, Verified> verified_ ABSL_GUARDED_BY(mu_);
};

}  // namespace mentoring
