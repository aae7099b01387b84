#pragma once
// ETags and conditional requests, for every route alike. A resource's ETag is its version:
// a response message with an int64 `version` goes out with ETag: "N". The write side:
// If-Match: "N" fills the request's `expected_version`, and the service's optimistic
// concurrency check refuses a stale write (412). The read side: If-None-Match fills the
// request's `known_version` (so a service can skip building what the client already has),
// and an answer whose ETag the client already holds becomes 304 Not Modified.
#include <absl/status/statusor.h>
#include <google/protobuf/message.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mentoring::gateway {

// The singular int64 field `name` of a message (`version`, `expected_version`,
// `known_version`), or nullptr: what makes a message take part in conditional requests.
const google::protobuf::FieldDescriptor* VersionField(const google::protobuf::Descriptor& message,
                                                      std::string_view name);

// `"N"` for a message with a positive int64 `version`; empty otherwise.
std::string EtagOf(const google::protobuf::Message& message);

// Fills `expected_version` from If-Match (nothing when the header is empty). INVALID_ARGUMENT
// when the request has no `expected_version` or the header is not one of our ETags.
absl::Status ApplyIfMatch(const std::string& if_match, google::protobuf::Message& request);

// The ETags an If-None-Match header lists: `"3"`, `W/"3"` (compared weakly, as RFC 9110 says
// for If-None-Match), a list of them, or `*` (any).
class IfNoneMatch {
 public:
  // Empty header: matches nothing. INVALID_ARGUMENT for a malformed entity tag; a well-formed
  // one that is not a version of ours (`"abc"`) never matches.
  static absl::StatusOr<IfNoneMatch> Parse(std::string_view header);

  // Whether an answer with this ETag (`"N"`, as EtagOf writes it) is one the client holds.
  bool Matches(std::string_view etag) const;
  // Fills the request's int64 `known_version` with the newest version listed, when it has
  // one and a version was sent; other requests are left as they are.
  void ApplyTo(google::protobuf::Message& request) const;

 private:
  bool any_ = false;
  std::vector<int64_t> versions_;
};

}  // namespace mentoring::gateway
