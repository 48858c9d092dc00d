// How every ibsr command reports its command line (docs/cli.md):
//   --help      the help (help_formatter.h) to stdout, exit 0
//   --version   "PROGRAM VERSION" to stdout, exit 0 (VERSION: the project version in
//   CMakeLists.txt) a parse error: one line "PROGRAM: <error> (run 'PROGRAM --help')" to stderr,
//   exit 2
#pragma once

#include <CLI/CLI.hpp>

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

namespace ibsr::cli {

inline constexpr int kExitUsage = 2;

// The exit-code line every command shares.
inline constexpr std::string_view kUsageExitLine =
    "  2  usage error: an unknown flag or a bad value (one line on stderr)\n";

// The project version ("0.1.0").
std::string_view version();

// What every command's help ends with.
struct HelpFooter {
  std::string notes;      // paragraphs before the exit codes; may be empty
  std::string exitCodes;  // one "  CODE  meaning" line each
  std::string examples;   // one "  ibsr ..." command line each
};

// Gives `app` (named "PROGRAM", e.g. "ibsr collect") the shared help formatter, --version and
// the footer "NOTES\n\nExit codes:\n...\n\nExamples:\n...".
void applyConvention(CLI::App& app, const HelpFooter& footer);

// CLI11 option names: `names` ("-i,--interface") followed by `oldNames` ("--iface"), spellings
// kept for one release after a rename. They parse as before; --help does not show them. `app`
// must have had applyConvention.
std::string withOldNames(CLI::App& app, std::string names,
                         std::initializer_list<const char*> oldNames);

// Returns the exit code when the command must stop here, nothing when parsing succeeded.
std::optional<int> parseCommandLine(CLI::App& app, int argc, char** argv, const char* program);

// A usage error found after parsing (a value CLI11 cannot check): the same one line; returns
// kExitUsage.
int usageError(const char* program, const std::string& message);

}  // namespace ibsr::cli
