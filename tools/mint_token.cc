// Prints an internal token (what the gateway signs for each request) so an operator or a
// developer can call a service directly, e.g. with grpcurl:
//
//   TOKEN=$(build/tools/mint_token --secret-file=.stack/services/internal-token.secret
//             --caller=ops --roles=service)     (one line)
//   grpcurl -plaintext -H "x-mentoring-internal-token: $TOKEN" ...
//
// Roles: employee, programme_admin, hr_integration, analytics_viewer, service.
#include <absl/strings/str_split.h>

#include <cstdio>

#include "mentoring/runtime/config.h"
#include "mentoring/runtime/identity.h"

int main(int argc, char** argv) {
  using namespace mentoring;
  Config config = Config::FromProcess("TOKEN", argc, argv);
  const std::string secret_file = config.RequiredString("SECRET_FILE");
  const std::string caller = config.String("CALLER", "developer");
  const std::string roles = config.String("ROLES", roles::kService);
  const absl::Duration lifetime = config.Duration("LIFETIME", absl::Minutes(10));
  if (auto status = config.Check(); !status.ok()) {
    std::fprintf(stderr, "mint_token: %s\n", std::string(status.message()).c_str());
    return 2;
  }
  auto secret = ReadSecretFile(secret_file);
  if (!secret.ok()) {
    std::fprintf(stderr, "mint_token: %s\n", std::string(secret.status().message()).c_str());
    return 2;
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
