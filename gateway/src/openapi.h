#pragma once
// The OpenAPI 3 document served at /openapi.json, generated from the same route table the
// gateway serves (so the two cannot disagree) and from the request and response messages.
#include <string>

#include "route_table.h"

namespace mentoring::gateway {

std::string OpenApiDocument(const RouteTable& routes, const std::string& title, const std::string& version);

}  // namespace mentoring::gateway
