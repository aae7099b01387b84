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

// Each test process has topics of its own ("test.<pid>.<random>.<producer>.v1" for every
// producer of the suite), made at its first ServiceEnv or EventCollector and deleted when it
// exits: the services it starts neither see a demo suite's events nor another test's (a
// fresh consumer group reading a shared topic from its start would wade through every
// earlier test's events), and the test process itself reads and writes the same topics.
const std::string& TestTopicNamespace();
// Makes this process's topics now (a test that publishes through an outbox relay of its own).
void EnsureTestTopics();

// The binary of a service ("profiles", "matching", "gateway", ...).
std::string ServiceBinary(const std::string& service);
// The environment that starts `service` for a test: what every test service gets (the test
// token secret, ports picked by the kernel, the stack's Kafka and Redis where it uses them,
// the test topics, a consumer group of its own) and `settings`, given without the service's
// prefix (DATABASE_URL, PROFILES_ADDR, ...). What each service needs is a row of data in
// harness.cc, not a function per service. The gateway's end-user tokens are HS256 with
// JWT_HS256_SECRET, issuer "test-idp", audience "mentoring".
std::map<std::string, std::string> ServiceEnv(const std::string& service, std::map<std::string, std::string> settings);

// A client context carrying a signed internal token for `caller` and a 10 s deadline.
std::unique_ptr<grpc::ClientContext> ContextAs(const Caller& caller, absl::Duration deadline = absl::Seconds(10));
Caller ServiceCaller();
Caller HrCaller();

// Moves the clock of a service started with TEST_CLOCK=true forward by `by` (its grace
// periods pass, meetings start) and returns the service's new "now".
absl::StatusOr<absl::Time> AdvanceClock(const ServiceProcess& service, absl::Duration by);

// A valid person with a unique HR id.
profiles::v1::Person SamplePerson(const std::string& tag);
// A sample person who takes part in mentoring (consent, both roles, video, three mentees,
// Wednesday 09:00-12:00 free): `goals` as a mentee (each with a private description naming
// `tag`), `offers` as a mentor, in London at `level`.
profiles::v1::Person MentoringPerson(const std::string& tag, int level, const std::vector<common::v1::FocusArea>& goals,
                                     const std::vector<common::v1::FocusArea>& offers);

// Waits until matching's published people snapshot holds every change its people table
// holds now: recommendations read that snapshot, which follows the table a moment later
// (services/matching/src/directory.h). False when it did not within `limit`.
bool WaitForMatchingSnapshot(const ServiceProcess& matching, const std::string& matching_db_url,
                             absl::Duration limit = absl::Seconds(60));

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

// Runs tests/python/<script> with the stack's pinned Python (PYTHON in stack.env, made by
// deploy/install.sh) and `args`; returns what it printed. An error when it cannot start or
// exits non-zero (its stderr goes to the test's).
absl::StatusOr<std::string> RunTestPython(const std::string& script, const std::vector<std::string>& args);

// Polls `ready` until it holds or `bound` passes; whether it held. The bound is a liveness
// bound for a loaded 2-core machine, not a performance claim.
bool Eventually(const std::function<bool()>& ready, absl::Duration bound = absl::Seconds(60));

// GET http://127.0.0.1:port/path; returns the body.
std::string HttpGet(int port, const std::string& path);
// The value of a Prometheus sample line starting with `series` (e.g. 'name{label="x"}').
double MetricValue(const std::string& exposition, const std::string& series);

}  // namespace mentoring::testing
