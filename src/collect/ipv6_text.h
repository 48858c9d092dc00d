// IPv6 addresses as text for the snapshot6_ line, exactly as glibc's inet_ntop(AF_INET6) writes
// them (RFC 5952: lowercase hex without leading zeros, the first longest run of two or more zero
// groups as "::"; ::ffff:a.b.c.d and ::a.b.c.d in dotted form), into the line's buffer: inet_ntop
// and a formatted string per bucket made the line 12 times slower to build than its IPv4 peer.
// Not core's IpAddress::toString: that one writes the deprecated IPv4-compatible form ::a.b.c.d
// in hex, and the artefact's text has been inet_ntop's since it began (seed 000: the bytes stay).
#pragma once

#include <cstdint>

namespace ibsr::collect {

// The longest text: eight groups of four hex digits and seven colons (the dotted forms, which
// begin with "::", are shorter).
inline constexpr int kMaxIpv6Text = 39;

// Writes the text of the 16 address bytes (network order) at out; returns its end.
char* writeIpv6Text(char* out, const std::uint8_t* bytes);

}  // namespace ibsr::collect
