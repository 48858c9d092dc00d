#include "core/command_line.h"

#include <cstdio>
#include <memory>
#include <string>

#include "core/help_formatter.h"

namespace ibsr::cli {

std::string_view version() {
  return IBSR_VERSION;
}

void applyConvention(CLI::App& app, const HelpFooter& footer) {
  app.formatter(std::make_shared<HelpFormatter>());
  app.set_help_flag("-h,--help", "Print this help and exit");
  app.set_version_flag("--version", app.get_name() + " " + std::string(version()),
                       "Print the version and exit");
  std::string text;
  if (!footer.notes.empty()) text += footer.notes + "\n\n";
  text += "Exit codes:\n" + footer.exitCodes + "\nExamples:\n" + footer.examples;
  while (!text.empty() && text.back() == '\n') text.pop_back();
  app.footer(text);
}

std::string withOldNames(CLI::App& app, std::string names,
                         std::initializer_list<const char*> oldNames) {
  auto* formatter = dynamic_cast<HelpFormatter*>(app.get_formatter().get());
  for (const char* old : oldNames) {
    if (formatter) formatter->hideName(old);
    names += ",";
    names += old;
  }
  return names;
}

std::optional<int> parseCommandLine(CLI::App& app, int argc, char** argv, const char* program) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::fputs(app.help().c_str(), stdout);
    return 0;
  } catch (const CLI::CallForVersion& v) {
    std::printf("%s\n", v.what());
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
