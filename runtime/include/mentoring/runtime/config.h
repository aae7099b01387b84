#pragma once
// Configuration from the environment (and --flags), validated at start.
//
// Lookup order for a setting NAME with service prefix P: flag --name (lower case, '_' or
// '-'), env P_NAME, env NAME, then the env file named by MENTORING_ENV_FILE (the stack's
// deploy/stack.sh writes one), then the default. Every accessor records what is wrong
// instead of throwing, so Check() reports all bad settings at once, each by name.
#include <absl/status/status.h>
#include <absl/time/time.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace mentoring {

class Config {
 public:
  // Reads flags from argv and the process environment.
  static Config FromProcess(std::string prefix, int argc, char** argv);
  // For tests: explicit variables, no process environment.
  static Config FromMap(std::string prefix, std::map<std::string, std::string> vars);

  std::string String(const std::string& name, const std::string& fallback);
  std::string RequiredString(const std::string& name);
  // A required secret of at least `min_length` bytes: from NAME, or from the file that
  // NAME_FILE names (how Kubernetes and Docker mount secrets). Its value is never echoed,
  // in errors or logs. A database URL with a password is a secret too (min_length 1).
  std::string Secret(const std::string& name, size_t min_length);
  // A required "host:port".
  std::pair<std::string, int> RequiredHostPort(const std::string& name);
  int64_t Int(const std::string& name, int64_t fallback, int64_t min, int64_t max);
  bool Bool(const std::string& name, bool fallback);
  // Accepts Go-style durations: "250ms", "30s", "5m", "1h".
  absl::Duration Duration(const std::string& name, absl::Duration fallback);

  // Records a rule that spans settings (e.g. "all three or none"), for Check to report.
  void Reject(const std::string& name, const std::string& rule);

  // OK, or INVALID_ARGUMENT listing every bad setting: "SETTING: rule (got 'value')".
  absl::Status Check() const;

 private:
  Config(std::string prefix, std::map<std::string, std::string> vars);
  std::optional<std::string> Lookup(const std::string& name) const;
  std::optional<std::string> LookupSecret(const std::string& name);
  void Fail(const std::string& name, const std::string& rule, const std::string& value);

  std::string prefix_;
  std::map<std::string, std::string> vars_;  // flags and environment, flags win
  std::vector<std::string> problems_;
};

// Parses KEY=VALUE lines (blank lines and '#' comments skipped).
std::map<std::string, std::string> ParseEnvFile(const std::string& text);

}  // namespace mentoring
