#include "core/subcommands.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ibsr::cli {
namespace {

// What the last command function saw.
struct Call {
  std::string command;
  std::vector<std::string> args;  // argv as the command received it
};
std::vector<Call> g_calls;

int record(const char* command, int argc, char** argv) {
  Call call{command, {}};
  for (int i = 0; i < argc; ++i) call.args.emplace_back(argv[i]);
  g_calls.push_back(call);
  return 0;
}

constexpr Subcommand kCommands[] = {
    {"alpha", "first command", [](int argc, char** argv) { return record("alpha", argc, argv); }},
    {"beta-long", "second command",
     [](int argc, char** argv) { return record("beta-long", argc, argv) + 7; }},
};

const SubcommandProgram kProgram{.program = "prog",
                                 .version = "1.2.3",
                                 .summary = "Does things.",
                                 .commands = kCommands,
                                 .footer = "Run 'prog <command> --help' for more.",
                                 .examples = "  prog alpha -x 1\n",
                                 .nameColumn = 11};

constexpr const char* kUsage =
    "Usage: prog <command> [options]\n"
    "\n"
    "Does things.\n"
    "\n"
    "Commands:\n"
    "  alpha      first command\n"
    "  beta-long  second command\n"
    "  version    print the version\n"
    "\n"
    "Run 'prog <command> --help' for more.\n"
    "\n"
    "Exit codes:\n"
    "  N  the exit code of the command that ran (see its --help)\n"
    "  0  help or version printed\n"
    "  2  usage error: no command, or an unknown one (one line on stderr)\n"
    "\n"
    "Examples:\n"
    "  prog alpha -x 1\n";

struct Outcome {
  int code;
  std::string out;
  std::string err;
};

Outcome run(std::vector<std::string> args) {
  args.insert(args.begin(), "prog");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  g_calls.clear();
  testing::internal::CaptureStdout();
  testing::internal::CaptureStderr();
  const int code = runSubcommand(kProgram, static_cast<int>(args.size()), argv.data());
  std::string out = testing::internal::GetCapturedStdout();
  std::string err = testing::internal::GetCapturedStderr();
  return {code, out, err};
}

TEST(Subcommands, UsageListsTheCommandsThenVersionInOnePaddedColumn) {
  EXPECT_EQ(subcommandUsage(kProgram), kUsage);
}

TEST(Subcommands, NameLongerThanTheColumnStillGetsASpace) {
  SubcommandProgram narrow = kProgram;
  narrow.nameColumn = 5;
  const std::string usage = subcommandUsage(narrow);
  EXPECT_NE(usage.find("\n  alpha first command\n"), std::string::npos) << usage;
  EXPECT_NE(usage.find("\n  beta-long second command\n"), std::string::npos) << usage;
  EXPECT_NE(usage.find("\n  version print the version\n"), std::string::npos) << usage;
}

TEST(Subcommands, NoCommandPrintsUsageToStderrAndExits2) {
  const Outcome r = run({});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, kUsage);
  EXPECT_TRUE(g_calls.empty());
}

TEST(Subcommands, HelpPrintsUsageToStdoutAndExits0) {
  for (const char* help : {"help", "-h", "--help"}) {
    const Outcome r = run({help, "alpha"});
    EXPECT_EQ(r.code, 0) << help;
    EXPECT_EQ(r.out, kUsage) << help;
    EXPECT_EQ(r.err, "") << help;
    EXPECT_TRUE(g_calls.empty()) << help;
  }
}

TEST(Subcommands, VersionPrintsProgramAndVersion) {
  for (const char* version : {"version", "--version"}) {
    const Outcome r = run({version});
    EXPECT_EQ(r.code, 0) << version;
    EXPECT_EQ(r.out, "prog 1.2.3\n") << version;
    EXPECT_EQ(r.err, "") << version;
    EXPECT_TRUE(g_calls.empty()) << version;
  }
}

TEST(Subcommands, UnknownCommandIsAOneLineUsageError) {
  for (const char* unknown : {"foo", "", "--alpha", "ALPHA", "alph"}) {
    const Outcome r = run({unknown, "x"});
    EXPECT_EQ(r.code, 2) << unknown;
    EXPECT_EQ(r.out, "") << unknown;
    EXPECT_EQ(r.err, std::string("prog: unknown command '") + unknown + "' (run 'prog --help')\n")
        << unknown;
    EXPECT_TRUE(g_calls.empty()) << unknown;
  }
}

TEST(Subcommands, CommandRunsWithArgvShiftedAndItsExitCodeIsReturned) {
  Outcome r = run({"alpha"});
  EXPECT_EQ(r.code, 0);
  ASSERT_EQ(g_calls.size(), 1u);
  EXPECT_EQ(g_calls[0].command, "alpha");
  EXPECT_EQ(g_calls[0].args, (std::vector<std::string>{"alpha"}));

  r = run({"beta-long", "--help", "-x", "value"});
  EXPECT_EQ(r.code, 7);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "");
  ASSERT_EQ(g_calls.size(), 1u);
  EXPECT_EQ(g_calls[0].command, "beta-long");
  EXPECT_EQ(g_calls[0].args, (std::vector<std::string>{"beta-long", "--help", "-x", "value"}));
}

}  // namespace
}  // namespace ibsr::cli
