#include "scheduling_service.h"

#include <absl/strings/str_cat.h>

#include "feeds_app.h"
#include "meetings_app.h"
#include "mentoring/scheduling/v1/scheduling.grpc.pb.h"
#include "pair_content_app.h"
#include "people_app.h"
#include "profiles_client.h"
#include "series_app.h"
#include "sweeper.h"

namespace mentoring::scheduling {

Settings Settings::Read(Config& config) {
  Settings s;
  const auto [profiles_host, profiles_port] = config.RequiredHostPort("PROFILES_ADDR");
  s.profiles_addr = absl::StrCat(profiles_host, ":", profiles_port);
  s.options.window_days = static_cast<int>(config.Int("WINDOW_DAYS", 90, 7, 400));
  s.options.timings.missed_grace = config.Duration("MISSED_GRACE", absl::Hours(24));
  s.options.timings.agenda_lead = config.Duration("AGENDA_LEAD", absl::Hours(24 * 7));
  s.options.sweep_batch = static_cast<int>(config.Int("SWEEP_BATCH", 1000, 1, 100000));
  s.options.extend_batch = static_cast<int>(config.Int("EXTEND_BATCH", 200, 1, 10000));
  s.options.calendar_uid_domain = config.String("CALENDAR_UID_DOMAIN", "mentoring.example");
  s.options.meeting_link_base = config.String("MEETING_LINK_BASE", "");
  s.sweep_interval = config.Duration("SWEEP_INTERVAL", absl::Seconds(15));
  s.extend_interval = config.Duration("EXTEND_INTERVAL", absl::Hours(1));
  return s;
}

absl::Status Wire(ServiceContext& service, const Settings& settings) {
  auto channel = service.ChannelTo(settings.profiles_addr);
  if (!channel.ok()) return channel.status();
  pg::Pool& database = service.database();
  const Clock& clock = service.clock();
  const SchedulingOptions& options = service.Make<SchedulingOptions>(settings.options);
  const auto& series_store = service.Make<SeriesStore>();
  const auto& meeting_store = service.Make<MeetingStore>();
  auto& profiles = service.Make<profiles::ProfilesClient>(*channel, service.signer(), service.name());
  auto& series = service.Make<SeriesApp>(database, series_store, meeting_store, clock, options);
  auto& people = service.Make<PeopleApp>(database, profiles, series, meeting_store);
  auto& meetings = service.Make<MeetingsApp>(database, series_store, meeting_store, clock, options);
  auto& content = service.Make<PairContentApp>(database, meeting_store, clock);
  auto& feeds = service.Make<FeedsApp>(database, meeting_store, clock, options);
  auto& sweeper =
      service.Make<MeetingSweeper>(database, series_store, meeting_store, clock, options, service.metrics());

  // People's zones and availability, from profiles.
  service.ReadModel({.name = "people", .load = [&people] { return people.Load(); }}, {"profiles"})
      .On<events::v1::ProfileCreated>([&people](auto& txn, const auto& event, const auto& created) {
        return people.OnCreated(txn, event, created);
      })
      .On<events::v1::ProfileUpdated>([&people](auto& txn, const auto& event, const auto& updated) {
        return people.OnUpdated(txn, event, updated);
      })
      .On<events::v1::ProfileErased>(
          [&people](auto& txn, const auto& event, const auto& erased) { return people.OnErased(txn, event, erased); });
  // The relationships' lifecycle, from matching.
  service.Consume({"matching"})
      .OnBatch<events::v1::MatchMade>([&series](auto& txn, const auto& made) { return series.OnMatchMade(txn, made); })
      .On<events::v1::RelationshipPaused>(
          [&series](auto& txn, const auto& e, const auto& p) { return series.OnPaused(txn, e, p); })
      .On<events::v1::RelationshipResumed>(
          [&series](auto& txn, const auto& e, const auto& p) { return series.OnResumed(txn, e, p); })
      .On<events::v1::RelationshipAgreementAmended>(
          [&series](auto& txn, const auto& e, const auto& p) { return series.OnAmended(txn, e, p); })
      .On<events::v1::RelationshipClosed>(
          [&series](auto& txn, const auto& e, const auto& p) { return series.OnClosed(txn, e, p); })
      .On<events::v1::RelationshipMovedToAlumni>(
          [&series](auto& txn, const auto& e, const auto& p) { return series.OnMovedToAlumni(txn, e, p); });

  service.Every({.name = "meeting_sweeper", .interval = settings.sweep_interval},
                [&sweeper] { return sweeper.Sweep(); });
  service.Every({.name = "window_extender", .interval = settings.extend_interval},
                [&series] { return series.ExtendWindows(); });

  service.Serve<v1::SchedulingService>()
      .Unary("GetSeries", meetings, &MeetingsApp::GetSeries)
      .Unary("ListSeries", meetings, &MeetingsApp::ListSeries)
      .Unary("GetMeeting", meetings, &MeetingsApp::GetMeeting)
      .Unary("ListMeetings", meetings, &MeetingsApp::ListMeetings)
      .Unary("RescheduleMeeting", meetings, &MeetingsApp::RescheduleMeeting)
      .Unary("CancelMeeting", meetings, &MeetingsApp::CancelMeeting)
      .Unary("CheckIn", meetings, &MeetingsApp::CheckIn)
      .Unary("BookMeeting", meetings, &MeetingsApp::BookMeeting)
      .Unary("GetScheduleSummary", meetings, &MeetingsApp::GetScheduleSummary)
      .Unary("SetAgenda", content, &PairContentApp::SetAgenda)
      .Unary("AddNote", content, &PairContentApp::AddNote)
      .Unary("ListNotes", content, &PairContentApp::ListNotes)
      .Unary("AddActionItem", content, &PairContentApp::AddActionItem)
      .Unary("CompleteActionItem", content, &PairContentApp::CompleteActionItem)
      .Unary("ListActionItems", content, &PairContentApp::ListActionItems)
      .Unary("CreateCalendarFeed", feeds, &FeedsApp::CreateCalendarFeed)
      .Unary("RevokeCalendarFeed", feeds, &FeedsApp::RevokeCalendarFeed)
      .Unary("GetCalendarFeed", feeds, &FeedsApp::GetCalendarFeed);
  return absl::OkStatus();
}

}  // namespace mentoring::scheduling
