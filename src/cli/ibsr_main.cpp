// ibsr: subcommand dispatch only; each subcommand's flags and work live in its own folder.
#include "collect/collect_cli.h"
#include "core/command_line.h"
#include "core/subcommands.h"
#include "incident/incident_cli.h"
#include "incident/incident_client_cli.h"
#include "payload/payload_cli.h"
#include "safety/verifier.h"

int main(int argc, char** argv) {
  static constexpr ibsr::cli::Subcommand kCommands[] = {
      {"collect", "StrictCounter mode: per-source TCP counters to hourly JSONL snapshots",
       ibsr::collect::runCollectCli},
      {"collect-payload",
       "ShadowPayload mode: per-source HTTP/JSON-RPC statistics (TC + ring buffer)",
       ibsr::payload::runCollectPayloadCli},
      {"record-incident",
       "sampled packets (TC ingress+egress) to pcap files, runtime trigger socket",
       ibsr::incident::runRecordIncidentCli},
      {"incident", "control a running record-incident: trigger, set-sample-rate, status, stop",
       ibsr::incident::runIncidentCli},
      {"verify-bpf", "mode-aware safety check of a BPF source and/or object",
       ibsr::safety::runVerifyCli},
  };
  return ibsr::cli::runSubcommand(
      {.program = "ibsr",
       .version = ibsr::cli::version(),
       .summary =
           "Shadow-mode TCP traffic observer: attaches eBPF programs that only ever pass traffic.",
       .commands = kCommands,
       .footer = "Run 'ibsr <command> --help' for the options of a command, or read its manual\n"
                 "page: man ibsr-collect, ibsr-collect-payload, ibsr-record-incident, ...",
       .examples = "  ibsr collect -i eth0 -p 8899 -o /var/lib/ibsr/snapshots\n"
                   "  ibsr record-incident -i eth0 --trigger-socket /run/ibsr/trigger.sock\n"
                   "  ibsr incident trigger --tag ddos-42\n"
                   "  ibsr --version\n",
       .nameColumn = 17},
      argc, argv);
}
