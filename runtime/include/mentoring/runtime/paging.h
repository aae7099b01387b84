#pragma once
// Every list call pages one way: a page size with a default and a documented maximum, and
// an opaque token naming the last item given (a number that orders the list, such as a
// time in microseconds, a position or a score, and an id that breaks ties). The next page
// starts after that key, so the order is stable and a row added or removed between pages
// makes no other row appear twice or go missing.
#include <absl/status/statusor.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mentoring {

struct PageKey {
  int64_t key = 0;
  std::string id;
};

struct PageLimits {
  int fallback = 50;  // when the caller asks for none (0)
  int max = 200;
};

// What a store answers for one page: its items, and the token of the next page (empty on
// the last).
template <class Item>
struct Page {
  std::vector<Item> items;
  std::string next_page_token;
};

// The token for the page after `last`, opaque to clients.
std::string PageToken(const PageKey& last);
// nullopt for the first page (no token); INVALID_ARGUMENT naming `page_token` for a token
// this service did not give.
absl::StatusOr<std::optional<PageKey>> ParsePageToken(const std::string& token);
// The page size asked for, or the default for 0; INVALID_ARGUMENT naming `page_size` and
// the range outside 1..max.
absl::StatusOr<int> PageSize(int requested, PageLimits limits = {});

}  // namespace mentoring
