#pragma once
// The delivery promise, checked on what a consumer actually received: every expected
// event present, duplicates only as exact copies (same event id), and per key the first
// occurrences in sequence order.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "mentoring/events/v1/envelope.pb.h"

namespace mentoring::testing {

// expected: aggregate id -> the sequences it must have, in order.
inline ::testing::AssertionResult DeliveredExactlyAsPromised(
    const std::vector<events::v1::EventEnvelope>& received,
    const std::map<std::string, std::vector<int64_t>>& expected) {
  std::map<std::string, std::string> first_copy;      // event id -> serialized first copy
  std::map<std::string, std::vector<int64_t>> order;  // key -> sequences in first-seen order
  int duplicates = 0;
  for (const auto& event : received) {
    if (!expected.contains(event.aggregate_id())) continue;  // another test's events
    const std::string bytes = event.SerializeAsString();
    auto [it, inserted] = first_copy.emplace(event.event_id(), bytes);
    if (!inserted) {
      ++duplicates;
      if (it->second != bytes) return ::testing::AssertionFailure() << "duplicate " << event.event_id() << " differs";
      continue;
    }
    order[event.aggregate_id()].push_back(event.sequence());
  }
  for (const auto& [key, sequences] : expected) {
    if (order[key] != sequences) {
      const auto show = [](const std::vector<int64_t>& values) {
        std::string text;
        for (size_t i = 0; i < values.size() && i < 20; ++i) text += std::to_string(values[i]) + " ";
        return values.size() > 20 ? text + "..." : text;
      };
      const std::string got = show(order[key]);
      const std::string want = show(sequences);
      return ::testing::AssertionFailure() << "key " << key << ": got sequences [" << got << "] want [" << want << "]";
    }
  }
  return ::testing::AssertionSuccess() << duplicates << " duplicates, all identical";
}

inline size_t DistinctEventsFor(const std::vector<events::v1::EventEnvelope>& received,
                                const std::map<std::string, std::vector<int64_t>>& expected) {
  std::set<std::string> ids;
  for (const auto& e : received) {
    if (expected.contains(e.aggregate_id())) ids.insert(e.event_id());
  }
  return ids.size();
}

inline size_t TotalExpected(const std::map<std::string, std::vector<int64_t>>& expected) {
  size_t n = 0;
  for (const auto& [k, v] : expected) n += v.size();
  return n;
}

}  // namespace mentoring::testing
