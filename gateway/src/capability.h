#pragma once
// Capability routes (a route's `capability_url`): the path holds a secret that is the
// request's whole authority, so the gateway treats every path variable of such a route as a
// secret. It is counted (rate limits, idempotency keys) by a hash, never by its value, and
// taken out of anything the gateway says or logs about the request.
#include <absl/status/status.h>

#include <string>

#include "mentoring/runtime/identity.h"
#include "route_table.h"

namespace mentoring::gateway {

// Who a capability route's call is made as: the services verify every call's internal
// token, and this one says no person and no role (the service checks the capability).
Caller AnonymousCaller();

// "capability:" and a SHA-256 of the route and its path variables (%-decoded, so another
// spelling of the same capability counts as the same): a key for Redis and the rate
// limiter that holds nothing a log or a Redis dump could replay.
std::string CapabilityKey(const RouteMatch& match);

// `status` with every path variable's value (as sent and %-decoded) in its message and
// field violations replaced by the variable's name ("{token}"): what a service says about a
// capability may be answered and logged, the capability itself never.
absl::Status WithoutCapability(const absl::Status& status, const RouteMatch& match);

}  // namespace mentoring::gateway
