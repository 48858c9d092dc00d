// ibsr-export: subcommand dispatch only.
#include <cstdio>
#include <string_view>

#include "export/export_cli.h"

namespace {

void usage(FILE* out) {
  std::fputs(
      "Usage: ibsr-export <command> [options]\n"
      "\n"
      "Ships IBSR artefacts to storage on a schedule.\n"
      "\n"
      "Commands:\n"
      "  s3        upload finished artefacts to an S3 bucket (verified, idempotent)\n"
      "  version   print the version\n"
      "\n"
      "Run 'ibsr-export s3 --help' for its options.\n",
      out);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  const std::string_view cmd = argv[1];
  if (cmd == "-h" || cmd == "--help" || cmd == "help") {
    usage(stdout);
    return 0;
  }
  if (cmd == "version" || cmd == "--version") {
    std::printf("ibsr-export %s\n", IBSR_VERSION);
    return 0;
  }
  if (cmd == "s3") return ibsr::exporter::runS3Cli(argc - 1, argv + 1);
  std::fprintf(stderr, "ibsr-export: unknown command '%s' (run 'ibsr-export --help')\n", argv[1]);
  return 2;
}
