// Loads a demo organisation into a running profiles service, so a new engineer sees a
// populated suite after the first command. Each line of the file is a
// mentoring.profiles.v1.Person in protobuf JSON, except that managerId holds the
// manager's HR employee id (managers come before their reports). Safe to run again:
// people already there (by HR id) are left as they are.
//
// Usage: demo_loader --target=127.0.0.1:50061 --file=deploy/demo/people.jsonl
//                    --secret-file=.stack/services/internal-token.secret
#include <google/protobuf/util/json_util.h>
#include <grpcpp/grpcpp.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "mentoring/profiles/v1/profiles.grpc.pb.h"
#include "mentoring/runtime/config.h"
#include "mentoring/runtime/identity.h"
#include "mentoring/runtime/server.h"

namespace {

using namespace mentoring;

}  // namespace

int main(int argc, char** argv) {
  Config config = Config::FromProcess("DEMO", argc, argv);
  const std::string target = config.String("TARGET", "127.0.0.1:50061");
  const std::string file = config.RequiredString("FILE");
  const std::string secret_file = config.RequiredString("SECRET_FILE");
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
  auto token = signer.Sign({"demo-loader", {roles::kService, roles::kHrIntegration}});
  if (!token.ok()) {
    std::fprintf(stderr, "demo_loader: %s\n", token.status().ToString().c_str());
    return 1;
  }
  auto stub = profiles::v1::ProfilesService::NewStub(grpc::CreateChannel(target, grpc::InsecureChannelCredentials()));

  // Who is there already, by HR id (the streaming list, as a read model would use it).
  std::map<std::string, std::string> person_by_hr_id;
  {
    auto ctx = OutboundContext(absl::Seconds(60), *token, nullptr);
    profiles::v1::ListPeopleRequest request;
    request.set_include_departed(true);
    auto reader = stub->ListPeople(ctx.get(), request);
    profiles::v1::Person person;
    while (reader->Read(&person)) person_by_hr_id[person.hr_employee_id()] = person.person_id();
    if (auto status = reader->Finish(); !status.ok()) {
      std::fprintf(stderr, "demo_loader: cannot list people at %s: %s\n", target.c_str(), status.error_message().c_str());
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
    if (person_by_hr_id.contains(person->hr_employee_id())) {
      ++kept;
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
    ++created;
  }
  std::printf("demo_loader: %d people created, %d already there\n", created, kept);
  return 0;
}
