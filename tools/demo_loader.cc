// Loads a demo organisation into a running profiles service, so a new engineer sees a
// populated suite after the first command. Each line of the file is a
// mentoring.profiles.v1.Person in protobuf JSON, except that managerId holds the
// manager's HR employee id (managers come before their reports). Safe to run again:
// people already there (by HR id) are left as they are.
//
// With --matching-target it then sets up a demo programme in the matching service: everyone
// who offers expertise enrolls as a mentor, everyone with goals as a mentee, the cohort is
// matched optimally and the draft published (so relationships exist to look at), and both
// people accept all but the last two agreements: those relationships start, and the
// scheduling service plans their meetings; the last two stay proposed, to show that state.
// A programme of that name already there is left alone.
//
// Usage: demo_loader --target=127.0.0.1:50061 --file=deploy/demo/people.jsonl
//                    --secret-file=.stack/services/internal-token.secret
//                    [--matching-target=127.0.0.1:50062]
#include <google/protobuf/util/json_util.h>
#include <grpcpp/grpcpp.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "mentoring/matching/v1/matching.grpc.pb.h"
#include "mentoring/profiles/v1/profiles.grpc.pb.h"
#include "mentoring/runtime/config.h"
#include "mentoring/runtime/identity.h"
#include "mentoring/runtime/server.h"

namespace {

using namespace mentoring;
namespace mv1 = matching::v1;

constexpr char kDemoProgramme[] = "Demo cohort 2027";

// Calls `call` until it stops failing with FAILED_PRECONDITION (matching learns about new
// people from profile events a moment after they were created).
template <class Call>
grpc::Status UntilKnown(Call call) {
  grpc::Status status;
  for (int attempt = 0; attempt < 100; ++attempt) {
    status = call();
    if (status.error_code() != grpc::StatusCode::FAILED_PRECONDITION) return status;
    absl::SleepFor(absl::Milliseconds(200));
  }
  return status;
}

// Both people accept the relationship's agreement, each as themselves.
grpc::Status AcceptAsBoth(mv1::MatchingService::Stub& stub, const InternalTokenSigner& signer,
                          const std::string& admin_token, const std::string& relationship_id) {
  mv1::GetRelationshipRequest get;
  get.set_relationship_id(relationship_id);
  mv1::Relationship relationship;
  auto status =
      stub.GetRelationship(OutboundContext(absl::Seconds(10), admin_token, nullptr).get(), get, &relationship);
  if (!status.ok()) return status;
  for (const std::string& person_id : {relationship.mentee_id(), relationship.mentor_id()}) {
    auto token = signer.Sign({person_id, {roles::kEmployee}});
    if (!token.ok()) return grpc::Status(grpc::StatusCode::INTERNAL, std::string(token.status().message()));
    mv1::AcceptAgreementRequest accept;
    accept.set_relationship_id(relationship_id);
    accept.set_agreement_version(relationship.agreement().version());
    status = stub.AcceptAgreement(OutboundContext(absl::Seconds(10), *token, nullptr).get(), accept, &relationship);
    if (!status.ok()) return status;
  }
  return grpc::Status::OK;
}

int LoadDemoProgramme(const std::string& target, const InternalTokenSigner& signer, const std::string& token,
                      const std::vector<profiles::v1::Person>& people) {
  auto stub = mv1::MatchingService::NewStub(grpc::CreateChannel(target, grpc::InsecureChannelCredentials()));
  mv1::ListProgrammesResponse existing;
  if (auto status = stub->ListProgrammes(OutboundContext(absl::Seconds(10), token, nullptr).get(), {}, &existing);
      !status.ok()) {
    std::fprintf(stderr, "demo_loader: cannot list programmes at %s: %s\n", target.c_str(),
                 status.error_message().c_str());
    return 1;
  }
  for (const auto& programme : existing.programmes()) {
    if (programme.name() == kDemoProgramme) {
      std::printf("demo_loader: programme '%s' already there\n", kDemoProgramme);
      return 0;
    }
  }
  mv1::CreateProgrammeRequest create;
  auto* programme = create.mutable_programme();
  programme->set_name(kDemoProgramme);
  programme->set_type(common::v1::PROGRAMME_TYPE_ONE_TO_ONE);
  const absl::CivilDay today = absl::ToCivilDay(absl::Now(), absl::UTCTimeZone());
  const absl::CivilDay end = today + 365;
  programme->mutable_start_date()->set_year(static_cast<int>(today.year()));
  programme->mutable_start_date()->set_month(today.month());
  programme->mutable_start_date()->set_day(today.day());
  programme->mutable_end_date()->set_year(static_cast<int>(end.year()));
  programme->mutable_end_date()->set_month(end.month());
  programme->mutable_end_date()->set_day(end.day());
  programme->mutable_policy()->set_min_level_gap(1);
  programme->mutable_policy()->set_max_time_zone_difference_hours(9);
  programme->mutable_policy()->set_extra_seat_cost(5);
  mv1::Programme created;
  if (auto status = stub->CreateProgramme(OutboundContext(absl::Seconds(10), token, nullptr).get(), create, &created);
      !status.ok()) {
    std::fprintf(stderr, "demo_loader: cannot create the programme: %s\n", status.error_message().c_str());
    return 1;
  }
  int mentors = 0, mentees = 0;
  for (const auto& person : people) {
    const bool offers = person.mentoring_profile().expertise_size() > 0;
    const bool wants = person.goals_size() > 0;
    for (auto role : {mv1::PARTICIPANT_ROLE_MENTOR, mv1::PARTICIPANT_ROLE_MENTEE}) {
      if ((role == mv1::PARTICIPANT_ROLE_MENTOR && !offers) || (role == mv1::PARTICIPANT_ROLE_MENTEE && !wants))
        continue;
      mv1::EnrollRequest enroll;
      auto* e = enroll.mutable_enrollment();
      e->set_programme_id(created.programme_id());
      e->set_person_id(person.person_id());
      e->set_role(role);
      e->set_consent(true);
      e->set_hours_per_month(std::max(1, person.mentoring_profile().capacity().hours_per_month()));
      mv1::Enrollment out;
      auto status = UntilKnown(
          [&] { return stub->Enroll(OutboundContext(absl::Seconds(10), token, nullptr).get(), enroll, &out); });
      if (!status.ok()) {
        std::fprintf(stderr, "demo_loader: cannot enroll %s: %s\n", person.person_id().c_str(),
                     status.error_message().c_str());
        return 1;
      }
      (role == mv1::PARTICIPANT_ROLE_MENTOR ? mentors : mentees)++;
    }
  }
  mv1::RunCohortMatchingRequest run;
  run.set_programme_id(created.programme_id());
  mv1::MatchDraft draft;
  if (auto status = stub->RunCohortMatching(OutboundContext(absl::Seconds(60), token, nullptr).get(), run, &draft);
      !status.ok()) {
    std::fprintf(stderr, "demo_loader: cohort matching failed: %s\n", status.error_message().c_str());
    return 1;
  }
  mv1::PublishDraftRequest publish;
  publish.set_draft_id(draft.draft_id());
  publish.set_expected_version(draft.version());
  mv1::MatchDraft published;
  if (auto status = stub->PublishDraft(OutboundContext(absl::Seconds(30), token, nullptr).get(), publish, &published);
      !status.ok()) {
    std::fprintf(stderr, "demo_loader: publishing the draft failed: %s\n", status.error_message().c_str());
    return 1;
  }
  constexpr int kLeftProposed = 2;
  int accepted = 0;
  for (int i = 0; i + kLeftProposed < published.relationship_ids_size(); ++i) {
    if (auto status = AcceptAsBoth(*stub, signer, token, published.relationship_ids(i)); !status.ok()) {
      std::fprintf(stderr, "demo_loader: accepting relationship %s failed: %s\n", published.relationship_ids(i).c_str(),
                   status.error_message().c_str());
      return 1;
    }
    ++accepted;
  }
  std::printf(
      "demo_loader: programme '%s': %d mentors, %d mentees enrolled; %d matched (optimal: %s), %d unmatched; %d "
      "agreements accepted by both (their meetings are planned), the rest proposed\n",
      kDemoProgramme, mentors, mentees, published.pairs_size(), draft.stats().proven_optimal() ? "yes" : "no",
      published.unmatched_size(), accepted);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Config config = Config::FromProcess("DEMO", argc, argv);
  const std::string target = config.String("TARGET", "127.0.0.1:50061");
  const std::string file = config.RequiredString("FILE");
  const std::string secret_file = config.RequiredString("SECRET_FILE");
  const std::string matching_target = config.String("MATCHING_TARGET", "");
  if (auto status = config.Check(); !status.ok()) {
    std::fprintf(stderr, "demo_loader: %s\n", std::string(status.message()).c_str());
    return 2;
  }
  auto secret = ReadSecretFile(secret_file);
  if (!secret.ok()) {
    std::fprintf(stderr, "demo_loader: %s\n", std::string(secret.status().message()).c_str());
    return 2;
  }
  const InternalTokenSigner signer({.secret = *secret}, SystemClock::Instance());
  auto token = signer.Sign({"demo-loader", {roles::kService, roles::kHrIntegration, roles::kProgrammeAdmin}});
  if (!token.ok()) {
    std::fprintf(stderr, "demo_loader: %s\n", token.status().ToString().c_str());
    return 1;
  }
  auto stub = profiles::v1::ProfilesService::NewStub(grpc::CreateChannel(target, grpc::InsecureChannelCredentials()));

  // Who is there already, by HR id (the streaming list, as a read model would use it).
  std::map<std::string, std::string> person_by_hr_id;
  std::vector<profiles::v1::Person> loaded;  // everyone in the file, as profiles has them
  {
    auto ctx = OutboundContext(absl::Seconds(60), *token, nullptr);
    profiles::v1::ListPeopleRequest request;
    request.set_include_departed(true);
    auto reader = stub->ListPeople(ctx.get(), request);
    profiles::v1::Person person;
    while (reader->Read(&person)) person_by_hr_id[person.hr_employee_id()] = person.person_id();
    if (auto status = reader->Finish(); !status.ok()) {
      std::fprintf(stderr, "demo_loader: cannot list people at %s: %s\n", target.c_str(),
                   status.error_message().c_str());
      return 1;
    }
  }

  std::ifstream in(file);
  if (!in) {
    std::fprintf(stderr, "demo_loader: cannot read %s\n", file.c_str());
    return 2;
  }
  int created = 0;
  int kept = 0;
  int line_number = 0;
  std::string line;
  while (std::getline(in, line)) {
    ++line_number;
    if (line.empty()) continue;
    profiles::v1::CreatePersonRequest request;
    auto parsed = google::protobuf::util::JsonStringToMessage(line, request.mutable_person());
    if (!parsed.ok()) {
      std::fprintf(stderr, "demo_loader: %s:%d: %s\n", file.c_str(), line_number, parsed.ToString().c_str());
      return 1;
    }
    auto* person = request.mutable_person();
    if (auto there = person_by_hr_id.find(person->hr_employee_id()); there != person_by_hr_id.end()) {
      ++kept;
      profiles::v1::Person known = *person;
      known.set_person_id(there->second);
      loaded.push_back(std::move(known));
      continue;
    }
    if (!person->manager_id().empty()) {
      auto manager = person_by_hr_id.find(person->manager_id());
      if (manager == person_by_hr_id.end()) {
        std::fprintf(stderr, "demo_loader: %s:%d: manager %s is not loaded before this person\n", file.c_str(),
                     line_number, person->manager_id().c_str());
        return 1;
      }
      person->set_manager_id(manager->second);
    }
    profiles::v1::Person response;
    auto ctx = OutboundContext(absl::Seconds(10), *token, nullptr);
    auto status = stub->CreatePerson(ctx.get(), request, &response);
    if (!status.ok()) {
      std::fprintf(stderr, "demo_loader: %s:%d: %s\n", file.c_str(), line_number, status.error_message().c_str());
      return 1;
    }
    person_by_hr_id[response.hr_employee_id()] = response.person_id();
    loaded.push_back(std::move(response));
    ++created;
  }
  std::printf("demo_loader: %d people created, %d already there\n", created, kept);
  return matching_target.empty() ? 0 : LoadDemoProgramme(matching_target, signer, *token, loaded);
}
