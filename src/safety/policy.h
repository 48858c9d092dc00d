// What is forbidden, in one place for both scans: helper ids and names, map types, verdict codes
// and program kinds. The source scan matches the names, the object scan the numbers.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "safety/verifier.h"

namespace ibsr::safety {

enum class HelperClass {
  Allowed,
  Forbidden,    // redirects, steers, modifies packets/skbs, or has side effects outside the packet
  TailCall,     // bpf_tail_call: hands the verdict to another program
  StrictEvent,  // kernel->userspace event stream: forbidden in strict mode only
};

struct HelperInfo {
  std::string_view name;  // without the "bpf_" prefix, as in linux/bpf.h's __BPF_FUNC_MAPPER
  HelperClass cls;
};

// nullopt for an id outside the table (unknown helper).
std::optional<HelperInfo> helperById(std::int64_t id);
std::size_t helperCount();
std::optional<HelperInfo> helperByName(std::string_view name);  // name without "bpf_"

// StrictCounter's allow-list (seed 002): map lookup and update, ktime. Header-boundary checks are
// pointer comparisons against data_end, not helpers. In strict mode any other helper is a
// violation, whatever the deny-list says about it.
bool strictAllowsHelper(std::string_view name);
std::span<const std::string_view> strictAllowedHelpers();

// Whether a helper only ever reads the memory its pointer arguments point to, so that handing it
// a packet pointer cannot modify the packet (map keys and values, checksum input, event data).
bool helperOnlyReadsArguments(std::string_view name);

enum class MapClass { Allowed, Forbidden, StrictEvent, Lru };

struct MapTypeInfo {
  std::string_view name;  // lower case, as in BPF_MAP_TYPE_<NAME>
  MapClass cls;
};

// nullopt for an id outside the table (unknown map type).
std::optional<MapTypeInfo> mapTypeById(std::uint32_t id);
std::uint32_t mapTypeCount();
std::optional<MapTypeInfo> mapTypeByName(std::string_view lowerName);

enum class ProgKind { Xdp, Tc, Other };

ProgKind progKindOfSection(std::string_view section);
std::string_view progKindName(ProgKind kind);
bool progKindAllowed(ProgKind kind, Mode mode);

// The verdicts that let a packet through, compared on the low 32 bits (the kernel reads the
// return value as u32 for XDP and as int for TC).
bool isPassVerdict(ProgKind kind, std::uint32_t value);
std::string_view passVerdictNames(ProgKind kind);
std::string verdictName(ProgKind kind, std::uint32_t value);

// Source identifiers: verdict names that are violations wherever they appear in code.
std::vector<std::string_view> forbiddenVerdictIdentifiers();

}  // namespace ibsr::safety
