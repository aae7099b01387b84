#include "mentoring/runtime/tracing.h"

#include <absl/random/random.h>

namespace mentoring {
namespace {

bool IsLowerHex(std::string_view text) {
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool AllZero(std::string_view text) { return text.find_first_not_of('0') == std::string_view::npos; }

std::string RandomHex(size_t chars) {
  thread_local absl::BitGen gen;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(chars, '0');
  do {
    for (auto& c : out) c = kHex[absl::Uniform(gen, 0, 16)];
  } while (AllZero(out));
  return out;
}

}  // namespace

std::optional<TraceContext> TraceContext::Parse(std::string_view header) {
  // version "-" trace-id "-" parent-id "-" flags; later versions may append fields.
  if (header.size() < 55 || header[2] != '-' || header[35] != '-' || header[52] != '-') return std::nullopt;
  const auto version = header.substr(0, 2);
  if (!IsLowerHex(version) || version == "ff") return std::nullopt;
  if (version == "00" && header.size() != 55) return std::nullopt;
  if (header.size() > 55 && header[55] != '-') return std::nullopt;
  const auto trace = header.substr(3, 32);
  const auto span = header.substr(36, 16);
  const auto flags = header.substr(53, 2);
  if (!IsLowerHex(trace) || !IsLowerHex(span) || !IsLowerHex(flags)) return std::nullopt;
  if (AllZero(trace) || AllZero(span)) return std::nullopt;
  const int flag_bits = std::stoi(std::string(flags), nullptr, 16);
  return TraceContext{std::string(trace), std::string(span), (flag_bits & 1) != 0};
}

TraceContext TraceContext::NewRoot() { return TraceContext{RandomHex(32), RandomHex(16), true}; }

TraceContext TraceContext::Child() const { return TraceContext{trace_id, RandomHex(16), sampled}; }

std::string TraceContext::ToHeader() const { return "00-" + trace_id + "-" + span_id + (sampled ? "-01" : "-00"); }

}  // namespace mentoring
