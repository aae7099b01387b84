#include "auth/jwt_authenticator.h"

#include <absl/strings/ascii.h>
#include <absl/strings/escaping.h>
#include <absl/strings/match.h>
#include <absl/strings/str_cat.h>
#include <absl/strings/str_split.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <jwt.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <cmath>
#include <optional>
#include <vector>

#include "mentoring/runtime/errors.h"

namespace mentoring::gateway {
namespace {

using google::protobuf::Struct;
using google::protobuf::Value;

constexpr size_t kMinHs256SecretBytes = 32;
constexpr int kMinRsaKeyBits = 2048;
// NumericDates beyond this (year 5138) are nonsense, and keeping them small keeps the
// double -> absl::Time conversion exact enough.
constexpr double kLatestNumericDate = 1e11;

// The only roles an end user's token may grant; "service" belongs to the suite's own
// services and is never taken from an outside token.
const std::set<std::string>& EndUserRoles() {
  static const auto* const kRoles = new std::set<std::string>{roles::kEmployee, roles::kProgrammeAdmin,
                                                              roles::kHrIntegration, roles::kAnalyticsViewer};
  return *kRoles;
}

// Every refusal is UNAUTHENTICATED with a stable machine-readable reason, so clients can
// branch on the reason and humans read the message. Messages never contain token text.
absl::Status Refuse(const char* reason, const std::string& message) {
  return errors::WithReason(absl::StatusCode::kUnauthenticated, reason, message);
}

struct JwtDeleter {
  void operator()(jwt_t* jwt) const { jwt_free(jwt); }
};
using JwtPtr = std::unique_ptr<jwt_t, JwtDeleter>;

struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct PkeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};

// Checks a configured RS256 key the way libjwt 1.10 will read it (PEM_read_bio_PUBKEY, RSA
// only), so a bad key fails at start-up instead of refusing every token.
absl::Status CheckRsaPublicKey(const std::string& kid, const std::string& pem) {
  const std::string field = absl::StrCat("rs256_keys[", kid, "]");
  std::unique_ptr<BIO, BioDeleter> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (bio == nullptr) return absl::ResourceExhaustedError("cannot allocate an OpenSSL buffer");
  std::unique_ptr<EVP_PKEY, PkeyDeleter> key(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
  // Leave no failure behind on this thread's OpenSSL error queue for unrelated TLS code.
  ERR_clear_error();
  if (key == nullptr) {
    return errors::InvalidArgument(field, "pem_public_key",
                                   "not a PEM public key (\"-----BEGIN PUBLIC KEY-----\", SubjectPublicKeyInfo)");
  }
  if (EVP_PKEY_id(key.get()) != EVP_PKEY_RSA) {
    return errors::InvalidArgument(field, "rsa_key", "RS256 needs an RSA public key");
  }
  if (EVP_PKEY_get_bits(key.get()) < kMinRsaKeyBits) {
    return errors::InvalidArgument(field, "rsa_key_size",
                                   absl::StrCat("RSA key must have at least ", kMinRsaKeyBits, " bits"));
  }
  return absl::OkStatus();
}

absl::Status CheckSettings(const JwtSettings& settings) {
  if (settings.issuer.empty()) return errors::InvalidArgument("issuer", "required", "the expected \"iss\" must be set");
  if (settings.audience.empty())
    return errors::InvalidArgument("audience", "required", "the expected \"aud\" must be set");
  if (settings.hs256_secret.empty() && settings.rs256_keys.empty()) {
    return errors::InvalidArgument("hs256_secret", "key_required",
                                   "no key configured: set hs256_secret (local use) or rs256_keys (production)");
  }
  if (!settings.hs256_secret.empty()) {
    if (settings.hs256_secret.size() < kMinHs256SecretBytes) {
      return errors::InvalidArgument("hs256_secret", "min_length",
                                     absl::StrCat("HS256 secret must be at least ", kMinHs256SecretBytes, " bytes"));
    }
    // A public key pasted as the HMAC secret would let anyone who has the key mint tokens.
    if (absl::StrContains(settings.hs256_secret, "-----BEGIN")) {
      return errors::InvalidArgument("hs256_secret", "not_a_pem_key",
                                     "HS256 secret looks like a PEM key; it must be a random secret");
    }
  }
  for (const auto& [kid, pem] : settings.rs256_keys) {
    if (kid.empty())
      return errors::InvalidArgument("rs256_keys", "kid_required", "every RS256 key needs a non-empty key id");
    if (absl::Status status = CheckRsaPublicKey(kid, pem); !status.ok()) return status;
  }
  if (settings.leeway < absl::ZeroDuration())
    return errors::InvalidArgument("leeway", "non_negative", "leeway must not be negative");
  if (settings.max_lifetime <= absl::ZeroDuration()) {
    return errors::InvalidArgument("max_lifetime", "positive", "max_lifetime must be positive");
  }
  return absl::OkStatus();
}

// Debian's abseil is built with its own absl::string_view, not an alias of std::string_view.
absl::string_view AbslView(std::string_view text) { return absl::string_view(text.data(), text.size()); }

std::vector<std::string_view> SplitOnDots(std::string_view token) {
  std::vector<std::string_view> parts;
  for (size_t start = 0;;) {
    const size_t dot = token.find('.', start);
    parts.push_back(token.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
    if (dot == std::string_view::npos) return parts;
    start = dot + 1;
  }
}

bool IsBase64UrlOrDot(char c) { return absl::ascii_isalnum(c) || c == '-' || c == '_' || c == '.'; }

// "Bearer <token>" with exactly one space; the scheme is case-insensitive (RFC 7235), the
// token is compact JWS text and nothing else.
absl::StatusOr<std::string_view> BearerToken(std::string_view header) {
  constexpr std::string_view kScheme = "Bearer ";
  if (header.empty()) {
    return Refuse("MISSING_TOKEN", "no credentials: send the header \"Authorization: Bearer <token>\"");
  }
  if (header.size() < kScheme.size() ||
      !absl::EqualsIgnoreCase(AbslView(header.substr(0, kScheme.size())), AbslView(kScheme))) {
    return Refuse("WRONG_SCHEME", "the Authorization header must be \"Bearer <token>\"");
  }
  const std::string_view token = header.substr(kScheme.size());
  if (token.empty()) return Refuse("MISSING_TOKEN", "the Authorization header has no token after \"Bearer \"");
  // Checked before anything looks inside the token.
  if (token.size() > kMaxBearerTokenBytes) {
    return Refuse("TOKEN_TOO_LONG", absl::StrCat("token is longer than ", kMaxBearerTokenBytes, " bytes"));
  }
  for (char c : token) {
    if (!IsBase64UrlOrDot(c)) {
      return Refuse("MALFORMED_TOKEN",
                    "token must be a compact JWT (base64url parts joined by '.'), with a single space after \"Bearer\" "
                    "and nothing after the token");
    }
  }
  return token;
}

absl::StatusOr<Struct> DecodeJsonObject(std::string_view segment) {
  std::string json;
  Struct object;
  if (!absl::WebSafeBase64Unescape(AbslView(segment), &json) ||
      !google::protobuf::util::JsonStringToMessage(json, &object).ok()) {
    return absl::InvalidArgumentError("not base64url-encoded JSON object");
  }
  return object;
}

const Value* Field(const Struct& object, const std::string& name) {
  auto it = object.fields().find(name);
  return it == object.fields().end() ? nullptr : &it->second;
}

const std::string* StringField(const Struct& object, const std::string& name) {
  const Value* value = Field(object, name);
  return value != nullptr && value->kind_case() == Value::kStringValue ? &value->string_value() : nullptr;
}

// The configured key a token must verify with, chosen by its (still unverified) header. The
// header only picks among configured (algorithm, key) pairs: the secret is only ever an
// HS256 key and the PEM keys only ever RS256 keys.
struct ChosenKey {
  jwt_alg_t alg;
  const std::string* key;
};

absl::StatusOr<ChosenKey> ChooseKey(const JwtSettings& settings, std::string_view header_segment) {
  absl::StatusOr<Struct> header = DecodeJsonObject(header_segment);
  if (!header.ok()) return Refuse("MALFORMED_TOKEN", "token header is not base64url-encoded JSON");
  if (Field(*header, "crit") != nullptr) {
    return Refuse("UNSUPPORTED_TOKEN", "token header lists critical extensions (\"crit\"), which are not supported");
  }
  // libjwt 1.10 refuses any other "typ" (e.g. RFC 9068's "at+jwt") and would report it as a
  // bad signature, which sends a client developer looking in the wrong place.
  if (const Value* typ = Field(*header, "typ");
      typ != nullptr &&
      (typ->kind_case() != Value::kStringValue || !absl::EqualsIgnoreCase(typ->string_value(), "JWT"))) {
    return Refuse("UNSUPPORTED_TOKEN", "token type (\"typ\") must be \"JWT\"");
  }
  const std::string* alg = StringField(*header, "alg");
  if (alg == nullptr) return Refuse("MALFORMED_TOKEN", "token header has no \"alg\"");
  std::string accepted;
  if (!settings.hs256_secret.empty()) accepted = "HS256";
  if (!settings.rs256_keys.empty()) absl::StrAppend(&accepted, accepted.empty() ? "" : ", ", "RS256");
  // Exact, case-sensitive names (RFC 7518); libjwt itself would also accept "hs256", "None".
  if (*alg == "HS256" && !settings.hs256_secret.empty()) return ChosenKey{JWT_ALG_HS256, &settings.hs256_secret};
  if (*alg != "RS256" || settings.rs256_keys.empty()) {
    return Refuse("ALGORITHM_NOT_ALLOWED", absl::StrCat("token algorithm is not allowed; accepted: ", accepted));
  }
  const Value* kid = Field(*header, "kid");
  if (kid == nullptr) {
    // With a single key there is nothing to choose; with several, guessing would turn a
    // rotation mistake into silent trial verification.
    if (settings.rs256_keys.size() == 1) return ChosenKey{JWT_ALG_RS256, &settings.rs256_keys.begin()->second};
    return Refuse("UNKNOWN_KEY", "token header has no key id (\"kid\"); several signing keys are configured");
  }
  if (kid->kind_case() != Value::kStringValue)
    return Refuse("MALFORMED_TOKEN", "token key id (\"kid\") must be a string");
  auto it = settings.rs256_keys.find(kid->string_value());
  if (it == settings.rs256_keys.end()) {
    return Refuse("UNKNOWN_KEY", "token key id (\"kid\") is not a configured signing key");
  }
  return ChosenKey{JWT_ALG_RS256, &it->second};
}

// A NumericDate claim (RFC 7519: seconds since the epoch, fractions allowed); nullopt if
// absent.
absl::StatusOr<std::optional<absl::Time>> NumericDate(const Struct& claims, const std::string& name) {
  const Value* value = Field(claims, name);
  if (value == nullptr) return std::nullopt;
  if (value->kind_case() != Value::kNumberValue || !std::isfinite(value->number_value()) || value->number_value() < 0 ||
      value->number_value() > kLatestNumericDate) {
    return Refuse("MALFORMED_CLAIM", absl::StrCat("claim \"", name, "\" must be a number of seconds since the epoch"));
  }
  return absl::UnixEpoch() + absl::Seconds(value->number_value());
}

bool AudienceMatches(const Value& aud, const std::string& expected) {
  if (aud.kind_case() == Value::kStringValue) return aud.string_value() == expected;
  if (aud.kind_case() != Value::kListValue) return false;
  for (const Value& entry : aud.list_value().values()) {
    if (entry.kind_case() == Value::kStringValue && entry.string_value() == expected) return true;
  }
  return false;
}

absl::Status AddRoles(const Struct& claims, Caller& caller) {
  const Value* value = Field(claims, "roles");
  if (value == nullptr) return absl::OkStatus();
  std::vector<std::string> named;
  if (value->kind_case() == Value::kStringValue) {
    for (absl::string_view role : absl::StrSplit(value->string_value(), ' ', absl::SkipEmpty())) {
      named.emplace_back(role.data(), role.size());
    }
  } else if (value->kind_case() == Value::kListValue) {
    for (const Value& entry : value->list_value().values()) {
      if (entry.kind_case() != Value::kStringValue) {
        return Refuse("MALFORMED_CLAIM", "claim \"roles\" must be an array of strings or a space-separated string");
      }
      named.push_back(entry.string_value());
    }
  } else {
    return Refuse("MALFORMED_CLAIM", "claim \"roles\" must be an array of strings or a space-separated string");
  }
  // Roles the gateway does not know (an identity provider's own groups) are not an error;
  // they are simply not granted.
  for (std::string& role : named) {
    if (EndUserRoles().contains(role)) caller.roles.insert(std::move(role));
  }
  return absl::OkStatus();
}

}  // namespace

JwtAuthenticator::JwtAuthenticator(JwtSettings settings, const Clock& clock)
    : settings_(std::move(settings)), clock_(clock) {}

absl::StatusOr<std::unique_ptr<JwtAuthenticator>> JwtAuthenticator::Create(JwtSettings settings, const Clock& clock) {
  if (absl::Status status = CheckSettings(settings); !status.ok()) return status;
  return std::unique_ptr<JwtAuthenticator>(new JwtAuthenticator(std::move(settings), clock));
}

absl::StatusOr<Caller> JwtAuthenticator::Authenticate(std::string_view authorization_header) const {
  absl::StatusOr<std::string_view> token = BearerToken(authorization_header);
  if (!token.ok()) return token.status();
  const std::vector<std::string_view> parts = SplitOnDots(*token);
  if (parts.size() != 3 || parts[0].empty() || parts[1].empty()) {
    return Refuse("MALFORMED_TOKEN", "token must have three parts: header.payload.signature");
  }
  if (parts[2].empty()) return Refuse("ALGORITHM_NOT_ALLOWED", "unsigned tokens are not accepted");

  absl::StatusOr<ChosenKey> chosen = ChooseKey(settings_, parts[0]);
  if (!chosen.ok()) return chosen.status();

  // The signature is checked here, before any claim is read. libjwt 1.10 checks no claims
  // (no exp/nbf, no clock of its own), so all time checks below use the injected Clock.
  jwt_t* raw = nullptr;
  const std::string token_text(*token);  // libjwt wants a NUL-terminated string
  if (jwt_decode(&raw, token_text.c_str(), reinterpret_cast<const unsigned char*>(chosen->key->data()),
                 static_cast<int>(chosen->key->size())) != 0) {
    ERR_clear_error();
    return Refuse("INVALID_SIGNATURE", "token signature is invalid, or the token is malformed");
  }
  JwtPtr jwt(raw);
  // libjwt parses the header itself; if its reading of "alg" ever differed from ours (e.g.
  // duplicate keys), the key would be used with an algorithm it was not chosen for.
  if (jwt_get_alg(jwt.get()) != chosen->alg) {
    return Refuse("ALGORITHM_NOT_ALLOWED", "token algorithm does not match the key it names");
  }

  // The payload bytes are covered by the signature just verified.
  absl::StatusOr<Struct> claims = DecodeJsonObject(parts[1]);
  if (!claims.ok()) return Refuse("MALFORMED_TOKEN", "token payload is not base64url-encoded JSON");

  const std::string* iss = StringField(*claims, "iss");
  if (iss == nullptr || *iss != settings_.issuer) {
    return Refuse("WRONG_ISSUER", absl::StrCat("wrong issuer: expected \"iss\" \"", settings_.issuer, "\""));
  }
  const Value* aud = Field(*claims, "aud");
  if (aud == nullptr || !AudienceMatches(*aud, settings_.audience)) {
    return Refuse("WRONG_AUDIENCE", absl::StrCat("wrong audience: \"aud\" must include \"", settings_.audience, "\""));
  }

  const absl::Time now = clock_.Now();
  absl::StatusOr<std::optional<absl::Time>> exp = NumericDate(*claims, "exp");
  if (!exp.ok()) return exp.status();
  if (!exp->has_value()) return Refuse("MISSING_EXPIRY", "token has no expiry (\"exp\")");
  if (now >= **exp + settings_.leeway) return Refuse("TOKEN_EXPIRED", "token expired; get a new one");
  absl::StatusOr<std::optional<absl::Time>> nbf = NumericDate(*claims, "nbf");
  if (!nbf.ok()) return nbf.status();
  if (nbf->has_value() && now + settings_.leeway < **nbf) {
    return Refuse("TOKEN_NOT_YET_VALID", "token not valid yet (\"nbf\" is in the future; check the clock)");
  }
  absl::StatusOr<std::optional<absl::Time>> iat = NumericDate(*claims, "iat");
  if (!iat.ok()) return iat.status();
  // Without iat the lifetime is unknown, and a token that lives for a year is a stolen
  // credential waiting to happen.
  if (!iat->has_value()) return Refuse("MISSING_ISSUED_AT", "token has no issue time (\"iat\")");
  if (now + settings_.leeway < **iat) {
    return Refuse("TOKEN_ISSUED_IN_FUTURE", "token issued in the future (\"iat\"; check the clock)");
  }
  if (**exp - **iat > settings_.max_lifetime) {
    return Refuse("TOKEN_LIFETIME_TOO_LONG", absl::StrCat("token lifetime (exp - iat) is longer than ",
                                                          absl::FormatDuration(settings_.max_lifetime)));
  }

  const std::string* sub = StringField(*claims, "sub");
  if (sub == nullptr || sub->empty()) return Refuse("MISSING_SUBJECT", "token names no user (\"sub\")");
  Caller caller;
  caller.id = *sub;
  if (absl::Status status = AddRoles(*claims, caller); !status.ok()) return status;
  return caller;
}

}  // namespace mentoring::gateway
