#pragma once
// The one place a parsed Boost.Beast request becomes the gateway's HttpRequest, shared by
// the HTTP server and the fuzz target, so both see the request path the same way.
#include <boost/beast/http.hpp>

#include <string>
#include <utility>

#include "gateway_app.h"
#include "http_server.h"

namespace mentoring::gateway {

template <class Body>
void ApplyLimits(boost::beast::http::request_parser<Body>& parser, const HttpServerSettings& settings) {
  parser.header_limit(static_cast<std::uint32_t>(settings.max_header_bytes));
  parser.body_limit(settings.max_body_bytes);
}

inline HttpRequest ToGatewayRequest(boost::beast::http::request<boost::beast::http::string_body>&& request) {
  namespace http = boost::beast::http;
  return HttpRequest{std::string(request.method_string()),        std::string(request.target()),
                     std::string(request[http::field::authorization]), std::string(request["X-Request-Id"]),
                     std::string(request[http::field::if_match]),  std::string(request["Idempotency-Key"]),
                     std::move(request.body())};
}

}  // namespace mentoring::gateway
