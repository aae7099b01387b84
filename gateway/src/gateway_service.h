#pragma once
// The gateway as the skeleton runs it (no database, no events; Redis for rate limits and
// idempotency keys): its settings, and the wiring of authentication, the route table, the
// upstream channels and the HTTP server.
#include <absl/status/status.h>
#include <absl/time/time.h>

#include <map>
#include <string>

#include "auth/jwt_authenticator.h"
#include "http_server.h"
#include "mentoring/runtime/config.h"
#include "mentoring/runtime/service.h"
#include "mentoring/runtime/tls.h"

namespace mentoring::gateway {

// What the gateway reads besides the settings every process reads (docs/operations.md).
struct Settings {
  HttpServerSettings http;
  JwtSettings jwt;
  // Service full name ("mentoring.profiles.v1.ProfilesService") → host:port.
  std::map<std::string, std::string> upstreams;
  TlsFiles upstream_tls;  // mutual TLS to the services (off unless configured)
  absl::Duration call_deadline;
  absl::Duration upload_deadline;
  int64_t rate_limit_per_minute = 0;

  static Settings Read(Config& config);
};

absl::Status Wire(ServiceContext& service, const Settings& settings);

}  // namespace mentoring::gateway
