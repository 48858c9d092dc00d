// How every ibsr command reports its command line: --help prints the help to stdout (exit 0);
// a parse error prints one line "PROGRAM: <error> (run 'PROGRAM --help')" to stderr (exit 2).
#pragma once

#include <CLI/CLI.hpp>

#include <optional>
#include <string>

namespace ibsr::cli {

inline constexpr int kExitUsage = 2;

// Returns the exit code when the command must stop here, nothing when parsing succeeded.
std::optional<int> parseCommandLine(CLI::App& app, int argc, char** argv, const char* program);

// A usage error found after parsing (a value CLI11 cannot check): the same one line; returns
// kExitUsage.
int usageError(const char* program, const std::string& message);

}  // namespace ibsr::cli
