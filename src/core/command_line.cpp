#include "core/command_line.h"

#include <cstdio>
#include <string>

namespace ibsr::cli {

std::optional<int> parseCommandLine(CLI::App& app, int argc, char** argv, const char* program) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::fputs(app.help().c_str(), stdout);
    return 0;
  } catch (const CLI::ParseError& e) {
    // One line: a monitoring system or a person reads the first line of stderr.
    std::string msg = e.what();
    if (auto nl = msg.find('\n'); nl != std::string::npos) msg.resize(nl);
    return usageError(program, msg);
  }
  return std::nullopt;
}

int usageError(const char* program, const std::string& message) {
  std::fprintf(stderr, "%s: %s (run '%s --help')\n", program, message.c_str(), program);
  return kExitUsage;
}

}  // namespace ibsr::cli
