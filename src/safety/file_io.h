// Whole-file reads for the CLI and scanObjectFile().
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/result.h"

namespace ibsr::safety {

Result<std::vector<std::uint8_t>> readFileBytes(const std::string& path);

}  // namespace ibsr::safety
