#pragma once
// How a request read by Boost.Beast reaches the gateway, shared by the HTTP server and the
// fuzz target, so both see the request path the same way: the header is read first (its
// size limited), the route decides the body's limit (an upload's is larger, and its body is
// streamed), and the headers the gateway uses become its HttpRequest.
#include <boost/beast/http.hpp>
#include <boost/range/iterator_range.hpp>

#include <cstdint>
#include <limits>
#include <string>
#include <utility>

#include "gateway_app.h"
#include "http_server.h"

namespace mentoring::gateway {

// A parser for the header alone: the declared length is checked once the route is known.
inline void LimitHeader(boost::beast::http::request_parser<boost::beast::http::empty_body>& parser,
                        const HttpServerSettings& settings) {
  parser.header_limit(static_cast<std::uint32_t>(settings.max_header_bytes));
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());
}

// Whether the request goes to an upload route (its body streamed, not read whole).
template <class Fields>
bool IsUpload(const GatewayApp& app, const boost::beast::http::header<true, Fields>& header) {
  const auto method = header.method_string();
  const auto target = header.target();
  return app.IsUpload({method.data(), method.size()}, {target.data(), target.size()});
}

inline std::uint64_t BodyLimit(bool upload, const HttpServerSettings& settings) {
  return upload ? settings.max_upload_bytes : settings.max_body_bytes;
}

// Every value of a list header, in one list ("a, b"): a client may send If-None-Match as
// several lines, and each line's ETags count.
template <class Fields>
std::string ListHeader(const boost::beast::http::header<true, Fields>& header, boost::beast::http::field name) {
  std::string list;
  for (const auto& line : boost::make_iterator_range(header.equal_range(name))) {
    if (!list.empty()) list += ", ";
    list.append(line.value().data(), line.value().size());
  }
  return list;
}

// The headers the gateway uses, with an empty body (an upload's comes as a stream).
template <class Fields>
HttpRequest HeaderRequest(const boost::beast::http::header<true, Fields>& header) {
  namespace http = boost::beast::http;
  return HttpRequest{std::string(header.method_string()),
                     std::string(header.target()),
                     std::string(header[http::field::authorization]),
                     std::string(header["X-Request-Id"]),
                     std::string(header[http::field::if_match]),
                     ListHeader(header, http::field::if_none_match),
                     std::string(header["Idempotency-Key"]),
                     std::string(header["traceparent"]),
                     ""};
}

inline HttpRequest ToGatewayRequest(boost::beast::http::request<boost::beast::http::string_body>&& request) {
  HttpRequest out = HeaderRequest(request.base());
  out.body = std::move(request.body());
  return out;
}

}  // namespace mentoring::gateway
