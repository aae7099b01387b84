#include "capability.h"

#include <absl/strings/escaping.h>
#include <absl/strings/str_cat.h>
#include <absl/strings/str_join.h>
#include <absl/strings/str_replace.h>
#include <openssl/sha.h>

#include <algorithm>
#include <utility>
#include <vector>

#include "mentoring/runtime/errors.h"
#include "transcoder.h"

namespace mentoring::gateway {
namespace {

// Each path variable's value, as sent and %-decoded, with what stands in for it: "{token}".
std::vector<std::pair<std::string, std::string>> Secrets(const RouteMatch& match) {
  std::vector<std::pair<std::string, std::string>> secrets;
  for (const auto& [path, raw] : match.bindings) {
    const std::string name = absl::StrCat("{", absl::StrJoin(path, "."), "}");
    if (!raw.empty()) secrets.emplace_back(raw, name);
    if (auto decoded = PercentDecode(raw); decoded.ok() && !decoded->empty() && *decoded != raw) {
      secrets.emplace_back(*decoded, name);
    }
  }
  // The longest first: a value holding another is replaced whole.
  std::sort(secrets.begin(), secrets.end(),
            [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
  return secrets;
}

std::string Redacted(std::string text, const std::vector<std::pair<std::string, std::string>>& secrets) {
  for (const auto& [secret, name] : secrets) absl::StrReplaceAll({{secret, name}}, &text);
  return text;
}

}  // namespace

Caller AnonymousCaller() { return Caller{"anonymous", {}}; }

std::string CapabilityKey(const RouteMatch& match) {
  std::string material = match.route->path_template;
  for (const auto& [path, raw] : match.bindings) {
    auto decoded = PercentDecode(raw);
    // A length before each value, so no two lists of values make the same material.
    const std::string& value = decoded.ok() ? *decoded : raw;
    absl::StrAppend(&material, "\n", value.size(), ":", value);
  }
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(material.data()), material.size(), digest);
  // 128 bits of the digest: enough to keep capabilities apart, and nothing to replay.
  return absl::StrCat("capability:", absl::BytesToHexString(absl::string_view(reinterpret_cast<char*>(digest), 16)));
}

absl::Status WithoutCapability(const absl::Status& status, const RouteMatch& match) {
  if (status.ok() || match.route == nullptr || !match.route->capability_url) return status;
  const auto secrets = Secrets(match);
  mentoring::common::v1::ErrorDetails details = errors::DetailsOf(status);
  for (auto& violation : *details.mutable_field_violations()) {
    violation.set_field(Redacted(violation.field(), secrets));
    violation.set_description(Redacted(violation.description(), secrets));
  }
  return errors::WithDetails(status.code(), Redacted(std::string(status.message()), secrets), details);
}

}  // namespace mentoring::gateway
