#include "mentoring/runtime/config.h"
#include "mentoring/runtime/tls.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

namespace mentoring {
namespace {

TEST(Config, PrefixedNameWinsOverPlainName) {
  auto config = Config::FromMap("PROFILES", {{"PROFILES_GRPC_PORT", "7000"}, {"GRPC_PORT", "8000"}});
  EXPECT_EQ(config.Int("GRPC_PORT", 1, 1, 65535), 7000);
  EXPECT_TRUE(config.Check().ok());
}

TEST(Config, DefaultsApplyWhenUnset) {
  auto config = Config::FromMap("", {});
  EXPECT_EQ(config.String("LOG_LEVEL", "info"), "info");
  EXPECT_EQ(config.Duration("GRACE", absl::Seconds(3)), absl::Seconds(3));
  EXPECT_TRUE(config.Bool("FLAG", true));
  EXPECT_TRUE(config.Check().ok());
}

TEST(Config, MutualTlsTakesAllThreeFilesOrNone) {
  auto none = Config::FromMap("PROFILES", {});
  EXPECT_FALSE(TlsFiles::Read(none).enabled());
  EXPECT_TRUE(none.Check().ok());

  auto partial = Config::FromMap("PROFILES", {{"PROFILES_TLS_CERT_FILE", "/etc/tls/tls.crt"}});
  TlsFiles::Read(partial);
  EXPECT_NE(std::string(partial.Check().message()).find("PROFILES_TLS_CERT_FILE"), std::string::npos)
      << partial.Check();

  auto gateway = Config::FromMap("GATEWAY", {{"GATEWAY_UPSTREAM_TLS_CERT_FILE", "/nonexistent/tls.crt"},
                                             {"GATEWAY_UPSTREAM_TLS_KEY_FILE", "/nonexistent/tls.key"},
                                             {"GATEWAY_UPSTREAM_TLS_CA_FILE", "/nonexistent/ca.crt"}});
  const TlsFiles files = TlsFiles::Read(gateway, "UPSTREAM_TLS");
  EXPECT_TRUE(gateway.Check().ok());
  EXPECT_TRUE(files.enabled());
  // A file that cannot be read is named when the process starts, not at the first call.
  const auto credentials = ServerCredentialsFor(files);
  ASSERT_EQ(credentials.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(credentials.status().message().find("/nonexistent/tls.crt"), std::string::npos);
}

TEST(Config, ReportsEveryBadSettingByName) {
  auto config = Config::FromMap("PROFILES",
                                {{"GRPC_PORT", "seventy"}, {"WORKERS", "0"}, {"GRACE", "soon"}, {"VERBOSE", "maybe"}});
  config.Int("GRPC_PORT", 1, 1, 65535);
  config.Int("WORKERS", 4, 1, 64);
  config.Duration("GRACE", absl::Seconds(1));
  config.Bool("VERBOSE", false);
  config.RequiredString("DATABASE_URL");
  const auto status = config.Check();
  ASSERT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  const std::string message(status.message());
  for (const char* expected : {"GRPC_PORT (or GRPC_PORT): must be an integer (got 'seventy')",
                               "WORKERS (or WORKERS): must be between 1 and 64 (got '0')", "GRACE", "VERBOSE",
                               "DATABASE_URL (or DATABASE_URL): is required"}) {
    EXPECT_NE(message.find(expected), std::string::npos) << "missing '" << expected << "' in: " << message;
  }
}

TEST(Config, ParsesGoStyleDurations) {
  auto config = Config::FromMap("", {{"A", "250ms"}, {"B", "5m"}});
  EXPECT_EQ(config.Duration("A", absl::ZeroDuration()), absl::Milliseconds(250));
  EXPECT_EQ(config.Duration("B", absl::ZeroDuration()), absl::Minutes(5));
}

TEST(Config, EnvFileFillsOnlyWhatIsNotSet) {
  const std::string path = ::testing::TempDir() + "/config_test.env";
  std::ofstream(path) << "# stack\nKAFKA_BOOTSTRAP=127.0.0.1:59092\nREDIS_ADDR=127.0.0.1:1\n\nexport PG_PORT=55432\n";
  auto config = Config::FromMap("", {{"MENTORING_ENV_FILE", path}, {"REDIS_ADDR", "127.0.0.1:2"}});
  EXPECT_EQ(config.String("KAFKA_BOOTSTRAP", ""), "127.0.0.1:59092");
  EXPECT_EQ(config.String("REDIS_ADDR", ""), "127.0.0.1:2");
  EXPECT_EQ(config.String("PG_PORT", ""), "55432");
  std::remove(path.c_str());
}

TEST(Config, MissingEnvFileIsABadSetting) {
  auto config = Config::FromMap("", {{"MENTORING_ENV_FILE", "/nonexistent/stack.env"}});
  EXPECT_NE(std::string(config.Check().message()).find("MENTORING_ENV_FILE"), std::string::npos);
}

TEST(Config, FlagsOverrideEnvironment) {
  setenv("PROFILES_WORKERS", "3", 1);
  char prog[] = "svc";
  char flag[] = "--workers=9";
  char* argv[] = {prog, flag};
  auto config = Config::FromProcess("PROFILES", 2, argv);
  EXPECT_EQ(config.Int("WORKERS", 1, 1, 64), 9);
  unsetenv("PROFILES_WORKERS");
}

}  // namespace
}  // namespace mentoring
