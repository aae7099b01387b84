#include "mentoring/runtime/paging.h"

#include <absl/strings/escaping.h>
#include <absl/strings/numbers.h>
#include <absl/strings/str_cat.h>

#include "mentoring/runtime/errors.h"

namespace mentoring {

std::string PageToken(const PageKey& last) { return absl::WebSafeBase64Escape(absl::StrCat(last.key, ":", last.id)); }

absl::StatusOr<std::optional<PageKey>> ParsePageToken(const std::string& token) {
  if (token.empty()) return std::optional<PageKey>();
  const auto bad = errors::InvalidArgument("page_token", "page_token", "pass the next_page_token of the previous page");
  std::string text;
  if (!absl::WebSafeBase64Unescape(token, &text)) return bad;
  const size_t colon = text.find(':');
  PageKey key;
  if (colon == std::string::npos || !absl::SimpleAtoi(text.substr(0, colon), &key.key)) return bad;
  key.id = text.substr(colon + 1);
  if (key.id.empty() || !errors::IsUtf8(key.id)) return bad;
  return std::optional<PageKey>(std::move(key));
}

absl::StatusOr<int> PageSize(int requested, PageLimits limits) {
  if (requested == 0) return limits.fallback;
  if (requested < 1 || requested > limits.max) {
    return errors::InvalidArgument("page_size", absl::StrCat("range_1_", limits.max),
                                   absl::StrCat("must be between 1 and ", limits.max));
  }
  return requested;
}

}  // namespace mentoring
