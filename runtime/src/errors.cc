#include "mentoring/runtime/errors.h"

#include <absl/strings/cord.h>
#include <absl/strings/str_cat.h>

namespace mentoring::errors {
namespace {

constexpr char kDetailsTypeUrl[] = "type.googleapis.com/mentoring.common.v1.ErrorDetails";

}  // namespace

absl::Status WithDetails(absl::StatusCode code, const std::string& message, const common::v1::ErrorDetails& details) {
  absl::Status status(code, ValidUtf8(message));
  status.SetPayload(kDetailsTypeUrl, absl::Cord(details.SerializeAsString()));
  return status;
}

size_t Utf8SequenceLength(absl::string_view text) {
  if (text.empty()) return 0;
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
  const auto continuation = [&](size_t i) { return i < text.size() && (byte(i) & 0xC0) == 0x80; };
  const unsigned char lead = byte(0);
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) return continuation(1) ? 2 : 0;
  if (lead >= 0xE0 && lead <= 0xEF) {
    if (!continuation(1) || !continuation(2)) return 0;
    if (lead == 0xE0 && byte(1) < 0xA0) return 0;  // overlong
    if (lead == 0xED && byte(1) > 0x9F) return 0;  // UTF-16 surrogates
    return 3;
  }
  if (lead >= 0xF0 && lead <= 0xF4) {
    if (!continuation(1) || !continuation(2) || !continuation(3)) return 0;
    if (lead == 0xF0 && byte(1) < 0x90) return 0;  // overlong
    if (lead == 0xF4 && byte(1) > 0x8F) return 0;  // past U+10FFFF
    return 4;
  }
  return 0;  // a continuation byte, an overlong lead (C0, C1) or F5..FF
}

bool IsUtf8(absl::string_view text) {
  while (!text.empty()) {
    const size_t length = Utf8SequenceLength(text);
    if (length == 0) return false;
    text.remove_prefix(length);
  }
  return true;
}

std::string ValidUtf8(absl::string_view text) {
  if (IsUtf8(text)) return std::string(text.data(), text.size());
  std::string out;
  out.reserve(text.size() + 8);
  while (!text.empty()) {
    const size_t length = Utf8SequenceLength(text);
    if (length == 0) {
      out += "\xEF\xBF\xBD";  // U+FFFD
      text.remove_prefix(1);
    } else {
      out.append(text.data(), length);
      text.remove_prefix(length);
    }
  }
  return out;
}

absl::Status WithReason(absl::StatusCode code, const std::string& reason, const std::string& message) {
  common::v1::ErrorDetails details;
  details.set_reason(reason);
  return WithDetails(code, message, details);
}

absl::Status InvalidArgument(const std::string& field, const std::string& rule, const std::string& description) {
  Violations violations;
  violations.Add(field, rule, description);
  return violations.ToStatus();
}

absl::Status NotFound(const std::string& what, const std::string& id) {
  return WithReason(absl::StatusCode::kNotFound, "NOT_FOUND", absl::StrCat(what, " '", id, "' not found"));
}

absl::Status AlreadyExists(const std::string& what, const std::string& key) {
  return WithReason(absl::StatusCode::kAlreadyExists, "ALREADY_EXISTS",
                    absl::StrCat(what, " with ", key, " already exists"));
}

absl::Status VersionConflict(const std::string& what, int64_t expected, int64_t actual) {
  return WithReason(absl::StatusCode::kAborted, "VERSION_CONFLICT",
                    absl::StrCat(what, " was changed by someone else: expected version ", expected,
                                 ", current version ", actual, "; re-read and retry"));
}

absl::Status FailedPrecondition(const std::string& reason, const std::string& description) {
  return WithReason(absl::StatusCode::kFailedPrecondition, reason, description);
}

absl::Status PermissionDenied(const std::string& description) {
  return WithReason(absl::StatusCode::kPermissionDenied, "PERMISSION_DENIED", description);
}

absl::Status Unauthenticated(const std::string& description) {
  return WithReason(absl::StatusCode::kUnauthenticated, "UNAUTHENTICATED", description);
}

absl::Status Unavailable(const std::string& dependency, const std::string& description) {
  return WithReason(absl::StatusCode::kUnavailable, "DEPENDENCY_UNAVAILABLE",
                    absl::StrCat(dependency, " unavailable: ", description));
}

void Violations::Add(std::string field, std::string rule, std::string description) {
  auto* violation = details_.add_field_violations();
  violation->set_field(ValidUtf8(field));
  violation->set_rule(ValidUtf8(rule));
  violation->set_description(ValidUtf8(description));
}

absl::Status Violations::ToStatus() const {
  if (empty()) return absl::OkStatus();
  std::string message;
  for (const auto& v : details_.field_violations()) {
    absl::StrAppend(&message, message.empty() ? "" : "; ", v.field(), ": ", v.description(), " [", v.rule(), "]");
  }
  common::v1::ErrorDetails details = details_;
  details.set_reason("INVALID_ARGUMENT");
  return WithDetails(absl::StatusCode::kInvalidArgument, message, details);
}

common::v1::ErrorDetails DetailsOf(const absl::Status& status) {
  common::v1::ErrorDetails details;
  if (auto payload = status.GetPayload(kDetailsTypeUrl)) {
    details.ParseFromString(std::string(*payload));
  }
  return details;
}

}  // namespace mentoring::errors
