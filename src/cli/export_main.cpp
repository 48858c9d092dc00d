// ibsr-export: subcommand dispatch only (see docs/export.md).
#include "core/command_line.h"
#include "core/subcommands.h"
#include "export/export_cli.h"

int main(int argc, char** argv) {
  static constexpr ibsr::cli::Subcommand kCommands[] = {
      {"s3", "upload finished artefacts to an S3 bucket (verified, idempotent)",
       ibsr::exporter::runS3Cli},
  };
  return ibsr::cli::runSubcommand({.program = "ibsr-export",
                                   .version = ibsr::cli::version(),
                                   .summary = "Ships IBSR artefacts to storage on a schedule.",
                                   .commands = kCommands,
                                   .footer = "Run 'ibsr-export s3 --help' for its options.",
                                   .examples = "  ibsr-export s3 --bucket my-bucket --input "
                                               "/var/lib/ibsr/snapshots --dry-run\n"
                                               "  ibsr-export --version\n",
                                   .nameColumn = 10},
                                  argc, argv);
}
