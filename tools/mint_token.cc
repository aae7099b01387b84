// Prints an internal token (what the gateway signs for each request) so an operator or a
// developer can call a service directly, e.g. with grpcurl:
//
//   TOKEN=$(build/tools/mint_token --secret-file=.stack/services/internal-token.secret
//             --caller=ops --roles=service)     (one line)
//   grpcurl -plaintext -H "x-mentoring-internal-token: $TOKEN" ...
//
// Roles: employee, programme_admin, hr_integration, analytics_viewer, service.
//
// With --user it prints an end-user token for the gateway instead, as a local identity
// provider would issue it (HS256, roles as a JSON array):
//
//   USER=$(build/tools/mint_token --user --secret-file=.stack/services/user-jwt.secret
//            --caller=PERSON_ID --roles=employee)
//   curl -H "Authorization: Bearer $USER" http://127.0.0.1:8080/v1/people/PERSON_ID
#include <absl/strings/str_join.h>
#include <absl/strings/str_split.h>
#include <jwt.h>

#include <cstdio>
#include <cstdlib>

#include "mentoring/runtime/config.h"
#include "mentoring/runtime/identity.h"

int main(int argc, char** argv) {
  using namespace mentoring;
  Config config = Config::FromProcess("TOKEN", argc, argv);
  const std::string secret_file = config.RequiredString("SECRET_FILE");
  const std::string caller = config.String("CALLER", "developer");
  const std::string roles = config.String("ROLES", roles::kService);
  const absl::Duration lifetime = config.Duration("LIFETIME", absl::Minutes(10));
  const bool user = config.Bool("USER", false);
  const std::string issuer = config.String("ISSUER", "mentoring-local-idp");
  const std::string audience = config.String("AUDIENCE", "mentoring-api");
  if (auto status = config.Check(); !status.ok()) {
    std::fprintf(stderr, "mint_token: %s\n", std::string(status.message()).c_str());
    return 2;
  }
  auto secret = ReadSecretFile(secret_file);
  if (!secret.ok()) {
    std::fprintf(stderr, "mint_token: %s\n", std::string(secret.status().message()).c_str());
    return 2;
  }
  if (user) {
    // An end-user token for the gateway (the local stand-in for the organisation's IdP).
    std::vector<std::string> quoted;
    for (auto role : absl::StrSplit(roles, ',', absl::SkipEmpty())) quoted.push_back("\"" + std::string(role) + "\"");
    const int64_t now = absl::ToUnixSeconds(absl::Now());
    jwt_t* jwt = nullptr;
    if (jwt_new(&jwt) != 0) return 1;
    jwt_add_grant(jwt, "sub", caller.c_str());
    jwt_add_grant(jwt, "iss", issuer.c_str());
    jwt_add_grant(jwt, "aud", audience.c_str());
    jwt_add_grant_int(jwt, "iat", now);
    jwt_add_grant_int(jwt, "exp", now + absl::ToInt64Seconds(lifetime));
    jwt_add_grants_json(jwt, ("{\"roles\": [" + absl::StrJoin(quoted, ",") + "]}").c_str());
    jwt_set_alg(jwt, JWT_ALG_HS256, reinterpret_cast<const unsigned char*>(secret->data()),
                static_cast<int>(secret->size()));
    char* encoded = jwt_encode_str(jwt);
    jwt_free(jwt);
    if (encoded == nullptr) return 1;
    std::printf("%s\n", encoded);
    free(encoded);
    return 0;
  }
  Caller who{caller, {}};
  for (auto role : absl::StrSplit(roles, ',', absl::SkipEmpty())) who.roles.emplace(role);
  auto token = InternalTokenSigner({.secret = *secret, .lifetime = lifetime}, SystemClock::Instance()).Sign(who);
  if (!token.ok()) {
    std::fprintf(stderr, "mint_token: %s\n", token.status().ToString().c_str());
    return 1;
  }
  std::printf("%s\n", token->c_str());
  return 0;
}
