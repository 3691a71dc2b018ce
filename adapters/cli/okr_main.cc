#include "adapters/cli/cli_app.h"

int main(int argc, char** argv) { return okr::RunCli(argc, argv); }
