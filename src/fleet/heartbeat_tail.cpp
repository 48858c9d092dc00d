#include <nlohmann/json.hpp>

#include "fleet/fleet_store.h"

namespace ibsr::fleet {

std::optional<int64_t> lastHeartbeatTs(const std::string& tail) {
  // Lines end with '\n'; a last line without one may be half-written (or cut by the tail read at
  // its start), so only complete lines count, newest first.
  size_t end = tail.rfind('\n');
  while (end != std::string::npos && end > 0) {
    size_t start = tail.rfind('\n', end - 1);
    size_t from = start == std::string::npos ? 0 : start + 1;
    // The first line of a tail read from the middle of the file may be cut: it still parses
    // only if it is whole, and a cut line fails to parse.
    auto line = nlohmann::json::parse(tail.begin() + long(from), tail.begin() + long(end), nullptr,
                                      /*allow_exceptions=*/false);
    if (line.is_object() && line.contains("timestamp") && line["timestamp"].is_number_integer())
      return line["timestamp"].get<int64_t>();
    if (start == std::string::npos) break;
    end = start;
  }
  return std::nullopt;
}

}  // namespace ibsr::fleet
