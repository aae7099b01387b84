#include "mentoring/runtime/identity.h"

#include <absl/strings/str_join.h>
#include <absl/strings/str_split.h>
#include <jwt.h>

#include <fstream>
#include <memory>
#include <sstream>

#include "mentoring/runtime/errors.h"

namespace mentoring {
namespace {

struct JwtDeleter {
  void operator()(jwt_t* jwt) const { jwt_free(jwt); }
};
using JwtPtr = std::unique_ptr<jwt_t, JwtDeleter>;

const unsigned char* KeyBytes(const std::string& secret) {
  return reinterpret_cast<const unsigned char*>(secret.data());
}

}  // namespace

absl::StatusOr<std::string> ReadSecretFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError("cannot read secret file " + path);
  std::stringstream text;
  text << in.rdbuf();
  std::string secret = text.str();
  while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) secret.pop_back();
  if (secret.empty()) return absl::InvalidArgumentError("secret file " + path + " is empty");
  return secret;
}

InternalTokenSigner::InternalTokenSigner(InternalTokenSettings settings, const Clock& clock)
    : settings_(std::move(settings)), clock_(clock) {}

absl::StatusOr<std::string> InternalTokenSigner::Sign(const Caller& caller) const {
  jwt_t* raw = nullptr;
  if (jwt_new(&raw) != 0) return absl::InternalError("jwt_new failed");
  JwtPtr jwt(raw);
  const long now = static_cast<long>(absl::ToUnixSeconds(clock_.Now()));
  const std::string roles = absl::StrJoin(caller.roles, ",");
  if (jwt_add_grant(jwt.get(), "sub", caller.id.c_str()) != 0 ||
      jwt_add_grant(jwt.get(), "roles", roles.c_str()) != 0 ||
      jwt_add_grant(jwt.get(), "iss", settings_.issuer.c_str()) != 0 ||
      jwt_add_grant(jwt.get(), "aud", settings_.audience.c_str()) != 0 ||
      jwt_add_grant_int(jwt.get(), "iat", now) != 0 ||
      jwt_add_grant_int(jwt.get(), "exp", now + static_cast<long>(absl::ToInt64Seconds(settings_.lifetime))) != 0 ||
      jwt_set_alg(jwt.get(), JWT_ALG_HS256, KeyBytes(settings_.secret), static_cast<int>(settings_.secret.size())) !=
          0) {
    return absl::InternalError("could not build internal token");
  }
  char* encoded = jwt_encode_str(jwt.get());
  if (encoded == nullptr) return absl::InternalError("could not sign internal token");
  std::string token(encoded);
  free(encoded);
  return token;
}

InternalTokenVerifier::InternalTokenVerifier(InternalTokenSettings settings, const Clock& clock)
    : settings_(std::move(settings)), clock_(clock) {}

absl::StatusOr<Caller> InternalTokenVerifier::Verify(std::string_view token) const {
  if (token.empty())
    return errors::Unauthenticated("missing internal token (metadata " + std::string(kInternalTokenHeader) + ")");
  const absl::Time now = clock_.Now();
  {
    absl::MutexLock lock(&mu_);
    auto it = verified_.find(absl::string_view(token.data(), token.size()));  // no copy of the token
    if (it != verified_.end() && now <= it->second.expires + settings_.leeway) return it->second.caller;
  }
  const std::string text(token);
  absl::Time expires;
  auto caller = VerifySignedToken(text, &expires);
  if (caller.ok()) {
    absl::MutexLock lock(&mu_);
    if (verified_.size() >= kMaxVerifiedTokens) verified_.clear();  // bounded; tokens live minutes
    verified_[text] = {*caller, expires};
  }
  return caller;
}

size_t InternalTokenVerifier::verified_tokens() const {
  absl::MutexLock lock(&mu_);
  return verified_.size();
}

absl::StatusOr<Caller> InternalTokenVerifier::VerifySignedToken(const std::string& text, absl::Time* expires) const {
  jwt_t* raw = nullptr;
  // jwt_decode checks the signature with the key; alg=none or another algorithm is refused
  // below, so a token cannot choose how it is verified.
  if (jwt_decode(&raw, text.c_str(), KeyBytes(settings_.secret), static_cast<int>(settings_.secret.size())) != 0) {
    return errors::Unauthenticated("internal token is malformed or its signature is invalid");
  }
  JwtPtr jwt(raw);
  if (jwt_get_alg(jwt.get()) != JWT_ALG_HS256) return errors::Unauthenticated("internal token must use HS256");
  const char* iss = jwt_get_grant(jwt.get(), "iss");
  const char* aud = jwt_get_grant(jwt.get(), "aud");
  if (iss == nullptr || settings_.issuer != iss) return errors::Unauthenticated("internal token has the wrong issuer");
  if (aud == nullptr || settings_.audience != aud)
    return errors::Unauthenticated("internal token has the wrong audience");
  errno = 0;
  const long exp = jwt_get_grant_int(jwt.get(), "exp");
  if (errno != 0) return errors::Unauthenticated("internal token has no expiry");
  const absl::Time now = clock_.Now();
  if (absl::FromUnixSeconds(exp) + settings_.leeway < now) return errors::Unauthenticated("internal token has expired");
  *expires = absl::FromUnixSeconds(exp);
  const long iat = jwt_get_grant_int(jwt.get(), "iat");
  if (errno == 0 && absl::FromUnixSeconds(iat) - settings_.leeway > now) {
    return errors::Unauthenticated("internal token is issued in the future");
  }
  const char* sub = jwt_get_grant(jwt.get(), "sub");
  if (sub == nullptr || *sub == '\0') return errors::Unauthenticated("internal token names no caller");
  Caller caller;
  caller.id = sub;
  if (const char* roles = jwt_get_grant(jwt.get(), "roles")) {
    for (auto role : absl::StrSplit(roles, ',', absl::SkipEmpty())) caller.roles.emplace(role);
  }
  return caller;
}

}  // namespace mentoring
