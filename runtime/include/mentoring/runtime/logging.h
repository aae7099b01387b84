#pragma once
// Structured JSON logs on stderr, one object per line:
//   {"ts":"2026-11-22T12:00:00.123456Z","level":"info","service":"profiles","msg":"...",
//    "trace_id":"...","span_id":"...","request_id":"..."}
// Use spdlog's API (spdlog::info(...)) everywhere; InitLogging installs the JSON format.
#include <spdlog/spdlog.h>

#include <string>
#include <string_view>

#include "mentoring/runtime/call_context.h"
#include "mentoring/runtime/tracing.h"

namespace mentoring {

void InitLogging(const std::string& service, const std::string& level);

// Appends `text` to `out` as the inside of a JSON string (quotes, control characters
// escaped; what is not well-formed UTF-8, by the same rule as errors::IsUtf8, replaced by
// U+FFFD), so a log line is always valid JSON.
void AppendJsonEscaped(std::string_view text, std::string& out);

// The trace, span and request ids logged with each line written on this thread, for as
// long as this object lives (the adapters set it for a call, the consumer for an event).
class ScopedLogContext {
 public:
  explicit ScopedLogContext(const CallContext& call) : ScopedLogContext(call.trace, call.request_id) {}
  explicit ScopedLogContext(const TraceContext& trace, std::string request_id = {});
  ~ScopedLogContext();
  ScopedLogContext(const ScopedLogContext&) = delete;
  ScopedLogContext& operator=(const ScopedLogContext&) = delete;

  struct Fields {
    std::string trace_id;
    std::string span_id;
    std::string request_id;
  };

 private:
  Fields previous_;
};

}  // namespace mentoring
