#include "auth/jwt_authenticator.h"

#include <absl/strings/escaping.h>
#include <absl/strings/str_cat.h>
#include <absl/strings/str_split.h>
#include <gtest/gtest.h>
#include <jwt.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mentoring/runtime/errors.h"

namespace mentoring::gateway {
namespace {

const std::string kSecret = "0123456789abcdef0123456789abcdef";
const std::string kIssuer = "https://idp.example.com";
const std::string kAudience = "mentoring-gateway";
constexpr long kStart = 1700000000;

struct PkeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyDeleter>;

struct KeyPair {
  std::string private_pem;
  std::string public_pem;
};

std::string ReadBio(BIO* bio) {
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  std::string text(data, static_cast<size_t>(size));
  BIO_free(bio);
  return text;
}

KeyPair ToPem(EVP_PKEY* key) {
  BIO* private_bio = BIO_new(BIO_s_mem());
  BIO* public_bio = BIO_new(BIO_s_mem());
  EXPECT_EQ(PEM_write_bio_PrivateKey(private_bio, key, nullptr, nullptr, 0, nullptr, nullptr), 1);
  EXPECT_EQ(PEM_write_bio_PUBKEY(public_bio, key), 1);
  return {ReadBio(private_bio), ReadBio(public_bio)};
}

// Fresh keys per test run, so no private key is ever checked in.
KeyPair GenerateRsa(unsigned bits) {
  PkeyPtr key(EVP_RSA_gen(bits));
  EXPECT_NE(key, nullptr);
  return ToPem(key.get());
}

KeyPair GenerateEc() {
  PkeyPtr key(EVP_EC_gen("P-256"));
  EXPECT_NE(key, nullptr);
  return ToPem(key.get());
}

std::string B64(const std::string& text) { return absl::WebSafeBase64Escape(text); }

// A token built by hand, for headers libjwt's encoder refuses to write (alg "none",
// duplicate keys, crit) and for HMAC keys it would not be given (a public key's PEM text).
std::string HandMade(const std::string& header_json, const std::string& payload_json, const std::string& hmac_key) {
  const std::string signing_input = B64(header_json) + "." + B64(payload_json);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_size = 0;
  HMAC(EVP_sha256(), hmac_key.data(), static_cast<int>(hmac_key.size()),
       reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size(), mac, &mac_size);
  return signing_input + "." + B64(std::string(reinterpret_cast<char*>(mac), mac_size));
}

struct Claims {
  std::string sub = "person-1";
  std::string iss = kIssuer;
  std::string aud_json = "\"" + kAudience + "\"";
  std::string roles_json = R"(["employee","programme_admin"])";
  std::optional<long> iat = kStart;
  std::optional<long> exp = kStart + 600;
  std::optional<long> nbf;
  std::string extra_json;  // more members, e.g. R"("pad":"...")"

  std::string Json() const {
    std::string json = "{";
    auto add = [&json](const std::string& member) { absl::StrAppend(&json, json.size() > 1 ? "," : "", member); };
    if (!sub.empty()) add(absl::StrCat("\"sub\":\"", sub, "\""));
    if (!iss.empty()) add(absl::StrCat("\"iss\":\"", iss, "\""));
    if (!aud_json.empty()) add(absl::StrCat("\"aud\":", aud_json));
    if (!roles_json.empty()) add(absl::StrCat("\"roles\":", roles_json));
    if (iat) add(absl::StrCat("\"iat\":", *iat));
    if (exp) add(absl::StrCat("\"exp\":", *exp));
    if (nbf) add(absl::StrCat("\"nbf\":", *nbf));
    if (!extra_json.empty()) add(extra_json);
    return json + "}";
  }
};

// Minted with libjwt's own encoder, the way a real issuer would.
std::string Mint(jwt_alg_t alg, const std::string& key, const Claims& claims = {}, const std::string& kid = "") {
  jwt_t* raw = nullptr;
  EXPECT_EQ(jwt_new(&raw), 0);
  std::unique_ptr<jwt_t, void (*)(jwt_t*)> jwt(raw, jwt_free);
  EXPECT_EQ(jwt_add_grants_json(jwt.get(), claims.Json().c_str()), 0);
  if (!kid.empty()) {
    EXPECT_EQ(jwt_add_header(jwt.get(), "kid", kid.c_str()), 0);
  }
  EXPECT_EQ(
      jwt_set_alg(jwt.get(), alg, reinterpret_cast<const unsigned char*>(key.data()), static_cast<int>(key.size())), 0);
  char* encoded = jwt_encode_str(jwt.get());
  EXPECT_NE(encoded, nullptr);
  std::string token = encoded == nullptr ? "" : encoded;
  free(encoded);
  return token;
}

std::string Bearer(const std::string& token) { return "Bearer " + token; }

class JwtAuthenticatorTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    key_a_ = new KeyPair(GenerateRsa(2048));
    key_b_ = new KeyPair(GenerateRsa(2048));
  }
  static void TearDownTestSuite() {
    delete key_a_;
    delete key_b_;
  }

  std::unique_ptr<JwtAuthenticator> Make(JwtSettings settings) {
    auto authenticator = JwtAuthenticator::Create(std::move(settings), clock_);
    EXPECT_TRUE(authenticator.ok()) << authenticator.status();
    return authenticator.ok() ? std::move(*authenticator) : nullptr;
  }
  JwtSettings Base() const { return {.issuer = kIssuer, .audience = kAudience}; }
  JwtSettings Hs256() const {
    JwtSettings settings = Base();
    settings.hs256_secret = kSecret;
    return settings;
  }
  JwtSettings Rs256OneKey() const {
    JwtSettings settings = Base();
    settings.rs256_keys = {{"a", key_a_->public_pem}};
    return settings;
  }
  JwtSettings Rs256TwoKeys() const {
    JwtSettings settings = Base();
    settings.rs256_keys = {{"a", key_a_->public_pem}, {"b", key_b_->public_pem}};
    return settings;
  }

  // Refused as UNAUTHENTICATED with the given machine-readable reason, and the message
  // repeats no part of the token.
  static void ExpectRefused(const JwtAuthenticator& authenticator, const std::string& header,
                            const std::string& reason) {
    auto caller = authenticator.Authenticate(header);
    ASSERT_FALSE(caller.ok()) << "accepted: " << header.substr(0, 80);
    EXPECT_EQ(caller.status().code(), absl::StatusCode::kUnauthenticated) << caller.status();
    EXPECT_EQ(errors::DetailsOf(caller.status()).reason(), reason) << caller.status();
    const std::string message(caller.status().message());
    EXPECT_FALSE(message.empty());
    if (header.size() > 7) {
      for (absl::string_view part : absl::StrSplit(header.substr(7), '.', absl::SkipEmpty())) {
        if (part.size() >= 8) {
          EXPECT_EQ(message.find(part.data(), 0, part.size()), std::string::npos)
              << "message echoes the token: " << message;
        }
      }
    }
  }

  static KeyPair* key_a_;
  static KeyPair* key_b_;
  ManualClock clock_{absl::FromUnixSeconds(kStart)};
};

KeyPair* JwtAuthenticatorTest::key_a_ = nullptr;
KeyPair* JwtAuthenticatorTest::key_b_ = nullptr;

// --- Accepted tokens -------------------------------------------------------------------

TEST_F(JwtAuthenticatorTest, AcceptsHs256TokenAndReadsSubjectAndRoles) {
  auto authenticator = Make(Hs256());
  auto caller = authenticator->Authenticate(Bearer(Mint(JWT_ALG_HS256, kSecret)));
  ASSERT_TRUE(caller.ok()) << caller.status();
  EXPECT_EQ(caller->id, "person-1");
  EXPECT_EQ(caller->roles, (std::set<std::string>{roles::kEmployee, roles::kProgrammeAdmin}));
}

TEST_F(JwtAuthenticatorTest, AcceptsRs256TokenSignedByEachConfiguredKey) {
  auto authenticator = Make(Rs256TwoKeys());
  auto by_a = authenticator->Authenticate(Bearer(Mint(JWT_ALG_RS256, key_a_->private_pem, {}, "a")));
  auto by_b = authenticator->Authenticate(Bearer(Mint(JWT_ALG_RS256, key_b_->private_pem, {}, "b")));
  ASSERT_TRUE(by_a.ok()) << by_a.status();
  ASSERT_TRUE(by_b.ok()) << by_b.status();
  EXPECT_EQ(by_b->id, "person-1");
}

TEST_F(JwtAuthenticatorTest, SingleRs256KeyAcceptsTokenWithoutKid) {
  auto authenticator = Make(Rs256OneKey());
  auto caller = authenticator->Authenticate(Bearer(Mint(JWT_ALG_RS256, key_a_->private_pem)));
  EXPECT_TRUE(caller.ok()) << caller.status();
}

TEST_F(JwtAuthenticatorTest, BearerSchemeIsCaseInsensitive) {
  auto authenticator = Make(Hs256());
  EXPECT_TRUE(authenticator->Authenticate("bearer " + Mint(JWT_ALG_HS256, kSecret)).ok());
}

TEST_F(JwtAuthenticatorTest, AudienceMayBeAnArrayThatIncludesOurs) {
  auto authenticator = Make(Hs256());
  Claims claims;
  claims.aud_json = R"(["other-api",")" + kAudience + R"("])";
  EXPECT_TRUE(authenticator->Authenticate(Bearer(Mint(JWT_ALG_HS256, kSecret, claims))).ok());
}

TEST_F(JwtAuthenticatorTest, RolesMayBeASpaceSeparatedString) {
  auto authenticator = Make(Hs256());
  Claims claims;
  claims.roles_json = R"("employee  analytics_viewer")";
  auto caller = authenticator->Authenticate(Bearer(Mint(JWT_ALG_HS256, kSecret, claims)));
  ASSERT_TRUE(caller.ok()) << caller.status();
  EXPECT_EQ(caller->roles, (std::set<std::string>{roles::kEmployee, roles::kAnalyticsViewer}));
}

TEST_F(JwtAuthenticatorTest, NoRolesClaimMeansNoRoles) {
  auto authenticator = Make(Hs256());
  Claims claims;
  claims.roles_json = "";
  auto caller = authenticator->Authenticate(Bearer(Mint(JWT_ALG_HS256, kSecret, claims)));
  ASSERT_TRUE(caller.ok()) << caller.status();
  EXPECT_TRUE(caller->roles.empty());
}

// --- Roles -------------------------------------------------------------------------------

TEST_F(JwtAuthenticatorTest, DropsServiceRoleAndUnknownRoles) {
  auto authenticator = Make(Hs256());
  for (const std::string roles_json : {R"(["service","employee","admin","Employee"])", R"("service employee admin")"}) {
    Claims claims;
    claims.roles_json = roles_json;
    auto caller = authenticator->Authenticate(Bearer(Mint(JWT_ALG_HS256, kSecret, claims)));
    ASSERT_TRUE(caller.ok()) << caller.status();
    EXPECT_EQ(caller->roles, std::set<std::string>{roles::kEmployee}) << roles_json;
    EXPECT_FALSE(caller->IsService());
  }
}

TEST_F(JwtAuthenticatorTest, RefusesRolesOfTheWrongType) {
  auto authenticator = Make(Hs256());
  for (const std::string roles_json : {"42", R"(["employee",7])", R"({"employee":true})"}) {
    Claims claims;
    claims.roles_json = roles_json;
    ExpectRefused(*authenticator, Bearer(Mint(JWT_ALG_HS256, kSecret, claims)), "MALFORMED_CLAIM");
  }
}

// --- Time, checked against the injected clock ------------------------------------------

TEST_F(JwtAuthenticatorTest, RequiresExp) {
  auto authenticator = Make(Hs256());
  Claims claims;
  claims.exp.reset();
  ExpectRefused(*authenticator, Bearer(Mint(JWT_ALG_HS256, kSecret, claims)), "MISSING_EXPIRY");
}

TEST_F(JwtAuthenticatorTest, RefusesExpiredTokenOnceTheLeewayIsUsedUp) {
  auto authenticator = Make(Hs256());                              // leeway 30 s
  const std::string token = Bearer(Mint(JWT_ALG_HS256, kSecret));  // exp = start + 600
  clock_.Set(absl::FromUnixSeconds(kStart + 600 + 29));
  EXPECT_TRUE(authenticator->Authenticate(token).ok());
  clock_.Set(absl::FromUnixSeconds(kStart + 600 + 30));
  ExpectRefused(*authenticator, token, "TOKEN_EXPIRED");
}

TEST_F(JwtAuthenticatorTest, RefusesExpiredTokenLongAgo) {
  auto authenticator = Make(Hs256());
  clock_.Advance(absl::Hours(1000));
  ExpectRefused(*authenticator, Bearer(Mint(JWT_ALG_HS256, kSecret)), "TOKEN_EXPIRED");
}

TEST_F(JwtAuthenticatorTest, ChecksNbfWhenPresent) {
  auto authenticator = Make(Hs256());
  Claims claims;
  claims.nbf = kStart + 120;
  const std::string token = Bearer(Mint(JWT_ALG_HS256, kSecret, claims));
  ExpectRefused(*authenticator, token, "TOKEN_NOT_YET_VALID");
  clock_.Advance(absl::Seconds(90));  // within the 30 s leeway of nbf
  EXPECT_TRUE(authenticator->Authenticate(token).ok());
}

TEST_F(JwtAuthenticatorTest, RefusesTokenIssuedInTheFuture) {
  auto authenticator = Make(Hs256());
  Claims claims;
  claims.iat = kStart + 3600;
  claims.exp = kStart + 7200;
  ExpectRefused(*authenticator, Bearer(Mint(JWT_ALG_HS256, kSecret, claims)), "TOKEN_ISSUED_IN_FUTURE");
}

TEST_F(JwtAuthenticatorTest, RefusesTokenLivingLongerThanMaxLifetimeOrWithoutIat) {
  JwtSettings settings = Hs256();
  settings.max_lifetime = absl::Hours(1);
  auto authenticator = Make(settings);
  Claims long_lived;
  long_lived.exp = kStart + 3601;
  ExpectRefused(*authenticator, Bearer(Mint(JWT_ALG_HS256, kSecret, long_lived)), "TOKEN_LIFETIME_TOO_LONG");
  Claims exactly_max;
  exactly_max.exp = kStart + 3600;
  EXPECT_TRUE(authenticator->Authenticate(Bearer(Mint(JWT_ALG_HS256, kSecret, exactly_max))).ok());
  Claims no_iat;
  no_iat.iat.reset();
  ExpectRefused(*authenticator, Bearer(Mint(JWT_ALG_HS256, kSecret, no_iat)), "MISSING_ISSUED_AT");
}

TEST_F(JwtAuthenticatorTest, RefusesTimeClaimsThatAreNotNumbers) {
  auto authenticator = Make(Hs256());
  // libjwt's jwt_get_grant_int reads "exp":"9999999999" as 0 without an error; we must not.
  for (const char* name : {"exp", "nbf", "iat"}) {
    Claims claims;
    if (std::string(name) == "exp") claims.exp.reset();
    if (std::string(name) == "iat") claims.iat.reset();
    claims.extra_json = absl::StrCat("\"", name, "\":\"9999999999\"");
    ExpectRefused(*authenticator, Bearer(Mint(JWT_ALG_HS256, kSecret, claims)), "MALFORMED_CLAIM");
  }
}

// --- Issuer, audience, subject ------------------------------------------------------------

TEST_F(JwtAuthenticatorTest, RefusesWrongOrMissingIssuer) {
  auto authenticator = Make(Hs256());
  Claims wrong;
  wrong.iss = "https://evil.example.com";
  ExpectRefused(*authenticator, Bearer(Mint(JWT_ALG_HS256, kSecret, wrong)), "WRONG_ISSUER");
  Claims missing;
  missing.iss = "";
  ExpectRefused(*authenticator, Bearer(Mint(JWT_ALG_HS256, kSecret, missing)), "WRONG_ISSUER");
}

TEST_F(JwtAuthenticatorTest, RefusesWrongOrMissingAudience) {
  auto authenticator = Make(Hs256());
  for (const std::string aud_json : {R"("other-api")", R"(["other-api","another"])", "[]", "42", ""}) {
    Claims claims;
    claims.aud_json = aud_json;
    ExpectRefused(*authenticator, Bearer(Mint(JWT_ALG_HS256, kSecret, claims)), "WRONG_AUDIENCE");
  }
}

TEST_F(JwtAuthenticatorTest, RequiresNonEmptySubject) {
  auto authenticator = Make(Hs256());
  Claims missing;
  missing.sub = "";
  ExpectRefused(*authenticator, Bearer(Mint(JWT_ALG_HS256, kSecret, missing)), "MISSING_SUBJECT");
  Claims empty;
  empty.sub = "";
  empty.extra_json = R"("sub":"")";
  ExpectRefused(*authenticator, Bearer(Mint(JWT_ALG_HS256, kSecret, empty)), "MISSING_SUBJECT");
}

// --- Algorithms and keys -------------------------------------------------------------------

TEST_F(JwtAuthenticatorTest, RefusesAlgNone) {
  auto authenticator = Make(Hs256());
  const std::string payload = Claims{}.Json();
  for (const std::string alg : {"none", "None", "NONE"}) {
    const std::string header = R"({"alg":")" + alg + R"(","typ":"JWT"})";
    // Unsigned, as alg=none means, and with a signature tacked on.
    ExpectRefused(*authenticator, Bearer(B64(header) + "." + B64(payload) + "."), "ALGORITHM_NOT_ALLOWED");
    ExpectRefused(*authenticator, Bearer(HandMade(header, payload, kSecret)), "ALGORITHM_NOT_ALLOWED");
  }
}

TEST_F(JwtAuthenticatorTest, RefusesAlgorithmsNotConfigured) {
  auto hs_only = Make(Hs256());
  ExpectRefused(*hs_only, Bearer(Mint(JWT_ALG_RS256, key_a_->private_pem)), "ALGORITHM_NOT_ALLOWED");
  ExpectRefused(*hs_only, Bearer(Mint(JWT_ALG_HS512, kSecret)), "ALGORITHM_NOT_ALLOWED");
  ExpectRefused(*hs_only, Bearer(Mint(JWT_ALG_HS384, kSecret)), "ALGORITHM_NOT_ALLOWED");
  // libjwt would accept a lower-case alg; the RFC names are exact.
  ExpectRefused(*hs_only, Bearer(HandMade(R"({"alg":"hs256"})", Claims{}.Json(), kSecret)), "ALGORITHM_NOT_ALLOWED");
  auto rs_only = Make(Rs256OneKey());
  ExpectRefused(*rs_only, Bearer(Mint(JWT_ALG_HS256, kSecret)), "ALGORITHM_NOT_ALLOWED");
  ExpectRefused(*rs_only, Bearer(Mint(JWT_ALG_RS512, key_a_->private_pem)), "ALGORITHM_NOT_ALLOWED");
}

// The classic confusion attack: the public key is public, so an attacker HMACs a token
// with its PEM text and hopes the verifier feeds the same PEM to HMAC.
TEST_F(JwtAuthenticatorTest, RefusesHs256TokenKeyedWithThePublicKeyPem) {
  const std::string payload = Claims{}.Json();
  const std::string forged = Bearer(HandMade(R"({"alg":"HS256","typ":"JWT"})", payload, key_a_->public_pem));
  const std::string forged_with_kid =
      Bearer(HandMade(R"({"alg":"HS256","typ":"JWT","kid":"a"})", payload, key_a_->public_pem));
  auto rs_only = Make(Rs256OneKey());
  ExpectRefused(*rs_only, forged, "ALGORITHM_NOT_ALLOWED");
  ExpectRefused(*rs_only, forged_with_kid, "ALGORITHM_NOT_ALLOWED");
  // With HS256 also configured, HS256 is verified with the secret only, never a PEM key.
  JwtSettings both = Rs256TwoKeys();
  both.hs256_secret = kSecret;
  auto authenticator = Make(both);
  ExpectRefused(*authenticator, forged, "INVALID_SIGNATURE");
  ExpectRefused(*authenticator, forged_with_kid, "INVALID_SIGNATURE");
}

// If our reading of the header and libjwt's ever disagreed on "alg", the key chosen for
// one algorithm would be used with another. Duplicate keys are the classic way to get such
// a disagreement; the header is refused outright.
TEST_F(JwtAuthenticatorTest, RefusesHeaderWithDuplicateAlg) {
  auto authenticator = Make(Rs256OneKey());
  const std::string payload = Claims{}.Json();
  for (const std::string header : {R"({"alg":"RS256","alg":"HS256"})", R"({"alg":"HS256","alg":"RS256"})"}) {
    ExpectRefused(*authenticator, Bearer(HandMade(header, payload, key_a_->public_pem)), "MALFORMED_TOKEN");
  }
}

// libjwt 1.10 refuses any "typ" but "JWT" and would report it as a bad signature; RFC 9068
// access tokens ("at+jwt") get a message that says what is actually wrong.
TEST_F(JwtAuthenticatorTest, RefusesTokenTypeOtherThanJwtWithAClearReason) {
  auto authenticator = Make(Hs256());
  ExpectRefused(*authenticator, Bearer(HandMade(R"({"alg":"HS256","typ":"at+jwt"})", Claims{}.Json(), kSecret)),
                "UNSUPPORTED_TOKEN");
  EXPECT_TRUE(
      authenticator->Authenticate(Bearer(HandMade(R"({"alg":"HS256","typ":"jwt"})", Claims{}.Json(), kSecret))).ok());
  EXPECT_TRUE(authenticator->Authenticate(Bearer(HandMade(R"({"alg":"HS256"})", Claims{}.Json(), kSecret))).ok());
}

TEST_F(JwtAuthenticatorTest, RefusesRs256TokenNamingAnotherKeyOrSignedByIt) {
  auto authenticator = Make(Rs256TwoKeys());
  ExpectRefused(*authenticator, Bearer(Mint(JWT_ALG_RS256, key_a_->private_pem)), "UNKNOWN_KEY");
  ExpectRefused(*authenticator, Bearer(Mint(JWT_ALG_RS256, key_a_->private_pem, {}, "c")), "UNKNOWN_KEY");
  ExpectRefused(*authenticator, Bearer(Mint(JWT_ALG_RS256, key_b_->private_pem, {}, "a")), "INVALID_SIGNATURE");
  // Even with one key, a kid that is not it is a token from some other issuer's key.
  auto one_key = Make(Rs256OneKey());
  ExpectRefused(*one_key, Bearer(Mint(JWT_ALG_RS256, key_a_->private_pem, {}, "b")), "UNKNOWN_KEY");
  ExpectRefused(*one_key, Bearer(Mint(JWT_ALG_RS256, key_b_->private_pem)), "INVALID_SIGNATURE");
}

TEST_F(JwtAuthenticatorTest, RefusesCriticalHeaderExtensions) {
  auto authenticator = Make(Hs256());
  ExpectRefused(*authenticator, Bearer(HandMade(R"({"alg":"HS256","crit":["exp"]})", Claims{}.Json(), kSecret)),
                "UNSUPPORTED_TOKEN");
}

// --- Tampering -----------------------------------------------------------------------------

TEST_F(JwtAuthenticatorTest, RefusesTamperedPayloadOrSignature) {
  JwtSettings both = Rs256OneKey();
  both.hs256_secret = kSecret;
  auto authenticator = Make(both);
  Claims admin;
  admin.sub = "person-2";
  admin.roles_json = R"(["programme_admin"])";
  for (const auto& [genuine, other] :
       {std::pair{Mint(JWT_ALG_HS256, kSecret), Mint(JWT_ALG_HS256, kSecret, admin)},
        std::pair{Mint(JWT_ALG_RS256, key_a_->private_pem), Mint(JWT_ALG_RS256, key_a_->private_pem, admin)}}) {
    ASSERT_TRUE(authenticator->Authenticate(Bearer(genuine)).ok());
    const std::vector<std::string> parts = absl::StrSplit(genuine, '.');
    const std::vector<std::string> other_parts = absl::StrSplit(other, '.');
    // Another valid payload under this token's signature.
    ExpectRefused(*authenticator, Bearer(absl::StrCat(parts[0], ".", other_parts[1], ".", parts[2])),
                  "INVALID_SIGNATURE");
    // A payload edited by hand.
    std::string edited = Claims{}.Json();
    edited.replace(edited.find("person-1"), 8, "person-9");
    ExpectRefused(*authenticator, Bearer(absl::StrCat(parts[0], ".", B64(edited), ".", parts[2])), "INVALID_SIGNATURE");
    // One signature character changed.
    std::string signature = parts[2];
    signature[signature.size() / 2] = signature[signature.size() / 2] == 'A' ? 'B' : 'A';
    ExpectRefused(*authenticator, Bearer(absl::StrCat(parts[0], ".", parts[1], ".", signature)), "INVALID_SIGNATURE");
    // Signature cut off.
    ExpectRefused(*authenticator, Bearer(absl::StrCat(parts[0], ".", parts[1], ".")), "ALGORITHM_NOT_ALLOWED");
  }
}

// --- Shape of the header and token -------------------------------------------------------

TEST_F(JwtAuthenticatorTest, RefusesTokenLongerThan8KiBBeforeParsing) {
  auto authenticator = Make(Hs256());
  // A genuinely signed, otherwise valid token, only too long.
  Claims padded;
  padded.extra_json = "\"pad\":\"" + std::string(kMaxBearerTokenBytes, 'x') + "\"";
  const std::string long_token = Mint(JWT_ALG_HS256, kSecret, padded);
  ASSERT_GT(long_token.size(), kMaxBearerTokenBytes);
  ExpectRefused(*authenticator, Bearer(long_token), "TOKEN_TOO_LONG");
  // Garbage that no parser could make sense of is refused for its length, not its content.
  ExpectRefused(*authenticator, Bearer(std::string(kMaxBearerTokenBytes + 1, '.')), "TOKEN_TOO_LONG");
  ExpectRefused(*authenticator, Bearer(std::string(1 << 20, 'A')), "TOKEN_TOO_LONG");
  // Just under the limit is still parsed.
  Claims fits;
  fits.extra_json = "\"pad\":\"" + std::string(4000, 'x') + "\"";
  EXPECT_TRUE(authenticator->Authenticate(Bearer(Mint(JWT_ALG_HS256, kSecret, fits))).ok());
}

TEST_F(JwtAuthenticatorTest, RefusesMalformedAuthorizationHeader) {
  auto authenticator = Make(Hs256());
  const std::string token = Mint(JWT_ALG_HS256, kSecret);
  ExpectRefused(*authenticator, "", "MISSING_TOKEN");
  ExpectRefused(*authenticator, "Bearer", "WRONG_SCHEME");
  ExpectRefused(*authenticator, "Bearer ", "MISSING_TOKEN");
  ExpectRefused(*authenticator, "Basic dXNlcjpwYXNzd29yZA==", "WRONG_SCHEME");
  ExpectRefused(*authenticator, token, "WRONG_SCHEME");
  ExpectRefused(*authenticator, "Bearer:" + token, "WRONG_SCHEME");
  ExpectRefused(*authenticator, " Bearer " + token, "WRONG_SCHEME");
  ExpectRefused(*authenticator, "Bearer  " + token, "MALFORMED_TOKEN");
  ExpectRefused(*authenticator, "Bearer\t" + token, "WRONG_SCHEME");
  ExpectRefused(*authenticator, "Bearer " + token + " ", "MALFORMED_TOKEN");
  ExpectRefused(*authenticator, "Bearer " + token + "\r\n", "MALFORMED_TOKEN");
  ExpectRefused(*authenticator, "Bearer " + token + " " + token, "MALFORMED_TOKEN");
  ExpectRefused(*authenticator, "Bearer " + token + "=", "MALFORMED_TOKEN");
  ExpectRefused(*authenticator, "Bearer " + std::string("a\0b.c.d", 7), "MALFORMED_TOKEN");
}

TEST_F(JwtAuthenticatorTest, RefusesTokensThatAreNotThreeParts) {
  auto authenticator = Make(Hs256());
  const std::string token = Mint(JWT_ALG_HS256, kSecret);
  const std::vector<std::string> parts = absl::StrSplit(token, '.');
  ExpectRefused(*authenticator, Bearer(parts[0] + "." + parts[1]), "MALFORMED_TOKEN");
  ExpectRefused(*authenticator, Bearer(token + "." + parts[2]), "MALFORMED_TOKEN");
  ExpectRefused(*authenticator, Bearer("." + parts[1] + "." + parts[2]), "MALFORMED_TOKEN");
  ExpectRefused(*authenticator, Bearer("abc.def.ghi"), "MALFORMED_TOKEN");
  ExpectRefused(*authenticator, Bearer(B64("[1,2]") + "." + parts[1] + "." + parts[2]), "MALFORMED_TOKEN");
  ExpectRefused(*authenticator, Bearer(B64(R"({"typ":"JWT"})") + "." + parts[1] + "." + parts[2]), "MALFORMED_TOKEN");
}

// --- Settings ------------------------------------------------------------------------------

class JwtSettingsTest : public ::testing::Test {
 protected:
  // INVALID_ARGUMENT naming `field`.
  void ExpectInvalid(JwtSettings settings, const std::string& field) {
    auto authenticator = JwtAuthenticator::Create(std::move(settings), clock_);
    ASSERT_FALSE(authenticator.ok()) << "accepted; expected a complaint about " << field;
    EXPECT_EQ(authenticator.status().code(), absl::StatusCode::kInvalidArgument);
    const auto details = errors::DetailsOf(authenticator.status());
    ASSERT_EQ(details.field_violations_size(), 1) << authenticator.status();
    EXPECT_EQ(details.field_violations(0).field(), field) << authenticator.status();
  }
  static JwtSettings Valid() { return {.issuer = kIssuer, .audience = kAudience, .hs256_secret = kSecret}; }

  ManualClock clock_{absl::FromUnixSeconds(kStart)};
};

TEST_F(JwtSettingsTest, NamesTheBadSetting) {
  JwtSettings no_key = Valid();
  no_key.hs256_secret.clear();
  ExpectInvalid(no_key, "hs256_secret");
  JwtSettings short_secret = Valid();
  short_secret.hs256_secret = std::string(31, 's');
  ExpectInvalid(short_secret, "hs256_secret");
  JwtSettings no_issuer = Valid();
  no_issuer.issuer.clear();
  ExpectInvalid(no_issuer, "issuer");
  JwtSettings no_audience = Valid();
  no_audience.audience.clear();
  ExpectInvalid(no_audience, "audience");
  JwtSettings negative_leeway = Valid();
  negative_leeway.leeway = absl::Seconds(-1);
  ExpectInvalid(negative_leeway, "leeway");
  JwtSettings zero_lifetime = Valid();
  zero_lifetime.max_lifetime = absl::ZeroDuration();
  ExpectInvalid(zero_lifetime, "max_lifetime");
}

TEST_F(JwtSettingsTest, RefusesUnusableRsaKeys) {
  const KeyPair rsa = GenerateRsa(2048);
  JwtSettings garbage = Valid();
  garbage.rs256_keys = {{"k1", "not a key"}};
  ExpectInvalid(garbage, "rs256_keys[k1]");
  JwtSettings private_key = Valid();
  private_key.rs256_keys = {{"k1", rsa.private_pem}};
  ExpectInvalid(private_key, "rs256_keys[k1]");
  JwtSettings ec_key = Valid();
  ec_key.rs256_keys = {{"k1", GenerateEc().public_pem}};
  ExpectInvalid(ec_key, "rs256_keys[k1]");
  JwtSettings small_key = Valid();
  small_key.rs256_keys = {{"k1", GenerateRsa(1024).public_pem}};
  ExpectInvalid(small_key, "rs256_keys[k1]");
  JwtSettings empty_kid = Valid();
  empty_kid.rs256_keys = {{"", rsa.public_pem}};
  ExpectInvalid(empty_kid, "rs256_keys");
  // A public key pasted where the HMAC secret goes would let anyone sign tokens.
  JwtSettings pem_as_secret = Valid();
  pem_as_secret.hs256_secret = rsa.public_pem;
  ExpectInvalid(pem_as_secret, "hs256_secret");
  JwtSettings good = Valid();
  good.rs256_keys = {{"k1", rsa.public_pem}};
  EXPECT_TRUE(JwtAuthenticator::Create(good, clock_).ok());
}

}  // namespace
}  // namespace mentoring::gateway
