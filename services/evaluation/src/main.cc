// The evaluation service: feedback after meetings, the rapport check, goal progress,
// periodic reviews, risk signals, relationship health and the closure survey.
#include "evaluation_service.h"

int main(int argc, char** argv) {
  using namespace mentoring;
  return RunService<evaluation::Settings>(argc, argv,
                                          {.name = "evaluation",
                                           .grpc_listen = "127.0.0.1:50064",
                                           .admin_listen = "127.0.0.1:9464",
                                           .migrations = evaluation::Migrations,
                                           .read_settings = evaluation::Settings::Read,
                                           .wire = evaluation::Wire});
}
