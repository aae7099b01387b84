#pragma once
// Structured JSON logs on stderr, one object per line:
//   {"ts":"2026-11-22T12:00:00.123456Z","level":"info","service":"profiles","msg":"...",
//    "trace_id":"...","span_id":"...","request_id":"..."}
// Use spdlog's API (spdlog::info(...)) everywhere; InitLogging installs the JSON format.
#include <spdlog/formatter.h>
#include <spdlog/spdlog.h>

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>

#include "mentoring/runtime/call_context.h"
#include "mentoring/runtime/tracing.h"

namespace mentoring {

void InitLogging(const std::string& service, const std::string& level);
// The one-JSON-object-per-line format InitLogging installs (for a logger of one's own).
std::unique_ptr<spdlog::formatter> JsonLogFormatter(const std::string& service);

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

// A log line with fields of its own besides the message (an access-log line: method,
// route, status, duration), in the same JSON object and through the same sink as every
// other line. Numbers are written as JSON numbers.
struct LogField {
  LogField(std::string_view field, std::string_view text) : name(field), value(text), quoted(true) {}
  LogField(std::string_view field, const char* text) : LogField(field, std::string_view(text)) {}
  LogField(std::string_view field, const std::string& text) : LogField(field, std::string_view(text)) {}
  LogField(std::string_view field, int64_t number) : name(field), value(std::to_string(number)), quoted(false) {}
  LogField(std::string_view field, int number) : LogField(field, static_cast<int64_t>(number)) {}
  LogField(std::string_view field, double number);
  std::string_view name;
  std::string value;
  bool quoted;
};
void LogWithFields(spdlog::level::level_enum level, std::string_view message, std::initializer_list<LogField> fields);

}  // namespace mentoring
