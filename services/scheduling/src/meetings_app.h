#pragma once
// The meeting use cases, one per RPC of SchedulingService: reading series and meetings (the
// pair sees everything, admins times and attendance), moving and cancelling (times only:
// cadence, length and mode change through matching's amendment), checking in, booking ad-hoc
// meetings, and the counts admins may see. Each runs in one transaction with its events.
#include <absl/status/statusor.h>

#include "meeting_store.h"
#include "mentoring/runtime/call_context.h"
#include "mentoring/runtime/clock.h"
#include "mentoring/runtime/postgres.h"
#include "mentoring/scheduling/v1/scheduling.pb.h"
#include "scheduling_options.h"
#include "series_store.h"

namespace mentoring::scheduling {

class MeetingsApp {
 public:
  MeetingsApp(pg::Pool& pool, const SeriesStore& series, const MeetingStore& meetings, const Clock& clock,
              const SchedulingOptions& options)
      : pool_(pool), series_(series), meetings_(meetings), clock_(clock), options_(options) {}

  absl::StatusOr<v1::MeetingSeries> GetSeries(const CallContext& call, const v1::GetSeriesRequest& request);
  absl::StatusOr<v1::ListSeriesResponse> ListSeries(const CallContext& call, const v1::ListSeriesRequest& request);
  absl::StatusOr<v1::Meeting> GetMeeting(const CallContext& call, const v1::GetMeetingRequest& request);
  absl::StatusOr<v1::ListMeetingsResponse> ListMeetings(const CallContext& call,
                                                        const v1::ListMeetingsRequest& request);
  absl::StatusOr<v1::RescheduleMeetingResponse> RescheduleMeeting(const CallContext& call,
                                                                  const v1::RescheduleMeetingRequest& request);
  absl::StatusOr<v1::Meeting> CancelMeeting(const CallContext& call, const v1::CancelMeetingRequest& request);
  absl::StatusOr<v1::Meeting> CheckIn(const CallContext& call, const v1::CheckInRequest& request);
  absl::StatusOr<v1::Meeting> BookMeeting(const CallContext& call, const v1::BookMeetingRequest& request);
  absl::StatusOr<v1::ScheduleSummary> GetScheduleSummary(const CallContext& call,
                                                         const v1::GetScheduleSummaryRequest& request);

 private:
  // The meeting as `call`'s caller may see it: the pair with its agenda, open action items
  // and notes count; admins without pair-only text.
  absl::StatusOr<v1::Meeting> AsSeenBy(pg::Executor& db, const CallContext& call, v1::Meeting meeting);
  // INVALID_ARGUMENT naming whose availability a start breaks (both people's windows are
  // kept for a moved or booked meeting, as for a planned one).
  absl::Status CheckAvailability(pg::Executor& db, const std::string& organiser_id, const std::string& attendee_id,
                                 absl::Time starts_at, int minutes);

  pg::Pool& pool_;
  const SeriesStore& series_;
  const MeetingStore& meetings_;
  const Clock& clock_;
  const SchedulingOptions& options_;
};

}  // namespace mentoring::scheduling
