#pragma once
// The gateway seen from outside, for integration tests: one HTTP call, an end-user token as
// an identity provider would sign it, and the real stack behind it (fresh databases, the
// profiles and matching services, and the gateway in front of them, as child processes).
#include <absl/status/status.h>
#include <google/protobuf/struct.pb.h>
#include <gtest/gtest.h>

#include <boost/beast/http/verb.hpp>
#include <functional>
#include <map>
#include <string>

#include "harness.h"

namespace mentoring::testing {

// The HS256 secret of the end-user tokens the test gateway accepts (issuer "test-idp",
// audience "mentoring").
inline constexpr char kGatewayJwtSecret[] = "gateway-test-user-jwt-secret-0123456789";

struct Reply {
  int status = 0;  // -1 when no answer could be read
  std::string body;
  std::string request_id;
  std::string www_authenticate;
  std::string retry_after;
  std::string etag;
  std::string content_type;
  std::string allow;              // a 405's Allow header
  google::protobuf::Struct json;  // the body, when it is a JSON object
};

// One request on a fresh connection to 127.0.0.1:port. A non-empty body is sent with
// `content_type` (JSON unless said otherwise, e.g. "text/csv" for an upload).
Reply Call(int port, boost::beast::http::verb verb, const std::string& target, const std::string& body = "",
           const std::string& bearer = "", const std::string& if_match = "", const std::string& idempotency_key = "",
           const std::string& content_type = "application/json",
           const std::map<std::string, std::string>& headers = {});

// A user's token as an identity provider would issue it (HS256 with kGatewayJwtSecret, valid
// for ten minutes); roles_json is a JSON array, e.g. R"(["employee"])".
std::string UserToken(const std::string& subject, const std::string& roles_json);

// A field of the error body ({"error": {...}}); empty when there is none.
std::string FieldOf(const google::protobuf::Struct& json, const std::string& key);

// Profiles, matching, scheduling, evaluation and the gateway on scratch databases and the
// stack's Redis and Kafka (scheduling and evaluation on the test clock: AdvanceClock).
// `gateway_env` overrides the gateway's settings (e.g. GATEWAY_RATE_LIMIT_PER_MINUTE).
//
// `before_matching`, when given, runs with the gateway already serving (on the port it is
// given) and before matching starts, on a port reserved for it: people created then reach
// matching's read model by its initial load at once. People created later reach it through
// profile events, behind the last minutes of the shared Kafka's traffic that a new matching
// replays first (tens of thousands of other tests' events, a minute or more).
class GatewayStack {
 public:
  GatewayStack() = default;
  ~GatewayStack();
  GatewayStack(const GatewayStack&) = delete;
  GatewayStack& operator=(const GatewayStack&) = delete;

  absl::Status Start(const std::map<std::string, std::string>& gateway_env = {},
                     const std::function<absl::Status(int gateway_port)>& before_matching = nullptr);
  int port() const { return gateway_ != nullptr ? gateway_->http_port() : 0; }
  const ScratchDatabase& profiles_db() const { return *profiles_db_; }
  const ScratchDatabase& matching_db() const { return *matching_db_; }
  const ScratchDatabase& scheduling_db() const { return *scheduling_db_; }
  const ScratchDatabase& evaluation_db() const { return *evaluation_db_; }
  ServiceProcess& profiles() { return *profiles_; }
  ServiceProcess& matching() { return *matching_; }
  ServiceProcess& scheduling() { return *scheduling_; }
  ServiceProcess& evaluation() { return *evaluation_; }
  ServiceProcess& gateway() { return *gateway_; }

 private:
  ScratchDatabase* profiles_db_ = nullptr;
  ScratchDatabase* matching_db_ = nullptr;
  ScratchDatabase* scheduling_db_ = nullptr;
  ScratchDatabase* evaluation_db_ = nullptr;
  ServiceProcess* profiles_ = nullptr;
  ServiceProcess* matching_ = nullptr;
  ServiceProcess* scheduling_ = nullptr;
  ServiceProcess* evaluation_ = nullptr;
  ServiceProcess* gateway_ = nullptr;
};

// A test suite whose tests share one GatewayStack, started before the first of them.
class GatewayStackSuite : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    stack_ = new GatewayStack();
    started_ = stack_->Start();
  }
  static void TearDownTestSuite() {
    delete stack_;
    stack_ = nullptr;
  }
  void SetUp() override { ASSERT_TRUE(started_.ok()) << started_; }
  static int Port() { return stack_->port(); }

  static inline absl::Status started_;
  static inline GatewayStack* stack_ = nullptr;
};

}  // namespace mentoring::testing
