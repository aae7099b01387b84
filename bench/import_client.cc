// Streams a synthetic HR export of --rows people (a reporting tree ten wide, every column
// filled) into ProfilesService/ImportPeople, generating it on the fly so the client's
// memory stays flat, and prints the elapsed time and the report.
//
// A nightly sync re-sends everyone with a few people changed: --round=N (N >= 1) changes
// every --change-every-th row (title and manager, a reorganisation that stays a tree),
// the same rows in each round to values of that round, so each round updates exactly
// those rows whatever ran before it. --full-sync=true marks the import a full sync.
//
// --file=PATH streams that CSV export instead (bench/churn.sh's reorganisation).
//
// Usage: import_client --target=127.0.0.1:50061 --secret-file=FILE --rows=100000 [--seed=1]
//        [--round=0] [--change-every=100] [--full-sync=false] [--file=PATH]
#include <absl/strings/str_cat.h>
#include <grpcpp/grpcpp.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "mentoring/profiles/v1/profiles.grpc.pb.h"
#include "mentoring/runtime/config.h"
#include "mentoring/runtime/identity.h"
#include "mentoring/runtime/server.h"

int main(int argc, char** argv) {
  using namespace mentoring;
  Config config = Config::FromProcess("IMPORT", argc, argv);
  const std::string target = config.String("TARGET", "127.0.0.1:50061");
  const std::string secret_file = config.RequiredString("SECRET_FILE");
  const int64_t rows = config.Int("ROWS", 100000, 1, 10000000);
  const int64_t seed = config.Int("SEED", 1, 0, 1000000);
  const int64_t round = config.Int("ROUND", 0, 0, 1000000);
  const int64_t change_every = config.Int("CHANGE_EVERY", 100, 1, 10000000);
  const bool full_sync = config.Bool("FULL_SYNC", false);
  const std::string file = config.String("FILE", "");
  if (auto status = config.Check(); !status.ok()) {
    std::fprintf(stderr, "import_client: %s\n", std::string(status.message()).c_str());
    return 2;
  }
  auto secret = ReadSecretFile(secret_file);
  if (!secret.ok()) {
    std::fprintf(stderr, "import_client: %s\n", std::string(secret.status().message()).c_str());
    return 2;
  }
  auto token = InternalTokenSigner({.secret = *secret, .lifetime = absl::Hours(1)}, SystemClock::Instance())
                   .Sign({"import-bench", {roles::kHrIntegration}});
  auto stub = profiles::v1::ProfilesService::NewStub(grpc::CreateChannel(target, grpc::InsecureChannelCredentials()));
  auto ctx = OutboundContext(absl::Minutes(30), *token, nullptr);
  profiles::v1::ImportReport report;
  const absl::Time start = absl::Now();
  auto writer = stub->ImportPeople(ctx.get(), &report);
  profiles::v1::ImportPeopleChunk chunk;
  chunk.mutable_options()->set_format(profiles::v1::IMPORT_FORMAT_CSV);
  chunk.mutable_options()->set_source("import-bench");
  chunk.mutable_options()->set_full_sync(full_sync);
  writer->Write(chunk);
  static const char* kZones[] = {"Europe/London", "Europe/Berlin", "America/New_York", "Asia/Singapore"};
  static const char* kDepartments[] = {"Engineering", "Sales", "Finance", "People", "Product"};
  std::string data =
      "employee_id,manager_id,first_name,last_name,email,level,time_zone,status,title,department,"
      "location,languages\n";
  if (!file.empty()) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "import_client: cannot read %s\n", file.c_str());
      return 2;
    }
    std::string buffer(64 * 1024, '\0');
    data.clear();
    while (in.read(buffer.data(), static_cast<std::streamsize>(buffer.size())) || in.gcount() > 0) {
      chunk.set_data(buffer.data(), static_cast<size_t>(in.gcount()));
      if (!writer->Write(chunk)) break;
    }
  }
  for (int64_t i = 0; file.empty() && i < rows; ++i) {
    const std::string id = absl::StrCat("S", seed, "-", i);
    // Every manager comes earlier than their reports, so any choice below stays a tree.
    int64_t manager_index = (i - 1) / 10;
    std::string title = absl::StrCat("Engineer ", i % 7);
    if (round > 0 && i > 0 && i % change_every == 0) {
      manager_index = (manager_index + round) % i;
      title = absl::StrCat("Engineer ", i % 7, " (round ", round, ")");
    }
    const std::string manager = i == 0 ? "" : absl::StrCat("S", seed, "-", manager_index);
    absl::StrAppend(&data, id, ",", manager, ",First", i, ",Last", i, ",person", i, ".s", seed, "@example.com,",
                    1 + (i % 15), ",", kZones[i % 4], ",active,", title, ",", kDepartments[i % 5], ",City ", i % 50,
                    ",en;de\n");
    if (data.size() >= 64 * 1024) {
      chunk.set_data(data);
      if (!writer->Write(chunk)) break;
      data.clear();
    }
  }
  if (!data.empty()) {
    chunk.set_data(data);
    writer->Write(chunk);
  }
  writer->WritesDone();
  const auto status = writer->Finish();
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  if (!status.ok()) {
    std::fprintf(stderr, "import_client: %s\n", status.error_message().c_str());
    return 1;
  }
  const int64_t sent = file.empty() ? rows : report.created() + report.updated() + report.unchanged() + report.failed();
  std::printf(
      "rows=%ld seconds=%.2f rows_per_s=%.0f created=%ld updated=%ld unchanged=%ld deactivated=%ld failed=%ld\n",
      static_cast<long>(sent), seconds, static_cast<double>(sent) / seconds, static_cast<long>(report.created()),
      static_cast<long>(report.updated()), static_cast<long>(report.unchanged()),
      static_cast<long>(report.deactivated()), static_cast<long>(report.failed()));
  return report.failed() == 0 ? 0 : 1;
}
