// The mode-aware shadow-mode safety verifier (seed 002, DESIGN.md section 6, docs/safety.md).
// scanSource() reads BPF C text; scanObject() decodes a compiled BPF ELF object, which is the
// real proof because macros, casts and inline asm defeat a text scan.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace ibsr::safety {

enum class Mode { Strict, Payload, Incident };

std::optional<Mode> parseMode(std::string_view name);
std::string_view modeName(Mode mode);

struct Violation {
  std::string section;  // ELF section (object scan) or "source:LINE" (source scan)
  long insn = -1;       // instruction index within the section, -1 when not applicable
  std::string rule;     // stable rule id from rules.h, e.g. "forbidden-helper"
  Mode mode = Mode::Strict;
  std::string detail;  // human explanation
  // "SECTION insn N: RULE (mode M): DETAIL" ("insn N" left out when insn is -1).
  std::string format() const;
};

std::vector<Violation> scanSource(std::string_view source, Mode mode);

struct ProgramSummary {
  std::string section;
  std::string name;  // function symbol, empty when the object has no symbol for it
  std::string kind;  // "XDP", "TC" or "other"
  std::size_t insns = 0;
};

struct MapSummary {
  std::string name;
  std::string type;  // lower-case map type name, or "unknown(N)"
};

struct ObjectReport {
  std::vector<Violation> violations;
  std::vector<ProgramSummary> programs;
  std::vector<MapSummary> maps;
};

struct ScanLimits {
  // Abstract-interpretation steps (instruction visits) per object before giving up with an
  // "analysis-limit" violation; bounds the scan time of hostile input.
  std::size_t maxSteps = 4'000'000;
};

// An Error means the bytes are not a 64-bit little-endian BPF ELF object at all (exit 2 in the
// CLI); anything inside a BPF object that cannot be proven safe is a Violation instead.
Result<ObjectReport> analyzeObject(std::span<const std::uint8_t> elf, Mode mode,
                                   const ScanLimits& limits = {});
Result<std::vector<Violation>> scanObject(std::span<const std::uint8_t> elf, Mode mode);
Result<std::vector<Violation>> scanObjectFile(const std::string& path, Mode mode);

// `ibsr verify-bpf` and the standalone build-time tool share this entry point.
// argv[0] is the program name. Returns 0 clean, 1 violations, 2 usage error or unreadable input.
int runVerifyCli(int argc, char** argv);

}  // namespace ibsr::safety
