// The matching service: programmes, enrollment, recommendations, cohort matching, requests
// and the relationship lifecycle.
#include "matching_service.h"

int main(int argc, char** argv) {
  using namespace mentoring;
  return RunService<matching::Settings>(argc, argv,
                                        {.name = "matching",
                                         .grpc_listen = "127.0.0.1:50062",
                                         .admin_listen = "127.0.0.1:9462",
                                         .migrations = matching::Migrations,
                                         .read_settings = matching::Settings::Read,
                                         .wire = matching::Wire});
}
