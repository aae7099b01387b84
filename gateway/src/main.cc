// The gateway: HTTP/JSON outside, gRPC to the services inside (gateway/README.md).
#include "gateway_service.h"

int main(int argc, char** argv) {
  using namespace mentoring;
  // Its own gRPC port serves health and reflection only, in plaintext: kubelet's gRPC
  // probes present no client certificate, and there is nothing there to protect.
  return RunService<gateway::Settings>(argc, argv,
                                       {.name = "gateway",
                                        .grpc_listen = "127.0.0.1:50060",
                                        .admin_listen = "127.0.0.1:9460",
                                        .publishes_events = false,
                                        .uses_redis = true,
                                        .read_settings = gateway::Settings::Read,
                                        .wire = gateway::Wire});
}
