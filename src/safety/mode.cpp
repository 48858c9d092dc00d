#include "safety/verifier.h"

namespace ibsr::safety {

std::optional<Mode> parseMode(std::string_view name) {
  if (name == "strict") return Mode::Strict;
  if (name == "payload") return Mode::Payload;
  if (name == "incident") return Mode::Incident;
  return std::nullopt;
}

std::string_view modeName(Mode mode) {
  switch (mode) {
    case Mode::Strict:
      return "strict";
    case Mode::Payload:
      return "payload";
    case Mode::Incident:
      return "incident";
  }
  return "?";
}

std::string Violation::format() const {
  std::string out = section;
  if (insn >= 0) out += " insn " + std::to_string(insn);
  out += ": " + rule + " (mode " + std::string(modeName(mode)) + "): " + detail;
  return out;
}

}  // namespace ibsr::safety
