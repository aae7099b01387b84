#include "harness.h"

#include <absl/random/random.h>
#include <absl/strings/ascii.h>
#include <absl/strings/match.h>
#include <absl/strings/numbers.h>
#include <absl/strings/str_cat.h>
#include <absl/strings/str_split.h>
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <librdkafka/rdkafka.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcntl.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "grpc/health/v1/health.grpc.pb.h"
#include "mentoring/runtime/config.h"
#include "mentoring/runtime/events.h"
#include "mentoring/runtime/kafka.h"
#include "mentoring/runtime/v1/test_clock.grpc.pb.h"

namespace mentoring::testing {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string RandomSuffix() {
  thread_local absl::BitGen gen;
  return absl::StrCat(absl::Uniform<uint32_t>(gen));
}

std::string AdminUrl() {
  return absl::StrCat("postgresql://", StackValue("PG_USER"), "@", StackValue("PG_HOST"), ":", StackValue("PG_PORT"),
                      "/postgres");
}

}  // namespace

const std::map<std::string, std::string>& StackEnv() {
  static const std::map<std::string, std::string> env = [] {
    const char* override_path = std::getenv("MENTORING_STACK_ENV");
    const std::string path = override_path ? override_path : MENTORING_STACK_ENV_DEFAULT;
    const std::string text = ReadFile(path);
    if (text.empty()) {
      ADD_FAILURE() << "no stack env file at " << path << ": start the stack with deploy/stack.sh up";
    }
    return ParseEnvFile(text);
  }();
  return env;
}

std::string StackValue(const std::string& key) {
  auto it = StackEnv().find(key);
  if (it == StackEnv().end()) {
    ADD_FAILURE() << "stack env has no " << key;
    return "";
  }
  return it->second;
}

std::vector<std::string> Query(const std::string& url, const std::string& sql) {
  PGconn* conn = PQconnectdb(url.c_str());
  std::vector<std::string> rows;
  if (PQstatus(conn) != CONNECTION_OK) {
    ADD_FAILURE() << "cannot connect to " << url << ": " << PQerrorMessage(conn);
    PQfinish(conn);
    return rows;
  }
  PGresult* result = PQexec(conn, sql.c_str());
  const auto status = PQresultStatus(result);
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
    ADD_FAILURE() << sql << ": " << PQresultErrorMessage(result);
  } else {
    for (int i = 0; i < PQntuples(result); ++i) rows.emplace_back(PQgetvalue(result, i, 0));
  }
  PQclear(result);
  PQfinish(conn);
  return rows;
}

ScratchDatabase::ScratchDatabase(const std::string& prefix) {
  // Lower case: PostgreSQL folds the unquoted name, and the URL must match it.
  name_ = absl::AsciiStrToLower(absl::StrCat("test_", prefix, "_", getpid(), "_", RandomSuffix()));
  Query(AdminUrl(), "CREATE DATABASE " + name_);
  url_ = absl::StrCat("postgresql://", StackValue("PG_USER"), "@", StackValue("PG_HOST"), ":", StackValue("PG_PORT"),
                      "/", name_);
}

ScratchDatabase::~ScratchDatabase() {
  PGconn* conn = PQconnectdb(AdminUrl().c_str());
  if (PQstatus(conn) == CONNECTION_OK) {
    PQclear(PQexec(conn, ("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)").c_str()));
  }
  PQfinish(conn);
}

ServiceProcess::ServiceProcess(std::string binary, std::map<std::string, std::string> env)
    : binary_(std::move(binary)), env_(std::move(env)) {
  char dir_template[] = "/tmp/mentoring-service-XXXXXX";
  dir_ = mkdtemp(dir_template);
}

ServiceProcess::~ServiceProcess() {
  if (pid_ > 0 && running()) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
}

absl::Status ServiceProcess::Start(absl::Duration timeout) {
  const std::string port_file = dir_ + "/ports";
  std::remove(port_file.c_str());
  const std::string log_file = dir_ + "/stderr.log";
  pid_ = fork();
  if (pid_ == 0) {
    unsetenv("MENTORING_ENV_FILE");
    for (const auto& [key, value] : env_) setenv(key.c_str(), value.c_str(), 1);
    setenv("PORT_FILE", port_file.c_str(), 1);  // every service reads PREFIX_NAME or NAME
    const int fd = ::open(log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    dup2(fd, STDERR_FILENO);
    dup2(fd, STDOUT_FILENO);
    execl(binary_.c_str(), binary_.c_str(), nullptr);
    _exit(127);
  }
  const absl::Time give_up = absl::Now() + timeout;
  while (absl::Now() < give_up) {
    if (!running()) return absl::InternalError("service exited during start:\n" + log());
    const auto vars = ParseEnvFile(ReadFile(port_file));
    if (vars.contains("GRPC_PORT") && absl::SimpleAtoi(vars.at("GRPC_PORT"), &grpc_port_) &&
        absl::SimpleAtoi(vars.at("ADMIN_PORT"), &admin_port_)) {
      if (vars.contains("HTTP_PORT")) absl::SimpleAtoi(vars.at("HTTP_PORT"), &http_port_);
      auto stub = grpc::health::v1::Health::NewStub(channel());
      grpc::health::v1::HealthCheckRequest request;
      grpc::health::v1::HealthCheckResponse response;
      grpc::ClientContext ctx;
      ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(2)));
      if (stub->Check(&ctx, request, &response).ok() &&
          response.status() == grpc::health::v1::HealthCheckResponse::SERVING) {
        return absl::OkStatus();
      }
    }
    absl::SleepFor(absl::Milliseconds(50));
  }
  return absl::DeadlineExceededError("service did not become ready:\n" + log());
}

void ServiceProcess::Signal(int signal) {
  if (pid_ > 0) kill(pid_, signal);
}

bool ServiceProcess::running() {
  if (pid_ <= 0) return false;
  int status = 0;
  const pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    pid_ = -pid_;  // reaped; remember it for Wait
    return false;
  }
  return r == 0;
}

int ServiceProcess::Wait(absl::Duration timeout) {
  const absl::Time give_up = absl::Now() + timeout;
  while (running()) {
    if (absl::Now() > give_up) return -1;
    absl::SleepFor(absl::Milliseconds(20));
  }
  return exit_code_;
}

std::shared_ptr<grpc::Channel> ServiceProcess::channel() const {
  return *ChannelTo(absl::StrCat("127.0.0.1:", grpc_port_), client_tls_);
}

std::string ServiceProcess::log() const { return ReadFile(dir_ + "/stderr.log"); }

namespace {

// Each service the tests start: its binary, whether it needs the stack's Kafka and Redis,
// and the settings a test of it always wants.
struct ServiceUnderTest {
  std::string name;
  std::string binary;
  bool kafka = true;
  bool redis = false;
  std::map<std::string, std::string> defaults;
};

const std::vector<ServiceUnderTest>& ServicesUnderTest() {
  static const std::vector<ServiceUnderTest> services = {
      {.name = "profiles", .binary = PROFILES_SERVICE_BIN, .redis = true},
      {.name = "matching", .binary = MATCHING_SERVICE_BIN},
      {.name = "scheduling", .binary = SCHEDULING_SERVICE_BIN},
      // Tests move its clock (reminders, the undecided path) instead of sleeping.
      {.name = "evaluation", .binary = EVALUATION_SERVICE_BIN, .defaults = {{"TEST_CLOCK", "true"}}},
      {.name = "gateway",
       .binary = GATEWAY_BIN,
       .kafka = false,
       .redis = true,
       .defaults = {{"JWT_ISSUER", "test-idp"},
                    {"JWT_AUDIENCE", "mentoring"},
                    {"HTTP_LISTEN", "127.0.0.1:0"},
                    {"RATE_LIMIT_PER_MINUTE", "20"}}},
  };
  return services;
}

const ServiceUnderTest& Find(const std::string& service) {
  for (const auto& s : ServicesUnderTest()) {
    if (s.name == service) return s;
  }
  ADD_FAILURE() << "the harness knows no service " << service;
  return ServicesUnderTest().front();
}

constexpr const char* kProducers[] = {"profiles", "matching", "scheduling", "evaluation"};

void DeleteTestTopics() {
  auto conf = kafka::MakeConf({{"bootstrap.servers", StackValue("KAFKA_BOOTSTRAP")}});
  if (!conf.ok()) return;
  auto rk = kafka::NewHandle(RD_KAFKA_PRODUCER, std::move(*conf));
  if (!rk.ok()) return;
  std::vector<rd_kafka_DeleteTopic_t*> topics;
  for (const char* producer : kProducers) {
    topics.push_back(rd_kafka_DeleteTopic_new(events::TopicFor(producer).c_str()));
  }
  kafka::QueuePtr queue(rd_kafka_queue_new(rk->get()));
  rd_kafka_DeleteTopics(rk->get(), topics.data(), topics.size(), nullptr, queue.get());
  kafka::EventPtr done(rd_kafka_queue_poll(queue.get(), 10000));
  for (auto* topic : topics) rd_kafka_DeleteTopic_destroy(topic);
}

}  // namespace

// Makes this process's topics once (and their deletion at exit), then waits until the
// broker reports them, so a service's start-up topic check finds them.
void EnsureTestTopics() {
  static std::once_flag once;
  std::call_once(once, [] {
    for (const char* producer : kProducers) {
      const std::string topic = events::TopicFor(producer);
      if (auto created = kafka::CreateTopic(StackValue("KAFKA_BOOTSTRAP"), topic, 3); !created.ok()) {
        ADD_FAILURE() << "cannot create test topic " << topic << ": " << created;
      }
      for (int i = 0; i < 100; ++i) {
        if (kafka::PartitionCount(StackValue("KAFKA_BOOTSTRAP"), topic, absl::Seconds(2)).ok()) break;
        absl::SleepFor(absl::Milliseconds(50));
      }
    }
    std::atexit(DeleteTestTopics);
  });
}

const std::string& TestTopicNamespace() {
  static const std::string name = absl::StrCat("test.", getpid(), ".", RandomSuffix());
  return name;
}

namespace {
// Set before any test names a topic (no broker is touched: the topics come later, lazily).
const bool kTestTopicsNamed = (events::SetTopicNamespace(TestTopicNamespace()), true);
}  // namespace

std::string ServiceBinary(const std::string& service) { return Find(service).binary; }

std::map<std::string, std::string> ServiceEnv(const std::string& service, std::map<std::string, std::string> settings) {
  const ServiceUnderTest& kind = Find(service);
  std::map<std::string, std::string> common = {
      {"INTERNAL_TOKEN_SECRET", kTestTokenSecret},
      {"GRPC_LISTEN", "127.0.0.1:0"},
      {"ADMIN_LISTEN", "127.0.0.1:0"},
      {"LOG_LEVEL", "info"},
      {"KAFKA_TOPIC_NAMESPACE", TestTopicNamespace()},
      {"CONSUMER_GROUP", absl::StrCat(service, "-test-", RandomSuffix())},
  };
  if (kind.kafka) common["KAFKA_BOOTSTRAP"] = StackValue("KAFKA_BOOTSTRAP");
  if (kind.redis) common["REDIS_ADDR"] = StackValue("REDIS_ADDR");
  for (const auto& [key, value] : kind.defaults) common[key] = value;
  for (auto& [key, value] : settings) common[key] = std::move(value);
  // Every setting under the service's prefix (a test may also pass one prefixed already).
  const std::string prefix = absl::AsciiStrToUpper(service) + "_";
  std::map<std::string, std::string> env;
  for (auto& [key, value] : common) env[absl::StartsWith(key, prefix) ? key : prefix + key] = std::move(value);
  if (kind.kafka) EnsureTestTopics();
  (void)kTestTopicsNamed;
  return env;
}

std::unique_ptr<grpc::ClientContext> ContextAs(const Caller& caller, absl::Duration deadline) {
  static const InternalTokenSigner signer({.secret = kTestTokenSecret}, SystemClock::Instance());
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(absl::ToChronoTime(absl::Now() + deadline));
  ctx->AddMetadata(kInternalTokenHeader, *signer.Sign(caller));
  return ctx;
}

Caller ServiceCaller() { return {"test-service", {roles::kService}}; }
Caller HrCaller() { return {"hr-system", {roles::kHrIntegration}}; }

absl::StatusOr<absl::Time> AdvanceClock(const ServiceProcess& service, absl::Duration by) {
  auto stub = runtime::v1::TestClock::NewStub(service.channel());
  runtime::v1::AdvanceClockRequest request;
  request.mutable_by()->set_seconds(absl::ToInt64Seconds(by));
  runtime::v1::ClockTime now;
  const grpc::Status status = stub->Advance(ContextAs(ServiceCaller()).get(), request, &now);
  if (!status.ok()) {
    return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                        "TestClock.Advance (is the service started with TEST_CLOCK=true?): " + status.error_message());
  }
  return absl::FromUnixSeconds(now.now().seconds());
}

profiles::v1::Person SamplePerson(const std::string& tag) {
  profiles::v1::Person p;
  p.set_hr_employee_id(absl::StrCat("T-", tag, "-", RandomSuffix()));
  p.set_display_name("Sample Person " + tag);
  p.set_email("sample." + tag + "@example.com");
  p.set_title("Engineer");
  p.set_department("Platform");
  p.set_career_level(5);
  p.set_time_zone("Europe/Berlin");
  p.add_languages("en");
  p.mutable_mentoring_profile()->set_role(common::v1::MENTORING_ROLE_MENTEE);
  return p;
}

profiles::v1::Person MentoringPerson(const std::string& tag, int level, const std::vector<common::v1::FocusArea>& goals,
                                     const std::vector<common::v1::FocusArea>& offers) {
  profiles::v1::Person p = SamplePerson(tag);
  p.set_career_level(level);
  p.set_time_zone("Europe/London");
  p.set_matching_consent(true);
  auto* profile = p.mutable_mentoring_profile();
  profile->set_role(common::v1::MENTORING_ROLE_BOTH);
  profile->add_meeting_modes(common::v1::MEETING_MODE_VIDEO);
  profile->mutable_capacity()->set_max_active_mentees(3);
  profile->mutable_capacity()->set_hours_per_month(8);
  auto* window = profile->add_availability();
  window->set_weekday(3);
  window->set_start_minute(9 * 60);
  window->set_end_minute(12 * 60);
  for (auto area : goals) {
    auto* goal = p.add_goals();
    goal->set_focus_area(area);
    goal->set_description("private goal text " + tag);
    goal->set_status(common::v1::GOAL_STATUS_ACTIVE);
  }
  for (auto area : offers) profile->add_expertise()->set_focus_area(area);
  return p;
}

void ProfilesServiceSuite::SetUpTestSuite() {
  db_ = new ScratchDatabase("suite");
  service_ = new ServiceProcess(ServiceBinary("profiles"), ServiceEnv("profiles", {{"DATABASE_URL", db_->url()}}));
  started_ = service_->Start();
  stub_ = profiles::v1::ProfilesService::NewStub(service_->channel()).release();
}

void ProfilesServiceSuite::TearDownTestSuite() {
  delete stub_;
  delete service_;
  delete db_;
  stub_ = nullptr;
  service_ = nullptr;
  db_ = nullptr;
}

struct EventCollector::Impl {
  kafka::HandlePtr rk;
  std::vector<events::v1::EventEnvelope> collected;
};

EventCollector::EventCollector(const std::string& topic) : impl_(std::make_unique<Impl>()) {
  EnsureTestTopics();
  auto conf = kafka::MakeConf({{"bootstrap.servers", StackValue("KAFKA_BOOTSTRAP")},
                               {"group.id", "test-collector-" + RandomSuffix()},
                               {"enable.auto.commit", "false"}});
  impl_->rk = *kafka::NewHandle(RD_KAFKA_CONSUMER, std::move(*conf));
  rd_kafka_poll_set_consumer(impl_->rk.get());
  const rd_kafka_metadata_t* raw = nullptr;
  kafka::TopicPtr rkt(rd_kafka_topic_new(impl_->rk.get(), topic.c_str(), nullptr));
  if (rd_kafka_metadata(impl_->rk.get(), 0, rkt.get(), &raw, 10000) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    ADD_FAILURE() << "no metadata for topic " << topic;
    return;
  }
  kafka::MetadataPtr metadata(raw);
  kafka::TopicPartitionListPtr assignment(rd_kafka_topic_partition_list_new(8));
  for (int i = 0; i < metadata->topics[0].partition_cnt; ++i) {
    int64_t low = 0;
    int64_t high = 0;
    rd_kafka_query_watermark_offsets(impl_->rk.get(), topic.c_str(), i, &low, &high, 10000);
    rd_kafka_topic_partition_list_add(assignment.get(), topic.c_str(), i)->offset = high;
  }
  rd_kafka_assign(impl_->rk.get(), assignment.get());
}

EventCollector::~EventCollector() {
  if (impl_->rk) rd_kafka_consumer_close(impl_->rk.get());
}

std::vector<events::v1::EventEnvelope> EventCollector::CollectUntil(
    const std::function<bool(const std::vector<events::v1::EventEnvelope>&)>& done, absl::Duration timeout) {
  const absl::Time give_up = absl::Now() + timeout;
  // `done` may look at everything collected, so ask it between bursts, not per message.
  absl::Time next_check = absl::InfinitePast();
  while (absl::Now() < give_up) {
    if (absl::Now() >= next_check) {
      if (done(impl_->collected)) break;
      next_check = absl::Now() + absl::Milliseconds(200);
    }
    kafka::MessagePtr message(rd_kafka_consumer_poll(impl_->rk.get(), 100));
    if (!message) {
      next_check = absl::InfinitePast();  // idle: check now
      continue;
    }
    if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) continue;
    events::v1::EventEnvelope event;
    if (event.ParseFromArray(message->payload, static_cast<int>(message->len))) {
      impl_->collected.push_back(std::move(event));
    }
  }
  return impl_->collected;
}

void StackControl(const std::string& verb, const std::string& component) {
  const std::string command = absl::StrCat("STACK_DIR=", StackValue("STACK_DIR"), " ", MENTORING_SOURCE_DIR,
                                           "/deploy/stack.sh ", verb, " ", component, " >&2");
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
}

absl::StatusOr<std::string> RunTestPython(const std::string& script, const std::vector<std::string>& args) {
  const std::string python = StackValue("PYTHON");
  if (python.empty() || access(python.c_str(), X_OK) != 0) {
    return absl::FailedPreconditionError(absl::StrCat("no Python at '", python, "': run deploy/install.sh"));
  }
  std::string command = absl::StrCat("'", python, "' '", MENTORING_SOURCE_DIR, "/tests/python/", script, "'");
  for (const auto& arg : args) absl::StrAppend(&command, " '", arg, "'");  // paths and ids: no quotes in them
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return absl::InternalError("cannot run " + command);
  std::string out;
  char buffer[8192];
  size_t n = 0;
  while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0) out.append(buffer, n);
  const int status = pclose(pipe);
  if (status != 0) return absl::InternalError(absl::StrCat(command, " exited with ", status, ": ", out));
  return out;
}

bool WaitForMatchingSnapshot(const ServiceProcess& matching, const std::string& matching_db_url, absl::Duration limit) {
  const auto latest = Query(matching_db_url, "SELECT coalesce(max(change_seq), 0) FROM people");
  const double wanted = latest.empty() ? 0 : std::stod(latest[0]);
  const absl::Time give_up = absl::Now() + limit;
  while (MetricValue(HttpGet(matching.admin_port(), "/metrics"), "mentoring_people_snapshot_change") < wanted) {
    if (absl::Now() >= give_up) return false;
    absl::SleepFor(absl::Milliseconds(50));
  }
  return true;
}

bool Eventually(const std::function<bool()>& ready, absl::Duration bound) {
  const absl::Time give_up = absl::Now() + bound;
  while (absl::Now() < give_up) {
    if (ready()) return true;
    absl::SleepFor(absl::Milliseconds(20));
  }
  return ready();
}

std::string HttpGet(int port, const std::string& path) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return "";
  }
  const std::string request = "GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
  (void)!write(fd, request.data(), request.size());
  std::string response;
  char buffer[8192];
  ssize_t n = 0;
  while ((n = read(fd, buffer, sizeof(buffer))) > 0) response.append(buffer, static_cast<size_t>(n));
  close(fd);
  const size_t body = response.find("\r\n\r\n");
  return body == std::string::npos ? "" : response.substr(body + 4);
}

double MetricValue(const std::string& exposition, const std::string& series) {
  for (absl::string_view line : absl::StrSplit(exposition, '\n')) {
    if (line.substr(0, series.size()) == series && line.size() > series.size() && line[series.size()] == ' ') {
      double value = 0;
      if (absl::SimpleAtod(line.substr(series.size() + 1), &value)) return value;
    }
  }
  return -1;
}

}  // namespace mentoring::testing
