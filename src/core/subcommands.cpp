#include "core/subcommands.h"

#include <cstdio>

#include "core/command_line.h"

namespace ibsr::cli {

namespace {

void appendCommand(std::string& out, std::string_view name, std::string_view description,
                   std::size_t nameColumn) {
  out += "  ";
  out += name;
  out.append(name.size() < nameColumn ? nameColumn - name.size() : 1, ' ');
  out += description;
  out += '\n';
}

}  // namespace

std::string subcommandUsage(const SubcommandProgram& program) {
  std::string out = "Usage: ";
  out += program.program;
  out += " <command> [options]\n\n";
  out += program.summary;
  out += "\n\nCommands:\n";
  for (const Subcommand& command : program.commands) {
    appendCommand(out, command.name, command.description, program.nameColumn);
  }
  appendCommand(out, "version", "print the version", program.nameColumn);
  out += '\n';
  out += program.footer;
  out +=
      "\n\nExit codes:\n"
      "  N  the exit code of the command that ran (see its --help)\n"
      "  0  help or version printed\n"
      "  2  usage error: no command, or an unknown one (one line on stderr)\n"
      "\nExamples:\n";
  out += program.examples;
  return out;
}

int runSubcommand(const SubcommandProgram& program, int argc, char** argv) {
  if (argc < 2) {
    std::fputs(subcommandUsage(program).c_str(), stderr);
    return kExitUsage;
  }
  const std::string_view name = argv[1];
  if (name == "-h" || name == "--help" || name == "help") {
    std::fputs(subcommandUsage(program).c_str(), stdout);
    return 0;
  }
  if (name == "version" || name == "--version") {
    std::printf("%.*s %.*s\n", static_cast<int>(program.program.size()), program.program.data(),
                static_cast<int>(program.version.size()), program.version.data());
    return 0;
  }
  for (const Subcommand& command : program.commands) {
    if (name == command.name) return command.run(argc - 1, argv + 1);
  }
  const std::string prog(program.program);
  return usageError(prog.c_str(), "unknown command '" + std::string(name) + "'");
}

}  // namespace ibsr::cli
