#include "mentoring/runtime/identity.h"

#include <gtest/gtest.h>
#include <jwt.h>

namespace mentoring {
namespace {

const std::string kSecret = "0123456789abcdef0123456789abcdef";

class InternalToken : public ::testing::Test {
 protected:
  ManualClock clock_{absl::FromUnixSeconds(1700000000)};
  InternalTokenSigner signer_{{.secret = kSecret}, clock_};
  InternalTokenVerifier verifier_{{.secret = kSecret}, clock_};
};

TEST_F(InternalToken, RoundTripsCallerAndRoles) {
  auto token = signer_.Sign({"person-1", {roles::kEmployee, roles::kProgrammeAdmin}});
  ASSERT_TRUE(token.ok());
  auto caller = verifier_.Verify(*token);
  ASSERT_TRUE(caller.ok()) << caller.status();
  EXPECT_EQ(caller->id, "person-1");
  EXPECT_TRUE(caller->Has(roles::kProgrammeAdmin));
  EXPECT_FALSE(caller->IsService());
}

TEST_F(InternalToken, ExpiresAfterItsLifetime) {
  auto token = signer_.Sign({"person-1", {roles::kEmployee}});
  clock_.Advance(absl::Minutes(2) + absl::Seconds(6));
  EXPECT_EQ(verifier_.Verify(*token).status().code(), absl::StatusCode::kUnauthenticated);
}

TEST_F(InternalToken, AVerifiedTokenStillExpires) {
  auto token = signer_.Sign({"person-1", {roles::kEmployee}});
  ASSERT_TRUE(verifier_.Verify(*token).ok());
  ASSERT_TRUE(verifier_.Verify(*token).ok()) << "second time from the verified-token cache";
  clock_.Advance(absl::Minutes(3));
  EXPECT_EQ(verifier_.Verify(*token).status().code(), absl::StatusCode::kUnauthenticated);
}

TEST_F(InternalToken, TheVerifiedTokenCacheNeverConfusesTwoTokens) {
  const auto first = *signer_.Sign({"person-1", {roles::kEmployee}});
  const auto second = *signer_.Sign({"person-2", {roles::kProgrammeAdmin}});
  for (int round = 0; round < 2; ++round) {  // the second round answers from the cache
    EXPECT_EQ(verifier_.Verify(first)->id, "person-1");
    EXPECT_EQ(verifier_.Verify(second)->id, "person-2");
    EXPECT_FALSE(verifier_.Verify(first)->Has(roles::kProgrammeAdmin));
  }
  // The same header and claims under another signature are another token, not a hit.
  std::string forged = first;
  char& c = forged[forged.size() - 10];  // inside the signature, not its padding bits
  c = c == 'A' ? 'B' : 'A';
  EXPECT_EQ(verifier_.Verify(forged).status().code(), absl::StatusCode::kUnauthenticated);
}

TEST_F(InternalToken, TheVerifiedTokenCacheIsBounded) {
  for (size_t i = 0; i < InternalTokenVerifier::kMaxVerifiedTokens + 10; ++i) {
    auto token = signer_.Sign({"person-" + std::to_string(i), {roles::kEmployee}});
    ASSERT_TRUE(verifier_.Verify(*token).ok());
    ASSERT_LE(verifier_.verified_tokens(), InternalTokenVerifier::kMaxVerifiedTokens);
  }
  auto token = signer_.Sign({"after-the-bound", {roles::kEmployee}});
  EXPECT_EQ(verifier_.Verify(*token)->id, "after-the-bound");
}

TEST_F(InternalToken, RefusesAnotherKey) {
  InternalTokenSigner other({.secret = "another-secret-of-at-least-32-bytes!"}, clock_);
  auto token = other.Sign({"person-1", {roles::kService}});
  EXPECT_EQ(verifier_.Verify(*token).status().code(), absl::StatusCode::kUnauthenticated);
}

TEST_F(InternalToken, RefusesTamperedPayload) {
  auto token = *signer_.Sign({"person-1", {roles::kEmployee}});
  const size_t dot = token.find('.');
  token[dot + 5] = token[dot + 5] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(verifier_.Verify(token).ok());
}

TEST_F(InternalToken, RefusesAlgNone) {
  jwt_t* jwt = nullptr;
  jwt_new(&jwt);
  jwt_add_grant(jwt, "sub", "attacker");
  jwt_add_grant(jwt, "roles", "service");
  jwt_add_grant(jwt, "iss", "mentoring-gateway");
  jwt_add_grant(jwt, "aud", "mentoring-internal");
  jwt_add_grant_int(jwt, "exp", 1700000000 + 60);
  char* unsigned_token = jwt_encode_str(jwt);
  const std::string token(unsigned_token);
  free(unsigned_token);
  jwt_free(jwt);
  EXPECT_EQ(verifier_.Verify(token).status().code(), absl::StatusCode::kUnauthenticated);
}

TEST_F(InternalToken, RefusesMissingToken) {
  EXPECT_EQ(verifier_.Verify("").status().code(), absl::StatusCode::kUnauthenticated);
}

TEST_F(InternalToken, RefusesWrongAudience) {
  InternalTokenSigner other({.secret = kSecret, .audience = "someone-else"}, clock_);
  EXPECT_FALSE(verifier_.Verify(*other.Sign({"p", {}})).ok());
}

}  // namespace
}  // namespace mentoring
