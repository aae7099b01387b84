#pragma once
// Mutual TLS for the gRPC hops (gateway → services, service → service): an option, off by
// default, for networks where no service mesh already encrypts and authenticates. Three PEM
// files configure it: this process's certificate and key, and the CA that signs its peers.
// A server with TLS demands a client certificate from that CA; a client verifies the
// server's certificate against it and presents its own.
#include <absl/status/statusor.h>
#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "mentoring/runtime/config.h"

namespace mentoring {

struct TlsFiles {
  std::string cert_file;    // PEM: this process's certificate (chain)
  std::string key_file;     // PEM: its private key
  std::string ca_file;      // PEM: the CA that signs the peers' certificates
  std::string server_name;  // a client's expected name in the server's certificate, when it
                            // is not the host of the address dialled (optional)

  bool enabled() const { return !cert_file.empty(); }

  // <PREFIX>_<NAME>_CERT_FILE, _KEY_FILE, _CA_FILE (all three or none; anything else is
  // recorded in `config` as an error) and _SERVER_NAME; NAME is TLS for a service, and
  // UPSTREAM_TLS for the gateway (whose only TLS is towards the services).
  static TlsFiles Read(Config& config, const std::string& name = "TLS");
};

// Insecure credentials when TLS is off. INVALID_ARGUMENT naming the file that cannot be read.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> ServerCredentialsFor(const TlsFiles& tls);

// A channel to `target`, over mutual TLS when it is on.
absl::StatusOr<std::shared_ptr<grpc::Channel>> ChannelTo(const std::string& target, const TlsFiles& tls,
                                                         grpc::ChannelArguments arguments = {});

}  // namespace mentoring
