// The subcommand dispatcher of every multi-command program (ibsr, ibsr-export): a table of
// {name, one-line description, function}, the usage text built from it, and one convention:
//   no command            usage to stderr, exit 2
//   help, -h, --help      usage to stdout, exit 0
//   version, --version    "PROGRAM VERSION" to stdout, exit 0
//   a command's name      its function runs with argv shifted by one (argv[0] is the command)
//   anything else         "PROGRAM: unknown command 'X' (run 'PROGRAM --help')" to stderr, exit 2
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

namespace ibsr::cli {

struct Subcommand {
  std::string_view name;
  std::string_view description;  // one line in the usage text
  int (*run)(int argc, char** argv);
};

struct SubcommandProgram {
  std::string_view program;  // "ibsr": the usage line, the version line, error messages
  std::string_view version;
  std::string_view summary;              // the paragraph under the usage line
  std::span<const Subcommand> commands;  // in the order the usage text lists them
  std::string_view footer;               // the line after the commands
  std::string_view examples;             // "  ibsr ..." lines of the Examples: section
  std::size_t nameColumn;                // width of the name column (names are padded to it)
};

// The usage text: usage line, summary, the commands (then "version"), footer, exit codes,
// examples (the sections every command's help has, docs/cli.md).
std::string subcommandUsage(const SubcommandProgram& program);

// Dispatches argv[1]; returns the exit code.
int runSubcommand(const SubcommandProgram& program, int argc, char** argv);

}  // namespace ibsr::cli
