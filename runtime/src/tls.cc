#include "mentoring/runtime/tls.h"

#include "mentoring/runtime/request_metrics.h"

#include <fstream>
#include <sstream>

namespace mentoring {
namespace {

absl::StatusOr<std::string> ReadPem(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  if (in) text << in.rdbuf();
  if (!in || text.str().find("-----BEGIN ") == std::string::npos) {
    return absl::InvalidArgumentError(std::string("TLS ") + what + " file '" + path + "' cannot be read as PEM");
  }
  return text.str();
}

struct Pems {
  std::string cert, key, ca;
};

absl::StatusOr<Pems> ReadPems(const TlsFiles& tls) {
  auto cert = ReadPem(tls.cert_file, "certificate");
  if (!cert.ok()) return cert.status();
  auto key = ReadPem(tls.key_file, "key");
  if (!key.ok()) return key.status();
  auto ca = ReadPem(tls.ca_file, "CA");
  if (!ca.ok()) return ca.status();
  return Pems{std::move(*cert), std::move(*key), std::move(*ca)};
}

}  // namespace

TlsFiles TlsFiles::Read(Config& config, const std::string& name) {
  TlsFiles tls;
  tls.cert_file = config.String(name + "_CERT_FILE", "");
  tls.key_file = config.String(name + "_KEY_FILE", "");
  tls.ca_file = config.String(name + "_CA_FILE", "");
  tls.server_name = config.String(name + "_SERVER_NAME", "");
  const int given = !tls.cert_file.empty() + !tls.key_file.empty() + !tls.ca_file.empty();
  if (given != 0 && given != 3) {
    config.Reject(name + "_CERT_FILE",
                  "mutual TLS needs all three of " + name + "_CERT_FILE, _KEY_FILE and _CA_FILE, or none");
  }
  return tls;
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> ServerCredentialsFor(const TlsFiles& tls) {
  if (!tls.enabled()) return grpc::InsecureServerCredentials();
  auto pems = ReadPems(tls);
  if (!pems.ok()) return pems.status();
  grpc::SslServerCredentialsOptions options(GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  options.pem_root_certs = pems->ca;
  options.pem_key_cert_pairs.push_back({pems->key, pems->cert});
  return grpc::SslServerCredentials(options);
}

namespace {

// Every channel records grpc_client_* for its calls (request_metrics.h).
std::shared_ptr<grpc::Channel> MeteredChannel(const std::string& target,
                                              const std::shared_ptr<grpc::ChannelCredentials>& credentials,
                                              const grpc::ChannelArguments& arguments) {
  std::vector<std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>> interceptors;
  interceptors.push_back(RequestMetrics::Instance().ClientInterceptorFactory());
  return grpc::experimental::CreateCustomChannelWithInterceptors(target, credentials, arguments,
                                                                 std::move(interceptors));
}

}  // namespace

absl::StatusOr<std::shared_ptr<grpc::Channel>> ChannelTo(const std::string& target, const TlsFiles& tls,
                                                         grpc::ChannelArguments arguments) {
  if (!tls.enabled()) return MeteredChannel(target, grpc::InsecureChannelCredentials(), arguments);
  auto pems = ReadPems(tls);
  if (!pems.ok()) return pems.status();
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = pems->ca;
  options.pem_private_key = pems->key;
  options.pem_cert_chain = pems->cert;
  if (!tls.server_name.empty()) arguments.SetSslTargetNameOverride(tls.server_name);
  return MeteredChannel(target, grpc::SslCredentials(options), arguments);
}

}  // namespace mentoring
