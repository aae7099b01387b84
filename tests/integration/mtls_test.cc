// Mutual TLS between the gateway and the services, with certificates generated here by
// openssl: a request through the gateway still round-trips, and the services refuse a
// plaintext caller, a caller without a certificate, and one whose certificate another CA
// signed. The option is off by default (docs/operations.md says when to turn it on).
#include <absl/strings/str_cat.h>
#include <gtest/gtest.h>

#include <boost/beast/http.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "gateway_client.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "harness.h"

namespace mentoring::testing {
namespace {

namespace http = boost::beast::http;

// Runs an openssl command line in `dir`; its output goes to dir/openssl.log.
absl::Status OpenSsl(const std::string& dir, const std::string& arguments) {
  const std::string command = absl::StrCat("cd '", dir, "' && openssl ", arguments, " >>openssl.log 2>&1");
  if (std::system(command.c_str()) != 0) return absl::InternalError("openssl failed: " + arguments);
  return absl::OkStatus();
}

// A CA, and a certificate it signs for `name` (usable by servers and clients on this host).
absl::Status IssueCertificates(const std::string& dir, const std::string& ca, const std::string& name) {
  if (!std::filesystem::exists(dir + "/" + ca + ".pem")) {
    if (auto s = OpenSsl(dir, absl::StrCat("req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=", ca, " -keyout ", ca,
                                           ".key -out ", ca, ".pem"));
        !s.ok()) {
      return s;
    }
  }
  std::ofstream(dir + "/" + name + ".ext") << "subjectAltName=DNS:localhost,IP:127.0.0.1\n"
                                           << "extendedKeyUsage=serverAuth,clientAuth\n";
  if (auto s = OpenSsl(dir, absl::StrCat("req -newkey rsa:2048 -nodes -subj /CN=", name, " -keyout ", name,
                                         ".key -out ", name, ".csr"));
      !s.ok()) {
    return s;
  }
  return OpenSsl(dir, absl::StrCat("x509 -req -in ", name, ".csr -CA ", ca, ".pem -CAkey ", ca, ".key -CAcreateserial",
                                   " -days 1 -extfile ", name, ".ext -out ", name, ".pem"));
}

TlsFiles Issued(const std::string& dir, const std::string& name) {
  return {dir + "/" + name + ".pem", dir + "/" + name + ".key", dir + "/ca.pem", ""};
}

// `prefix`: PROFILES_TLS for a service, GATEWAY_UPSTREAM_TLS for the gateway.
std::map<std::string, std::string> WithTls(std::map<std::string, std::string> env, const std::string& prefix,
                                           const std::string& dir, const std::string& name) {
  const TlsFiles files = Issued(dir, name);
  env[prefix + "_CERT_FILE"] = files.cert_file;
  env[prefix + "_KEY_FILE"] = files.key_file;
  env[prefix + "_CA_FILE"] = files.ca_file;
  return env;
}

bool HealthCheckPasses(const std::shared_ptr<grpc::Channel>& channel) {
  auto stub = grpc::health::v1::Health::NewStub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(3)));
  grpc::health::v1::HealthCheckRequest request;
  grpc::health::v1::HealthCheckResponse response;
  return stub->Check(&ctx, request, &response).ok();
}

class MutualTlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    char dir_template[] = "/tmp/mentoring-mtls-XXXXXX";
    dir_ = mkdtemp(dir_template);
    started_ = IssueCertificates(dir_, "ca", "services");
    if (started_.ok()) started_ = IssueCertificates(dir_, "ca", "gateway");
    if (started_.ok()) started_ = IssueCertificates(dir_, "rogue-ca", "rogue");
    if (!started_.ok()) return;
    profiles_db_ = new ScratchDatabase("tlsprof");
    matching_db_ = new ScratchDatabase("tlsmatch");
    evaluation_db_ = new ScratchDatabase("tlseval");
    profiles_ = new ServiceProcess(
        ServiceBinary("profiles"),
        WithTls(ServiceEnv("profiles", {{"DATABASE_URL", profiles_db_->url()}}), "PROFILES_TLS", dir_, "services"));
    profiles_->UseTls(Issued(dir_, "services"));
    started_ = profiles_->Start();
    if (!started_.ok()) return;
    const std::string profiles_addr = absl::StrCat("127.0.0.1:", profiles_->grpc_port());
    matching_ = new ServiceProcess(
        ServiceBinary("matching"),
        WithTls(ServiceEnv("matching", {{"DATABASE_URL", matching_db_->url()}, {"PROFILES_ADDR", profiles_addr}}),
                "MATCHING_TLS", dir_, "services"));
    matching_->UseTls(Issued(dir_, "services"));
    started_ = matching_->Start();
    if (!started_.ok()) return;
    evaluation_ = new ServiceProcess(
        ServiceBinary("evaluation"),
        WithTls(ServiceEnv("evaluation", {{"DATABASE_URL", evaluation_db_->url()}, {"PROFILES_ADDR", profiles_addr}}),
                "EVALUATION_TLS", dir_, "services"));
    evaluation_->UseTls(Issued(dir_, "services"));
    started_ = evaluation_->Start();
    if (!started_.ok()) return;
    gateway_ = new ServiceProcess(
        ServiceBinary("gateway"),
        WithTls(ServiceEnv("gateway", {{"PROFILES_ADDR", profiles_addr},
                                       {"MATCHING_ADDR", absl::StrCat("127.0.0.1:", matching_->grpc_port())},
                                       {"EVALUATION_ADDR", absl::StrCat("127.0.0.1:", evaluation_->grpc_port())},
                                       // Not called in this test: scheduling's routes are not exercised.
                                       {"SCHEDULING_ADDR", "127.0.0.1:9"},
                                       {"JWT_HS256_SECRET", kGatewayJwtSecret}}),
                "GATEWAY_UPSTREAM_TLS", dir_, "gateway"));
    started_ = gateway_->Start();
  }
  static void TearDownTestSuite() {
    delete gateway_;
    delete evaluation_;
    delete matching_;
    delete profiles_;
    delete evaluation_db_;
    delete matching_db_;
    delete profiles_db_;
    std::filesystem::remove_all(dir_);
  }
  void SetUp() override { ASSERT_TRUE(started_.ok()) << started_; }

  static std::shared_ptr<grpc::Channel> ChannelWith(const std::string& name) {
    return *ChannelTo(absl::StrCat("127.0.0.1:", profiles_->grpc_port()), Issued(dir_, name));
  }

  static inline std::string dir_;
  static inline absl::Status started_;
  static inline ScratchDatabase* profiles_db_ = nullptr;
  static inline ScratchDatabase* matching_db_ = nullptr;
  static inline ScratchDatabase* evaluation_db_ = nullptr;
  static inline ServiceProcess* profiles_ = nullptr;
  static inline ServiceProcess* matching_ = nullptr;
  static inline ServiceProcess* evaluation_ = nullptr;
  static inline ServiceProcess* gateway_ = nullptr;
};

TEST_F(MutualTlsTest, RequestsThroughTheGatewayRoundTripOverMutualTls) {
  const std::string admin = UserToken("tls-admin", R"(["programme_admin"])");
  const Reply created = Call(gateway_->http_port(), http::verb::post, "/v1/people", R"({
      "hrEmployeeId": "tls-1", "displayName": "Ada Tls", "email": "ada.tls@example.com",
      "careerLevel": 4, "timeZone": "Europe/London"})",
                             admin);
  ASSERT_EQ(created.status, 200) << created.body;
  const std::string id = created.json.fields().at("personId").string_value();
  const Reply read = Call(gateway_->http_port(), http::verb::get, "/v1/people/" + id, "", admin);
  ASSERT_EQ(read.status, 200) << read.body;
  EXPECT_EQ(read.json.fields().at("displayName").string_value(), "Ada Tls");
  // Matching reached profiles over mutual TLS too (its directory load), and answers.
  EXPECT_EQ(Call(gateway_->http_port(), http::verb::get, "/v1/programmes", "", admin).status, 200);
}

TEST_F(MutualTlsTest, TheServicesRefuseCallersWithoutACertificateTheirCaSigned) {
  EXPECT_TRUE(HealthCheckPasses(ChannelWith("gateway")));
  // Plaintext.
  EXPECT_FALSE(HealthCheckPasses(
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", profiles_->grpc_port()), grpc::InsecureChannelCredentials())));
  // TLS, trusting the server, but presenting no certificate.
  std::stringstream ca;
  ca << std::ifstream(dir_ + "/ca.pem").rdbuf();
  grpc::SslCredentialsOptions anonymous;
  anonymous.pem_root_certs = ca.str();
  EXPECT_FALSE(HealthCheckPasses(
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", profiles_->grpc_port()), grpc::SslCredentials(anonymous))));
  // A certificate from another CA.
  TlsFiles rogue = Issued(dir_, "rogue");  // trusts our CA, but rogue-ca signed its certificate
  EXPECT_FALSE(HealthCheckPasses(*ChannelTo(absl::StrCat("127.0.0.1:", profiles_->grpc_port()), rogue)));
}

}  // namespace
}  // namespace mentoring::testing
