// `ibsr incident trigger|set-sample-rate|status|stop`: the operator's end of the trigger socket.
// Values (tag syntax, rate and duration ranges) are checked by the server only, so the rules live
// in one place (command.cpp) and its refusal is printed as is; the client checks the shape of
// the command line (integers, required flags).
#include "incident/incident_client_cli.h"

#include <charconv>
#include <cstdio>

#include "core/command_line.h"
#include "incident/client_output.h"
#include "incident/command.h"
#include "incident/trigger_client.h"

namespace ibsr::incident {
namespace {

constexpr const char* kProgram = "ibsr incident";
// Without --socket or --interface: the path of a record-incident started by hand with the
// documented --trigger-socket.
constexpr const char* kDefaultSocket = "/run/ibsr/trigger.sock";
// The packaged ibsr-record-incident@IFACE.service passes /run/ibsr/trigger-IFACE.sock.
std::string interfaceSocket(const std::string& iface) {
  return "/run/ibsr/trigger-" + iface + ".sock";
}
constexpr std::chrono::milliseconds kTimeout{5000};

const cli::HelpFooter kFooter{
    .notes = "",
    .exitCodes =
        "  0  the command was carried out\n"
        "  1  record-incident refused it (its reason is printed), or the socket cannot "
        "be reached\n"
        "  2  usage error\n",
    .examples =
        "  ibsr incident -i eth0 trigger --tag ddos-42 --sample-rate 1 --duration-sec 600\n"
        "  ibsr incident -i eth0 status\n"
        "  ibsr incident set-sample-rate 1000\n"
        "  ibsr incident stop\n"
        "  ibsr incident status --socket /tmp/ibsr.sock --json\n"};

// A whole number in uint64; CLI11 2.1 wraps "-3" and saturates overflow, so digits are checked
// here. The range is the server's to check.
std::optional<std::uint64_t> wholeNumber(const std::string& text) {
  std::uint64_t v = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, v);
  if (text.empty() || ec != std::errc{} || ptr != end) return std::nullopt;
  return v;
}

int fail(const std::string& message) {
  std::fprintf(stderr, "%s: %s\n", kProgram, message.c_str());
  return 1;
}

}  // namespace

int runIncidentCli(int argc, char** argv) {
  std::string socketPath = kDefaultSocket;
  std::string iface;
  bool rawJson = false;
  TriggerCmd trigger;
  std::string rate, triggerRate, duration;  // whole numbers, checked after parsing

  CLI::App app{
      "Control a running 'ibsr record-incident' through its --trigger-socket: start an incident "
      "capture, change the sample rate, stop sampling, or show the sampling state.",
      kProgram};
  cli::applyConvention(app, kFooter);
  // At most one command; a missing or unknown one is reported below in the words of ibsr's own
  // dispatcher ("unknown command 'X'") rather than CLI11's "A subcommand is required".
  app.require_subcommand(0, 1);
  app.allow_extras();
  auto* socketOpt = app.add_option("--socket", socketPath,
                                   "Trigger socket of record-incident (its --trigger-socket)")
                        ->type_name("PATH")
                        ->capture_default_str();
  app.add_option("-i,--interface", iface,
                 "The socket of the packaged ibsr-record-incident@IFACE service: "
                 "/run/ibsr/trigger-IFACE.sock")
      ->type_name("IFACE")
      ->excludes(socketOpt);
  app.add_flag("--json", rawJson, "Print the server's JSON reply line as is");

  auto* trig = app.add_subcommand(
      "trigger", "Rotate to a new run directory {TAG}-{now} and sample into it (active again)");
  trig->add_option("--tag", trigger.tag, "Incident tag: 1..64 of [A-Za-z0-9_-]")
      ->type_name("TAG")
      ->required();
  auto* rateOpt =
      trig->add_option("--sample-rate", triggerRate, "1-in-N from now on (default: keep the rate)")
          ->type_name("N");
  auto* durationOpt =
      trig->add_option("--duration-sec", duration,
                       "Stop sampling after this many seconds (default: until 'stop')")
          ->type_name("SECONDS");
  auto* setRate = app.add_subcommand("set-sample-rate", "Change the rate only");
  setRate->add_option("rate", rate, "1-in-N; 1 = every packet")->required()->type_name("N");
  auto* status = app.add_subcommand("status", "Print the sampling state, one field per line");
  auto* stop = app.add_subcommand("stop", "Stop sampling (cancels a pending --duration-sec)");
  for (CLI::App* sub : {trig, setRate, status, stop}) sub->fallthrough();

  if (auto code = cli::parseCommandLine(app, argc, argv, kProgram)) return *code;
  const bool chosen = *trig || *setRate || *status || *stop;
  if (const auto extras = app.remaining(); !extras.empty()) {  // a copy: remaining() is by value
    const std::string& extra = extras.front();
    return cli::usageError(kProgram, chosen || extra.starts_with('-')
                                         ? "unexpected argument '" + extra + "'"
                                         : "unknown command '" + extra + "'");
  }
  if (!chosen)
    return cli::usageError(kProgram,
                           "a command is required: trigger, set-sample-rate, status "
                           "or stop");
  if (app.count("--interface")) {
    // The kernel's rules for a name (IFNAMSIZ, no '/' or space), so the path stays in /run/ibsr.
    if (iface.empty() || iface.size() > 15 || iface == "." || iface == ".." ||
        iface.find_first_of("/ \t\n:") != std::string::npos)
      return cli::usageError(kProgram, "--interface: '" + iface + "' is not an interface name");
    socketPath = interfaceSocket(iface);
  }

  // Each given number as a whole number, or a usage error naming its flag.
  std::optional<std::uint64_t> numbers[3];
  const std::pair<const std::string*, const char*> given[3] = {
      {&rate, "rate"}, {&triggerRate, "--sample-rate"}, {&duration, "--duration-sec"}};
  const bool present[3] = {bool(*setRate), rateOpt->count() > 0, durationOpt->count() > 0};
  for (std::size_t i = 0; i < 3; ++i) {
    if (!present[i]) continue;
    numbers[i] = wholeNumber(*given[i].first);
    if (!numbers[i])
      return cli::usageError(kProgram, std::string(given[i].second) + ": '" + *given[i].first +
                                           "' is not a whole number");
  }
  trigger.rate = numbers[1];
  trigger.durationSec = numbers[2];

  Command command = StatusCmd{};
  if (*trig) command = trigger;
  if (*setRate) command = SetSampleRateCmd{*numbers[0]};
  if (*stop) command = StopCmd{};

  auto line = exchangeCommand(socketPath, formatCommand(command), kTimeout);
  if (!line.ok()) return fail(line.error().message);
  if (rawJson) std::printf("%s\n", line->c_str());
  auto reply = parseReply(*line);
  if (!reply.ok())
    return fail("unexpected reply from '" + socketPath + "': " + reply.error().message);
  if (!reply->ok) return fail("record-incident refused the command: " + reply->error);
  if (rawJson) return 0;
  if (*status) {
    if (!reply->state) return fail("unexpected reply from '" + socketPath + "': no status");
    std::fputs(statusText(*reply->state).c_str(), stdout);
  } else {
    std::puts("ok");
  }
  return 0;
}

}  // namespace ibsr::incident
