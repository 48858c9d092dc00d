// The mode-aware shadow-mode safety verifier (seed 002, DESIGN.md section 6).
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
  std::string rule;     // stable rule id, e.g. "forbidden-return", "forbidden-helper"
  Mode mode = Mode::Strict;
  std::string detail;   // human explanation
  std::string format() const;
};

std::vector<Violation> scanSource(std::string_view source, Mode mode);
Result<std::vector<Violation>> scanObject(std::span<const std::uint8_t> elf, Mode mode);
Result<std::vector<Violation>> scanObjectFile(const std::string& path, Mode mode);

// `ibsr verify-bpf` and the standalone build-time tool share this entry point.
// argv[0] is the program name. Returns 0 clean, 1 violations, 2 usage error or unreadable input.
int runVerifyCli(int argc, char** argv);

}  // namespace ibsr::safety
