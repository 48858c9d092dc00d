#include "core/artefacts.h"

#include "core/clock.h"

namespace ibsr::artefact {

std::string hourlyName(std::string_view prefix, std::uint64_t ts) {
  std::string name(prefix);
  name += utcHourStamp(ts);
  name += kHourlySuffix;
  return name;
}

}  // namespace ibsr::artefact
