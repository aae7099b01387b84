#pragma once
// Domain errors are absl::Status values made here, so domain classes stay free of gRPC;
// grpc_status.h holds the one place they become gRPC statuses (and the gateway maps those
// to HTTP). Field violations ride along as an ErrorDetails payload.
#include <absl/status/status.h>
#include <absl/strings/string_view.h>

#include <string>
#include <vector>

#include "mentoring/common/v1/common.pb.h"

namespace mentoring::errors {

// INVALID_ARGUMENT naming one field and the rule it broke.
absl::Status InvalidArgument(const std::string& field, const std::string& rule, const std::string& description);
absl::Status NotFound(const std::string& what, const std::string& id);
absl::Status AlreadyExists(const std::string& what, const std::string& key);
// ABORTED: optimistic concurrency lost; the caller re-reads and retries.
absl::Status VersionConflict(const std::string& what, int64_t expected, int64_t actual);
absl::Status FailedPrecondition(const std::string& reason, const std::string& description);
absl::Status PermissionDenied(const std::string& description);
absl::Status Unauthenticated(const std::string& description);
// UNAVAILABLE: a dependency (database, broker, another service) is down; safe to retry.
absl::Status Unavailable(const std::string& dependency, const std::string& description);

// Whether `text` is well-formed UTF-8 (no overlong forms, surrogates or code points past
// U+10FFFF): what protobuf string fields and JSON require.
bool IsUtf8(absl::string_view text);
// The length of the well-formed UTF-8 sequence at the start of `text` (1 to 4), or 0 when
// it starts with a byte that is not (the one definition the logs and errors share).
size_t Utf8SequenceLength(absl::string_view text);
// `text` with every byte that is not part of well-formed UTF-8 replaced by U+FFFD, so input
// quoted in an error message can never make the error itself unserialisable.
std::string ValidUtf8(absl::string_view text);

// Any code with these details (what a status from another service carried).
absl::Status WithDetails(absl::StatusCode code, const std::string& message,
                         const mentoring::common::v1::ErrorDetails& details);
// Any code with a machine-readable reason in its ErrorDetails.
absl::Status WithReason(absl::StatusCode code, const std::string& reason, const std::string& message);

// Collects every violation in a request so the caller fixes them in one round.
class Violations {
 public:
  void Add(std::string field, std::string rule, std::string description);
  bool empty() const { return details_.field_violations().empty(); }
  absl::Status ToStatus() const;  // OK when empty

 private:
  mentoring::common::v1::ErrorDetails details_;
};

// The ErrorDetails payload of a status (empty when there is none).
mentoring::common::v1::ErrorDetails DetailsOf(const absl::Status& status);

}  // namespace mentoring::errors
