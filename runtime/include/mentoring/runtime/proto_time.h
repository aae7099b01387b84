#pragma once
// Times between absl and the contract's types (google.protobuf.Timestamp, common.v1.Date)
// and the text PostgreSQL reads, written once for every service.
#include <absl/time/civil_time.h>
#include <absl/time/time.h>
#include <google/protobuf/timestamp.pb.h>

#include <string>

#include "mentoring/common/v1/common.pb.h"

namespace mentoring {

inline void SetTimestamp(google::protobuf::Timestamp* out, absl::Time time) {
  const int64_t seconds = absl::ToUnixSeconds(time);
  out->set_seconds(seconds);
  out->set_nanos(static_cast<int32_t>((time - absl::FromUnixSeconds(seconds)) / absl::Nanoseconds(1)));
}
inline google::protobuf::Timestamp ToTimestamp(absl::Time time) {
  google::protobuf::Timestamp out;
  SetTimestamp(&out, time);
  return out;
}
inline absl::Time FromTimestamp(const google::protobuf::Timestamp& ts) {
  return absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos());
}

inline common::v1::Date ToDate(absl::CivilDay day) {
  common::v1::Date d;
  d.set_year(static_cast<int32_t>(day.year()));
  d.set_month(day.month());
  d.set_day(day.day());
  return d;
}
inline absl::CivilDay FromDate(const common::v1::Date& date) {
  return absl::CivilDay(date.year(), date.month(), date.day());
}
inline bool IsSet(const common::v1::Date& date) { return date.year() != 0; }

// UTC with microseconds, e.g. "2026-12-05T10:00:00.000000Z": what a timestamptz parameter takes.
inline std::string Rfc3339(absl::Time time) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", time, absl::UTCTimeZone());
}
// A date parameter: "2026-12-05".
inline std::string IsoDate(absl::CivilDay day) { return absl::FormatCivilTime(day); }

}  // namespace mentoring
