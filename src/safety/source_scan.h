// Source-scan internals exposed for tests.
#pragma once

#include <string>
#include <string_view>

namespace ibsr::safety {

// Replaces comments and the contents of string and character literals with spaces, keeping every
// newline (so line numbers survive) and the quote characters themselves.
std::string stripCommentsAndLiterals(std::string_view source);

}  // namespace ibsr::safety
