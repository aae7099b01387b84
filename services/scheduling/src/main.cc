// The scheduling service: meeting series from agreements, meetings, check-ins, agendas,
// notes, missed-meeting detection and calendar feeds.
#include "scheduling_service.h"

int main(int argc, char** argv) {
  using namespace mentoring;
  return RunService<scheduling::Settings>(argc, argv,
                                          {.name = "scheduling",
                                           .grpc_listen = "127.0.0.1:50063",
                                           .admin_listen = "127.0.0.1:9463",
                                           .migrations = scheduling::Migrations,
                                           .read_settings = scheduling::Settings::Read,
                                           .wire = scheduling::Wire});
}
