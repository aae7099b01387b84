#include "conditional.h"

#include <absl/strings/ascii.h>
#include <absl/strings/numbers.h>
#include <absl/strings/str_cat.h>

#include <algorithm>

#include "mentoring/runtime/errors.h"

namespace mentoring::gateway {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

// The version an opaque tag (what is inside the quotes) names: digits only, positive.
bool VersionOf(std::string_view opaque, int64_t* version) {
  if (opaque.empty() || !std::all_of(opaque.begin(), opaque.end(), absl::ascii_isdigit)) return false;
  return absl::SimpleAtoi(absl::string_view(opaque.data(), opaque.size()), version) && *version > 0;
}

}  // namespace

const FieldDescriptor* VersionField(const google::protobuf::Descriptor& message, std::string_view name) {
  const FieldDescriptor* field = message.FindFieldByName(std::string(name));
  if (field == nullptr || field->cpp_type() != FieldDescriptor::CPPTYPE_INT64 || field->is_repeated()) return nullptr;
  return field;
}

std::string EtagOf(const Message& message) {
  const FieldDescriptor* field = VersionField(*message.GetDescriptor(), "version");
  if (field == nullptr) return "";
  const int64_t version = message.GetReflection()->GetInt64(message, field);
  return version > 0 ? absl::StrCat("\"", version, "\"") : "";
}

absl::Status ApplyIfMatch(const std::string& if_match, Message& request) {
  if (if_match.empty()) return absl::OkStatus();
  const FieldDescriptor* field = VersionField(*request.GetDescriptor(), "expected_version");
  if (field == nullptr) {
    return errors::InvalidArgument("If-Match", "not_versioned", "this route does not take a version to match");
  }
  int64_t version = 0;
  std::string_view tag = if_match;
  if (tag.size() >= 2 && tag.front() == '"' && tag.back() == '"') tag = tag.substr(1, tag.size() - 2);
  if (!VersionOf(tag, &version)) {
    return errors::InvalidArgument("If-Match", "etag", "must be an ETag from an earlier answer, e.g. \"3\"");
  }
  request.GetReflection()->SetInt64(&request, field, version);
  return absl::OkStatus();
}

absl::StatusOr<IfNoneMatch> IfNoneMatch::Parse(std::string_view header) {
  // RFC 9110: If-None-Match = "*" / #entity-tag; entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE.
  // An opaque tag may hold commas, so the list is scanned, not split.
  const auto malformed = [] {
    return errors::InvalidArgument("If-None-Match", "etag",
                                   "must list ETags from earlier answers, e.g. \"3\" or W/\"3\"");
  };
  IfNoneMatch tags;
  size_t i = 0;
  const auto skip = [&](std::string_view what) {
    while (i < header.size() && what.find(header[i]) != std::string_view::npos) ++i;
  };
  while (true) {
    skip(" \t,");
    if (i == header.size()) break;
    if (header[i] == '*') {
      tags.any_ = true;
      ++i;
    } else {
      if (header.substr(i, 2) == "W/") i += 2;
      if (i == header.size() || header[i] != '"') return malformed();
      const size_t close = header.find('"', i + 1);
      if (close == std::string_view::npos) return malformed();
      int64_t version = 0;
      if (VersionOf(header.substr(i + 1, close - i - 1), &version)) tags.versions_.push_back(version);
      i = close + 1;  // a tag that is not one of our versions is well-formed: it never matches
    }
    skip(" \t");
    if (i < header.size() && header[i] != ',') return malformed();
  }
  return tags;
}

bool IfNoneMatch::Matches(std::string_view etag) const {
  if (etag.size() < 2) return false;  // no ETag: nothing to hold
  if (any_) return true;
  int64_t version = 0;
  return VersionOf(etag.substr(1, etag.size() - 2), &version) &&
         std::find(versions_.begin(), versions_.end(), version) != versions_.end();
}

void IfNoneMatch::ApplyTo(Message& request) const {
  const FieldDescriptor* field = VersionField(*request.GetDescriptor(), "known_version");
  if (field == nullptr || versions_.empty()) return;
  request.GetReflection()->SetInt64(&request, field, *std::max_element(versions_.begin(), versions_.end()));
}

}  // namespace mentoring::gateway
