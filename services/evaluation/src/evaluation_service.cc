#include "evaluation_service.h"

#include <absl/strings/str_cat.h>

#include <functional>

#include "answers_app.h"
#include "assessor.h"
#include "events_app.h"
#include "mentoring/evaluation/v1/evaluation.grpc.pb.h"
#include "profiles_client.h"
#include "profiles_goals.h"
#include "programmes_app.h"
#include "progress_app.h"
#include "reviews_app.h"
#include "sweeper.h"

namespace mentoring::evaluation {

Settings Settings::Read(Config& config) {
  Settings s;
  const auto [profiles_host, profiles_port] = config.RequiredHostPort("PROFILES_ADDR");
  s.profiles_addr = absl::StrCat(profiles_host, ":", profiles_port);
  s.sweep_interval = config.Duration("SWEEP_INTERVAL", absl::Seconds(1));
  return s;
}

absl::Status Wire(ServiceContext& service, const Settings& settings) {
  auto channel = service.ChannelTo(settings.profiles_addr);
  if (!channel.ok()) return channel.status();
  pg::Pool& database = service.database();
  const Clock& clock = service.clock();
  auto& profiles_client = service.Make<profiles::ProfilesClient>(*channel, service.signer(), service.name());
  auto& goals = service.Make<ProfilesGoals>(profiles_client);
  auto& assessor = service.Make<Assessor>(clock);
  auto& answers = service.Make<AnswersApp>(database, assessor);
  auto& progress = service.Make<ProgressApp>(database, goals, assessor);
  auto& reviews = service.Make<ReviewsApp>(database, assessor);
  auto& programmes = service.Make<ProgrammesApp>(database, clock);
  auto& handlers = service.Make<EventsApp>(assessor, service.settings().consumer_group);
  auto& sweeper = service.Make<Sweeper>(database, assessor);

  // Relationships from matching, meetings from scheduling, erasures from profiles: one
  // consumer, since a meeting may wait (parked) for its relationship's match.made.
  service.Consume({"matching", "scheduling", "profiles"})
      .On<events::v1::MatchMade>(std::bind_front(&EventsApp::OnMatchMade, &handlers))
      .On<events::v1::RelationshipPaused>(std::bind_front(&EventsApp::OnRelationshipPaused, &handlers))
      .On<events::v1::RelationshipResumed>(std::bind_front(&EventsApp::OnRelationshipResumed, &handlers))
      .On<events::v1::RelationshipAgreementAmended>(
          std::bind_front(&EventsApp::OnRelationshipAgreementAmended, &handlers))
      .On<events::v1::RelationshipClosed>(std::bind_front(&EventsApp::OnRelationshipClosed, &handlers))
      .On<events::v1::RelationshipMovedToAlumni>(std::bind_front(&EventsApp::OnRelationshipMovedToAlumni, &handlers))
      .On<events::v1::MeetingCompleted>(std::bind_front(&EventsApp::OnMeetingCompleted, &handlers))
      .On<events::v1::MeetingMissed>(std::bind_front(&EventsApp::OnMeetingMissed, &handlers))
      .On<events::v1::MeetingCancelled>(std::bind_front(&EventsApp::OnMeetingCancelled, &handlers))
      .On<events::v1::ProfileErased>(std::bind_front(&EventsApp::OnProfileErased, &handlers));
  service.Every({.name = "evaluation_sweeper", .interval = settings.sweep_interval},
                std::bind_front(&Sweeper::Tick, &sweeper));

  service.Serve<v1::EvaluationService>()
      .Unary("ListPendingItems", answers, &AnswersApp::ListPendingItems)
      .Unary("SubmitFeedback", answers, &AnswersApp::SubmitFeedback)
      .Unary("ListFeedback", answers, &AnswersApp::ListFeedback)
      .Unary("SubmitClosureSurvey", answers, &AnswersApp::SubmitClosureSurvey)
      .Unary("GetClosureSurvey", answers, &AnswersApp::GetClosureSurvey)
      .Unary("RecordGoalProgress", progress, &ProgressApp::RecordGoalProgress)
      .Unary("ListGoalProgress", progress, &ProgressApp::ListGoalProgress)
      .Unary("GetReview", reviews, &ReviewsApp::GetReview)
      .Unary("ListReviews", reviews, &ReviewsApp::ListReviews)
      .Unary("AnswerReview", reviews, &ReviewsApp::AnswerReview)
      .Unary("GetRelationshipHealth", programmes, &ProgrammesApp::GetRelationshipHealth)
      .Unary("ListRelationshipHealth", programmes, &ProgrammesApp::ListRelationshipHealth)
      .Unary("GetProgrammeSettings", programmes, &ProgrammesApp::GetProgrammeSettings)
      .Unary("UpdateProgrammeSettings", programmes, &ProgrammesApp::UpdateProgrammeSettings)
      .Unary("GetProgrammeSummary", programmes, &ProgrammesApp::GetProgrammeSummary);
  return absl::OkStatus();
}

}  // namespace mentoring::evaluation
