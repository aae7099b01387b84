#pragma once
// W3C Trace Context (traceparent) carried through gRPC metadata and Kafka headers.
#include <optional>
#include <string>
#include <string_view>

namespace mentoring {

inline constexpr char kTraceparentHeader[] = "traceparent";

struct TraceContext {
  std::string trace_id;  // 32 lower-case hex, not all zero
  std::string span_id;   // 16 lower-case hex, not all zero
  bool sampled = false;

  // nullopt for anything but a valid version-00 (or future-version) traceparent.
  static std::optional<TraceContext> Parse(std::string_view header);
  static TraceContext NewRoot();
  // The same trace, a new span: what a callee or a published event carries.
  TraceContext Child() const;
  std::string ToHeader() const;
};

}  // namespace mentoring
