// ibsr: subcommand dispatch only; each subcommand's flags and work live in its own folder.
#include <cstdio>
#include <cstring>
#include <string_view>

#include "collect/collect_cli.h"
#include "incident/incident_cli.h"
#include "payload/payload_cli.h"
#include "safety/verifier.h"

namespace {

void usage(FILE* out) {
  std::fputs(
      "Usage: ibsr <command> [options]\n"
      "\n"
      "Shadow-mode TCP traffic observer: attaches eBPF programs that only ever pass traffic.\n"
      "\n"
      "Commands:\n"
      "  collect          StrictCounter mode: per-source TCP counters to hourly JSONL snapshots\n"
      "  collect-payload  ShadowPayload mode: per-source HTTP/JSON-RPC statistics (TC + ring "
      "buffer)\n"
      "  record-incident  sampled packets (TC ingress+egress) to pcap files, runtime trigger "
      "socket\n"
      "  verify-bpf       mode-aware safety check of a BPF source and/or object\n"
      "  version          print the version\n"
      "\n"
      "Run 'ibsr <command> --help' for the options of a command.\n",
      out);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  std::string_view cmd = argv[1];
  if (cmd == "-h" || cmd == "--help" || cmd == "help") {
    usage(stdout);
    return 0;
  }
  if (cmd == "version" || cmd == "--version") {
    std::printf("ibsr %s\n", IBSR_VERSION);
    return 0;
  }
  if (cmd == "verify-bpf") return ibsr::safety::runVerifyCli(argc - 1, argv + 1);
  if (cmd == "collect") return ibsr::collect::runCollectCli(argc - 1, argv + 1);
  if (cmd == "collect-payload") return ibsr::payload::runCollectPayloadCli(argc - 1, argv + 1);
  if (cmd == "record-incident") return ibsr::incident::runRecordIncidentCli(argc - 1, argv + 1);
  std::fprintf(stderr, "ibsr: unknown command '%s' (run 'ibsr --help')\n", argv[1]);
  return 2;
}
