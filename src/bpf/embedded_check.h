#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "core/result.h"
#include "safety/verifier.h"

namespace ibsr::bpf {

// Runs the object scan on an embedded BPF object before anything is attached. Any violation is
// an error listing every violation: ibsr refuses to attach an object that fails the check.
// Then checks that the running kernel has what the object needs (bpf/kernel_caps.h).
Status checkEmbeddedObject(std::string_view name, std::span<const std::uint8_t> elf,
                           safety::Mode mode);

}  // namespace ibsr::bpf
