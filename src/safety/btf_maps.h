// Reads the type of every map an object defines: BTF-defined maps from the `.maps` section
// (`__uint(type, X)` is encoded as a member `type` of type `int (*)[X]`), the inner maps of
// map-in-map definitions (`__array(values, ...)`), and legacy `maps` section definitions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "safety/elf_file.h"

namespace ibsr::safety {

struct MapDef {
  std::string name;                   // "outer" or "outer.values" for an inner map
  std::optional<std::uint32_t> type;  // nullopt: the object does not say (a violation)
  std::string problem;                // why type is unknown
};

std::vector<MapDef> readMapDefs(const ElfFile& elf);

}  // namespace ibsr::safety
