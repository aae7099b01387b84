#pragma once
// Structured JSON logs on stderr, one object per line:
//   {"ts":"2026-11-22T12:00:00.123456Z","level":"info","service":"profiles","msg":"...","trace_id":"..."}
// Use spdlog's API (spdlog::info(...)) everywhere; InitLogging installs the JSON format.
#include <spdlog/spdlog.h>

#include <string>

namespace mentoring {

void InitLogging(const std::string& service, const std::string& level);

// Appends `text` to `out` as the inside of a JSON string (quotes, control characters and
// invalid UTF-8 escaped or replaced), so a log line is always valid JSON.
void AppendJsonEscaped(std::string_view text, std::string& out);

// The trace id logged with each line written on this thread (set by the gRPC adapters for
// the duration of a call).
class ScopedLogTrace {
 public:
  explicit ScopedLogTrace(std::string trace_id);
  ~ScopedLogTrace();
  ScopedLogTrace(const ScopedLogTrace&) = delete;
  ScopedLogTrace& operator=(const ScopedLogTrace&) = delete;

 private:
  std::string previous_;
};

}  // namespace mentoring
