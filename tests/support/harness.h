#pragma once
// What integration and fault tests share: the real stack's addresses (from the env file
// deploy/stack.sh writes), scratch databases, a real service process, signed callers,
// a Kafka event collector, and control over the shared servers for fault injection.
#include <absl/status/statusor.h>
#include <absl/time/time.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <sys/types.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "mentoring/events/v1/envelope.pb.h"
#include "mentoring/profiles/v1/profiles.grpc.pb.h"
#include "mentoring/runtime/identity.h"
#include "mentoring/runtime/tls.h"

namespace mentoring::testing {

inline constexpr char kTestTokenSecret[] = "integration-test-secret-0123456789abcdef";

// The env file of the running stack. Fails the test (never skips) when it is missing.
const std::map<std::string, std::string>& StackEnv();
std::string StackValue(const std::string& key);

// A fresh database on the stack's PostgreSQL, dropped on destruction.
class ScratchDatabase {
 public:
  explicit ScratchDatabase(const std::string& prefix);
  ~ScratchDatabase();
  const std::string& url() const { return url_; }
  const std::string& name() const { return name_; }

 private:
  std::string name_;
  std::string url_;
};

// Runs one SQL statement on `url` and returns the first column of every row.
std::vector<std::string> Query(const std::string& url, const std::string& sql);

// The profiles service as a real child process on free ports.
class ServiceProcess {
 public:
  ServiceProcess(std::string binary, std::map<std::string, std::string> env);
  ~ServiceProcess();  // SIGKILL if still running

  absl::Status Start(absl::Duration timeout = absl::Seconds(30));
  void Signal(int signal);
  // Waits for exit; returns the exit code, or 128+signal when killed by one.
  int Wait(absl::Duration timeout = absl::Seconds(30));
  bool running();
  int grpc_port() const { return grpc_port_; }
  int admin_port() const { return admin_port_; }
  int http_port() const { return http_port_; }  // the gateway's HTTP port (0 for services)
  // Calls to it (readiness included) go over mutual TLS with these files, for a service
  // started with TLS. Set before Start.
  void UseTls(TlsFiles client) { client_tls_ = std::move(client); }
  std::shared_ptr<grpc::Channel> channel() const;
  std::string log() const;  // its stderr so far
  pid_t pid() const { return pid_; }

 private:
  std::string binary_;
  std::map<std::string, std::string> env_;
  std::string dir_;
  pid_t pid_ = -1;
  int grpc_port_ = 0;
  int admin_port_ = 0;
  int http_port_ = 0;
  int exit_code_ = -1;
  TlsFiles client_tls_;
};

// The profiles service with a scratch database and the stack's Redis and Kafka.
std::map<std::string, std::string> ProfilesEnv(const std::string& database_url);
std::string ProfilesBinary();
// The matching service, reading facts from the profiles service at `profiles_addr`.
std::map<std::string, std::string> MatchingEnv(const std::string& database_url, const std::string& profiles_addr);
std::string MatchingBinary();
// The gateway in front of them; end-user tokens are HS256 with `jwt_secret`, issuer
// "test-idp", audience "mentoring".
std::map<std::string, std::string> GatewayEnv(const std::string& profiles_addr, const std::string& matching_addr,
                                              const std::string& jwt_secret);
std::string GatewayBinary();

// A client context carrying a signed internal token for `caller` and a 10 s deadline.
std::unique_ptr<grpc::ClientContext> ContextAs(const Caller& caller, absl::Duration deadline = absl::Seconds(10));
Caller ServiceCaller();
Caller HrCaller();

// A valid person with a unique HR id.
profiles::v1::Person SamplePerson(const std::string& tag);

// Reads a topic from the offsets it had at construction, collecting decoded envelopes.
class EventCollector {
 public:
  explicit EventCollector(const std::string& topic);
  ~EventCollector();
  // Polls until `done(all collected so far)` or the timeout; returns what it collected.
  std::vector<events::v1::EventEnvelope> CollectUntil(
      const std::function<bool(const std::vector<events::v1::EventEnvelope>&)>& done, absl::Duration timeout);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// One profiles service process and scratch database shared by every test of a suite.
// A failure to start fails every test of the suite (gtest would otherwise report them as
// skipped, which must never pass for a green run).
class ProfilesServiceSuite : public ::testing::Test {
 protected:
  static void SetUpTestSuite();
  static void TearDownTestSuite();
  void SetUp() override { ASSERT_TRUE(started_.ok()) << started_; }

  static inline absl::Status started_;

  static inline ScratchDatabase* db_ = nullptr;
  static inline ServiceProcess* service_ = nullptr;
  static inline profiles::v1::ProfilesService::Stub* stub_ = nullptr;
};

// Stops or starts one of the stack's servers ("postgres", "redis", "kafka") via deploy/stack.sh.
void StackControl(const std::string& verb, const std::string& component);

// GET http://127.0.0.1:port/path; returns the body.
std::string HttpGet(int port, const std::string& path);
// The value of a Prometheus sample line starting with `series` (e.g. 'name{label="x"}').
double MetricValue(const std::string& exposition, const std::string& series);

}  // namespace mentoring::testing
