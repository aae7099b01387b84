#pragma once
// Calendar subscriptions. Calendar clients send no bearer token, so each person's feed is
// reached at an unguessable capability URL: a token made of the feed's id and a 256-bit
// secret, shown once; only the secret's SHA-256 is kept, compared in constant time. The
// person rotates it (a new one replaces the old at once) or revokes it. The feed answers
// "unchanged" cheaply from the person's calendar version (the ETag).
#include <absl/status/statusor.h>

#include "calendar_feed.h"
#include "meeting_store.h"
#include "mentoring/runtime/call_context.h"
#include "mentoring/runtime/clock.h"
#include "mentoring/runtime/postgres.h"
#include "mentoring/scheduling/v1/scheduling.pb.h"
#include "scheduling_options.h"

namespace mentoring::scheduling {

inline constexpr char kFeedPathPrefix[] = "/v1/calendar-feeds/";

class FeedsApp {
 public:
  FeedsApp(pg::Pool& pool, const MeetingStore& meetings, const Clock& clock, const SchedulingOptions& options)
      : pool_(pool), meetings_(meetings), clock_(clock), options_(options) {}

  absl::StatusOr<v1::CalendarFeed> CreateCalendarFeed(const CallContext& call,
                                                      const v1::CreateCalendarFeedRequest& request);
  absl::StatusOr<v1::RevokeCalendarFeedResponse> RevokeCalendarFeed(const CallContext& call,
                                                                    const v1::RevokeCalendarFeedRequest& request);
  // Anyone holding the token (the gateway's anonymous caller for a calendar client). A
  // wrong, revoked or malformed token is NOT_FOUND, the same for each, and never echoed.
  absl::StatusOr<v1::CalendarFeedContent> GetCalendarFeed(const CallContext& call,
                                                          const v1::GetCalendarFeedRequest& request);

 private:
  pg::Pool& pool_;
  const MeetingStore& meetings_;
  const Clock& clock_;
  const SchedulingOptions& options_;
};

}  // namespace mentoring::scheduling
