// How every ibsr command reports its command line: --help prints the help to stdout (exit 0);
// a parse error prints one line "PROGRAM: <error> (run 'PROGRAM --help')" to stderr (exit 2).
#pragma once

#include <CLI/CLI.hpp>

#include <optional>

namespace ibsr::cli {

inline constexpr int kExitUsage = 2;

// Returns the exit code when the command must stop here, nothing when parsing succeeded.
std::optional<int> parseCommandLine(CLI::App& app, int argc, char** argv, const char* program);

}  // namespace ibsr::cli
