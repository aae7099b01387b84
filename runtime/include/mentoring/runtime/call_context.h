#pragma once
// Who is calling and under which trace: what every use case receives with a request. Free of
// gRPC, so domain code can take it without depending on the transport.
#include <string>

#include "mentoring/runtime/identity.h"
#include "mentoring/runtime/tracing.h"

namespace mentoring {

// The request id a client (or the gateway) gave the call, carried in this metadata key so
// that one client request can be found in every service's logs.
inline constexpr char kRequestIdHeader[] = "x-request-id";

struct CallContext {
  Caller caller;
  TraceContext trace;      // this call's span: a child of the caller's traceparent, or a new root
  std::string request_id;  // from x-request-id (may be empty)
};

}  // namespace mentoring
