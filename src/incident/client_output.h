// What `ibsr incident status` prints: one "name: value" line per field of the status reply, the
// names as in the protocol so an operator can grep for them and find them in the docs.
#pragma once

#include <string>

#include "incident/command.h"

namespace ibsr::incident {

// Timestamps print as "1715260200 (2024-05-09T13:10:00Z)"; an absent one as "none".
std::string statusText(const ControlState& state);

}  // namespace ibsr::incident
