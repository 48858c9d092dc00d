#pragma once

namespace ibsr::bpf {

// Routes libbpf's messages to our logger: warnings always, info with -v, debug with -vv.
// The kernel verifier log of a failed load comes through here as a warning.
void installLibbpfLogging();

}  // namespace ibsr::bpf
