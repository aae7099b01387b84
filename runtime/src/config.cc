#include "mentoring/runtime/config.h"

#include <absl/strings/ascii.h>
#include <absl/strings/numbers.h>
#include <absl/strings/str_join.h>
#include <absl/strings/str_replace.h>
#include <absl/strings/strip.h>

#include <absl/strings/string_view.h>

#include <fstream>
#include <sstream>

extern char** environ;

namespace mentoring {
namespace {

std::string FlagToEnvName(absl::string_view flag) {
  std::string name = absl::AsciiStrToUpper(std::string(flag));
  absl::StrReplaceAll({{"-", "_"}}, &name);
  return name;
}

}  // namespace

std::map<std::string, std::string> ParseEnvFile(const std::string& text) {
  std::map<std::string, std::string> vars;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    absl::string_view view = absl::StripAsciiWhitespace(line);
    if (view.empty() || view.front() == '#') continue;
    absl::ConsumePrefix(&view, "export ");
    const size_t eq = view.find('=');
    if (eq == absl::string_view::npos) continue;
    vars.emplace(std::string(absl::StripAsciiWhitespace(view.substr(0, eq))),
                 std::string(absl::StripAsciiWhitespace(view.substr(eq + 1))));
  }
  return vars;
}

Config::Config(std::string prefix, std::map<std::string, std::string> vars)
    : prefix_(std::move(prefix)), vars_(std::move(vars)) {
  // The env file fills in only what neither flags nor environment set.
  auto file = vars_.find("MENTORING_ENV_FILE");
  if (file != vars_.end() && !file->second.empty()) {
    std::ifstream in(file->second);
    if (!in) {
      Fail("MENTORING_ENV_FILE", "must name a readable file", file->second);
      return;
    }
    std::stringstream text;
    text << in.rdbuf();
    for (auto& [key, value] : ParseEnvFile(text.str())) vars_.emplace(key, value);
  }
}

Config Config::FromProcess(std::string prefix, int argc, char** argv) {
  std::map<std::string, std::string> vars;
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (!absl::ConsumePrefix(&arg, "--")) continue;
    const size_t eq = arg.find('=');
    const std::string name = FlagToEnvName(arg.substr(0, eq));
    const std::string value = eq == absl::string_view::npos ? "true" : std::string(arg.substr(eq + 1));
    // A flag --grpc-port beats both PREFIX_GRPC_PORT and GRPC_PORT from the environment.
    vars[name] = value;
    if (!prefix.empty()) vars[prefix + "_" + name] = value;
  }
  for (char** env = environ; env != nullptr && *env != nullptr; ++env) {
    absl::string_view entry = *env;
    const size_t eq = entry.find('=');
    if (eq == absl::string_view::npos) continue;
    vars.emplace(std::string(entry.substr(0, eq)), std::string(entry.substr(eq + 1)));
  }
  return Config(std::move(prefix), std::move(vars));
}

Config Config::FromMap(std::string prefix, std::map<std::string, std::string> vars) {
  return Config(std::move(prefix), std::move(vars));
}

std::optional<std::string> Config::Lookup(const std::string& name) const {
  if (!prefix_.empty()) {
    auto it = vars_.find(prefix_ + "_" + name);
    if (it != vars_.end()) return it->second;
  }
  auto it = vars_.find(name);
  if (it != vars_.end()) return it->second;
  return std::nullopt;
}

void Config::Fail(const std::string& name, const std::string& rule, const std::string& value) {
  Reject(name, rule + " (got '" + value + "')");
}

void Config::Reject(const std::string& name, const std::string& rule) {
  const std::string shown = prefix_.empty() ? name : prefix_ + "_" + name + " (or " + name + ")";
  problems_.push_back(shown + ": " + rule);
}

std::string Config::String(const std::string& name, const std::string& fallback) {
  return Lookup(name).value_or(fallback);
}

std::string Config::RequiredString(const std::string& name) {
  auto value = Lookup(name);
  if (!value || value->empty()) {
    Fail(name, "is required", value.value_or(""));
    return "";
  }
  return *value;
}

std::optional<std::string> Config::LookupSecret(const std::string& name) {
  if (auto path = Lookup(name + "_FILE"); path.has_value() && !path->empty()) {
    // A mounted secret (Kubernetes, Docker): the file holds the value; a trailing newline
    // is not part of it.
    std::ifstream in(*path, std::ios::binary);
    if (!in) {
      Fail(name + "_FILE", "must name a readable file", *path);
      return std::string();
    }
    std::string value((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) value.pop_back();
    return value;
  }
  return Lookup(name);
}

std::string Config::Secret(const std::string& name, size_t min_length) {
  const std::string value = LookupSecret(name).value_or("");
  // A secret's value is never echoed in an error, only its size.
  if (value.empty()) {
    Reject(name, "is required (or " + name + "_FILE naming a file that holds it)");
  } else if (value.size() < min_length) {
    Reject(name, "must be at least " + std::to_string(min_length) + " bytes (got " + std::to_string(value.size()) +
                     " bytes)");
  }
  return value;
}

std::pair<std::string, int> Config::RequiredHostPort(const std::string& name) {
  const std::string value = RequiredString(name);
  const auto colon = value.rfind(':');
  int port = 0;
  if (!value.empty() && (colon == std::string::npos || colon == 0 ||
                         !absl::SimpleAtoi(value.substr(colon + 1), &port) || port < 1 || port > 65535)) {
    Fail(name, "must be host:port", value);
    return {"", 0};
  }
  return value.empty() ? std::pair<std::string, int>{"", 0} : std::pair{value.substr(0, colon), port};
}

int64_t Config::Int(const std::string& name, int64_t fallback, int64_t min, int64_t max) {
  auto value = Lookup(name);
  if (!value) return fallback;
  int64_t parsed = 0;
  if (!absl::SimpleAtoi(*value, &parsed)) {
    Fail(name, "must be an integer", *value);
    return fallback;
  }
  if (parsed < min || parsed > max) {
    Fail(name, "must be between " + std::to_string(min) + " and " + std::to_string(max), *value);
    return fallback;
  }
  return parsed;
}

bool Config::Bool(const std::string& name, bool fallback) {
  auto value = Lookup(name);
  if (!value) return fallback;
  const std::string lower = absl::AsciiStrToLower(*value);
  if (lower == "1" || lower == "true" || lower == "yes" || lower == "on") return true;
  if (lower == "0" || lower == "false" || lower == "no" || lower == "off") return false;
  Fail(name, "must be true or false", *value);
  return fallback;
}

absl::Duration Config::Duration(const std::string& name, absl::Duration fallback) {
  auto value = Lookup(name);
  if (!value) return fallback;
  absl::Duration parsed;
  if (!absl::ParseDuration(*value, &parsed) || parsed < absl::ZeroDuration()) {
    Fail(name, "must be a non-negative duration such as 250ms, 30s or 5m", *value);
    return fallback;
  }
  return parsed;
}

absl::Status Config::Check() const {
  if (problems_.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError("invalid configuration: " + absl::StrJoin(problems_, "; "));
}

}  // namespace mentoring
