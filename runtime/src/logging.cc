#include "mentoring/runtime/logging.h"

#include <absl/time/clock.h>
#include <absl/time/time.h>
#include <spdlog/formatter.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <cstdio>

#include "mentoring/runtime/errors.h"

namespace mentoring {
namespace {

thread_local ScopedLogContext::Fields current;
thread_local std::string extra_fields;  // ",\"name\":value..." for the line being written

void AppendField(std::string_view name, std::string_view value, std::string& line) {
  if (value.empty()) return;
  line += ",\"";
  line += name;
  line += "\":\"";
  AppendJsonEscaped(value, line);
  line += '"';
}

class JsonFormatter final : public spdlog::formatter {
 public:
  explicit JsonFormatter(std::string service) : service_(std::move(service)) {}

  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    std::string line;
    line.reserve(200 + msg.payload.size());
    line += "{\"ts\":\"";
    line += absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", absl::FromChrono(msg.time), absl::UTCTimeZone());
    line += "\",\"level\":\"";
    const auto level = spdlog::level::to_string_view(msg.level);
    line.append(level.data(), level.size());
    line += "\",\"service\":\"";
    AppendJsonEscaped(service_, line);
    line += "\",\"msg\":\"";
    AppendJsonEscaped(std::string_view(msg.payload.data(), msg.payload.size()), line);
    line += '"';
    AppendField("trace_id", current.trace_id, line);
    AppendField("span_id", current.span_id, line);
    AppendField("request_id", current.request_id, line);
    line += extra_fields;
    line += "}\n";
    dest.append(line.data(), line.data() + line.size());
  }

  std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<JsonFormatter>(service_); }

 private:
  std::string service_;
};

}  // namespace

void AppendJsonEscaped(std::string_view text, std::string& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 0xF];
        } else if (c < 0x80) {
          out += static_cast<char>(c);
        } else if (size_t len = errors::Utf8SequenceLength(absl::string_view(text.data() + i, text.size() - i));
                   len > 0) {
          out.append(text.substr(i, len));
          i += len - 1;
        } else {
          out += "\\ufffd";  // not well-formed UTF-8
        }
    }
  }
}

std::unique_ptr<spdlog::formatter> JsonLogFormatter(const std::string& service) {
  return std::make_unique<JsonFormatter>(service);
}

void InitLogging(const std::string& service, const std::string& level) {
  auto logger = std::make_shared<spdlog::logger>(service, std::make_shared<spdlog::sinks::stderr_sink_mt>());
  logger->set_formatter(JsonLogFormatter(service));
  logger->set_level(spdlog::level::from_str(level));
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(std::move(logger));
}

LogField::LogField(std::string_view field_name, double number) : name(field_name), quoted(false) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%.3f", number);
  value = buffer;
}

void LogWithFields(spdlog::level::level_enum level, std::string_view message, std::initializer_list<LogField> fields) {
  // The formatter runs on this thread, inside this call (the sink is synchronous).
  std::string extra;
  for (const auto& field : fields) {
    extra += ",\"";
    AppendJsonEscaped(field.name, extra);
    extra += "\":";
    if (field.quoted) {
      extra += '"';
      AppendJsonEscaped(field.value, extra);
      extra += '"';
    } else {
      extra += field.value;
    }
  }
  extra_fields = std::move(extra);
  spdlog::log(level, "{}", message);
  extra_fields.clear();
}

ScopedLogContext::ScopedLogContext(const TraceContext& trace, std::string request_id) : previous_(std::move(current)) {
  current = Fields{trace.trace_id, trace.span_id, std::move(request_id)};
}

ScopedLogContext::~ScopedLogContext() { current = std::move(previous_); }

}  // namespace mentoring
