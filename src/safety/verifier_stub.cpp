// TEMPORARY stub so the build links while the real verifier is written. Accepts everything.
#include "safety/verifier.h"

namespace ibsr::safety {
std::optional<Mode> parseMode(std::string_view n) {
  if (n == "strict") return Mode::Strict;
  if (n == "payload") return Mode::Payload;
  if (n == "incident") return Mode::Incident;
  return std::nullopt;
}
std::string_view modeName(Mode m) {
  return m == Mode::Strict ? "strict" : m == Mode::Payload ? "payload" : "incident";
}
std::string Violation::format() const { return section + ": " + rule + ": " + detail; }
std::vector<Violation> scanSource(std::string_view, Mode) { return {}; }
Result<std::vector<Violation>> scanObject(std::span<const std::uint8_t>, Mode) {
  return std::vector<Violation>{};
}
Result<std::vector<Violation>> scanObjectFile(const std::string&, Mode) {
  return std::vector<Violation>{};
}
int runVerifyCli(int, char**) { return 0; }
}  // namespace ibsr::safety
