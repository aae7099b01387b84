// The profiles service: people, their mentoring profiles and goals, and HR sync.
#include "profiles_service.h"

int main(int argc, char** argv) {
  using namespace mentoring;
  return RunService<profiles::Settings>(argc, argv,
                                        {.name = "profiles",
                                         .grpc_listen = "127.0.0.1:50061",
                                         .admin_listen = "127.0.0.1:9461",
                                         .migrations = profiles::Migrations,
                                         .uses_redis = true,
                                         .read_settings = profiles::Settings::Read,
                                         .wire = profiles::Wire});
}
