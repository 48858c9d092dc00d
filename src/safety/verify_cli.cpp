// `ibsr verify-bpf` / `ibsr-verify-bpf`: flags, output format and exit codes.
#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <cstdio>
#include <string>

#include "core/command_line.h"
#include "safety/file_io.h"
#include "safety/rules.h"
#include "safety/verifier.h"

namespace ibsr::safety {
namespace {

constexpr int kExitClean = 0;
constexpr int kExitViolation = 1;
constexpr int kExitUsage = 2;

constexpr const char* kName = "ibsr verify-bpf";

constexpr const char* kNotes = R"(Modes (seed 002 safety model; see docs/safety.md):
  strict    StrictCounter: XDP programs only, no ring buffer / perf event output, and an
            LRU_HASH map is required (bounded memory).
  payload   ShadowPayload: XDP and TC programs; ring buffers and perf events allowed.
  incident  record-incident: as payload (TC programs with a ring buffer and config maps).
  In every mode: every exit returns XDP_PASS (XDP) or TC_ACT_OK/TC_ACT_UNSPEC (TC), no redirect or
  packet-modifying helper, no tail call, no steering map, no store into packet data or context.

Scans:
  --source  text scan of the BPF C file (comments and string literals ignored): forbidden verdict
            names, helpers and map types; strict mode also needs BPF_MAP_TYPE_LRU_HASH.
  --object  the proof: decodes every instruction of the compiled object, checks helper ids (calls
            by number included), reads map types from the .maps BTF, and proves by constant
            propagation over the control-flow graph that every exit returns the pass verdict.

Output: one line per violation: FILE: SECTION insn N: RULE (mode M): DETAIL
        or one "OK ..." line naming what was checked.
Run with --list-rules for the table of rule ids.)";

void printRules() {
  std::printf("%-22s %-8s %-14s %s\n", "RULE", "MODES", "SCAN", "DESCRIPTION");
  for (const auto& r : rulesTable()) {
    std::printf("%-22.*s %-8s %-14.*s %.*s\n", static_cast<int>(r.id.size()), r.id.data(),
                r.strictOnly ? "strict" : "all", static_cast<int>(scanKindName(r.scan).size()),
                scanKindName(r.scan).data(), static_cast<int>(r.description.size()),
                r.description.data());
  }
}

std::string plural(std::size_t n, const char* word) {
  return fmt::format("{} {}{}", n, word, n == 1 ? "" : "s");
}

std::string describeObject(const ObjectReport& report) {
  std::string progs;
  for (const auto& p : report.programs) {
    progs += fmt::format("{}{}{}{} {}", progs.empty() ? "" : ", ", p.section,
                         p.name.empty() ? "" : "/", p.name, p.kind);
  }
  std::string maps;
  for (const auto& m : report.maps) {
    maps += fmt::format("{}{} {}", maps.empty() ? "" : ", ", m.name, m.type);
  }
  return fmt::format("{} ({}), {} ({})", plural(report.programs.size(), "program"), progs,
                     plural(report.maps.size(), "map"), maps);
}

}  // namespace

int runVerifyCli(int argc, char** argv) {
  CLI::App app{"Mode-aware shadow-mode safety check of a BPF C source and/or compiled object.",
               kName};
  cli::applyConvention(
      app, {.notes = kNotes,
            .exitCodes = "  0  clean: no violation (or --list-rules)\n"
                         "  1  at least one violation (one line each on stdout)\n"
                         "  2  usage error, or an input that cannot be read or is not a BPF ELF "
                         "object\n",
            .examples = "  ibsr verify-bpf --mode strict --source bpf/counter.bpf.c --object "
                        "counter.bpf.o\n"
                        "  ibsr verify-bpf --mode payload --object build/bpf/payload.bpf.o\n"
                        "  ibsr verify-bpf --list-rules\n"});
  std::string modeText, sourcePath, objectPath;
  bool listRules = false;
  app.add_option("--mode", modeText, "Safety profile to check against: strict, payload or incident")
      ->check(CLI::IsMember({"strict", "payload", "incident"}).description(""))
      ->type_name("MODE");
  app.add_option("--source", sourcePath, "BPF C source file to scan (F.bpf.c)")->type_name("FILE");
  app.add_option("--object", objectPath, "Compiled BPF ELF object to prove (F.bpf.o)")
      ->type_name("FILE");
  app.add_flag("--list-rules", listRules, "Print the rules table (id, modes, scan, description)");

  if (auto exit = cli::parseCommandLine(app, argc, argv, kName)) return *exit;

  if (listRules) {
    printRules();
    return kExitClean;
  }
  if (modeText.empty()) return cli::usageError(kName, "--mode is required");
  if (sourcePath.empty() && objectPath.empty())
    return cli::usageError(kName, "give --source FILE and/or --object FILE");
  Mode mode = *parseMode(modeText);

  std::vector<std::pair<std::string, Violation>> found;
  std::string checked;
  if (!sourcePath.empty()) {
    auto bytes = readFileBytes(sourcePath);
    if (!bytes.ok()) {
      std::fprintf(stderr, "%s: %s\n", kName, bytes.error().message.c_str());
      return kExitUsage;
    }
    std::string_view text(reinterpret_cast<const char*>(bytes->data()), bytes->size());
    for (auto& v : scanSource(text, mode)) found.emplace_back(sourcePath, std::move(v));
    checked = "source " + sourcePath;
  }
  if (!objectPath.empty()) {
    auto bytes = readFileBytes(objectPath);
    if (!bytes.ok()) {
      std::fprintf(stderr, "%s: %s\n", kName, bytes.error().message.c_str());
      return kExitUsage;
    }
    auto report = analyzeObject(*bytes, mode);
    if (!report.ok()) {
      std::fprintf(stderr, "%s: '%s': %s\n", kName, objectPath.c_str(),
                   report.error().message.c_str());
      return kExitUsage;
    }
    for (auto& v : report->violations) found.emplace_back(objectPath, std::move(v));
    checked += (checked.empty() ? "" : "; ") +
               fmt::format("object {}: {}", objectPath, describeObject(*report));
  }

  if (found.empty()) {
    std::printf("OK (mode %s): %s\n", modeText.c_str(), checked.c_str());
    return kExitClean;
  }
  for (const auto& [file, v] : found) std::printf("%s: %s\n", file.c_str(), v.format().c_str());
  std::fprintf(stderr, "%s: %s in mode %s\n", kName, plural(found.size(), "violation").c_str(),
               modeText.c_str());
  return kExitViolation;
}

}  // namespace ibsr::safety
