#include "incident/client_output.h"

#include <fmt/format.h>

#include <ctime>

namespace ibsr::incident {
namespace {

std::string timestamp(const std::optional<std::uint64_t>& ts) {
  if (!ts) return "none";
  std::tm tm{};
  const auto t = static_cast<std::time_t>(*ts);
  char iso[32];
  if (::gmtime_r(&t, &tm) == nullptr || std::strftime(iso, sizeof iso, "%FT%TZ", &tm) == 0)
    return std::to_string(*ts);
  return fmt::format("{} ({})", *ts, iso);
}

}  // namespace

std::string statusText(const ControlState& s) {
  return fmt::format("sampling_active: {}\nrate: {}\ntag: {}\ntrigger_ts: {}\ndeadline_ts: {}\n",
                     s.samplingActive ? 1 : 0, s.rate, s.tag, timestamp(s.triggerTs),
                     timestamp(s.deadlineTs));
}

}  // namespace ibsr::incident
