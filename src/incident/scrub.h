// Privacy scrubbing of one captured frame before it is written (seed 004, "Privacy / scrubbing").
//
// Order matters: the internal-prefix check runs on the real addresses BEFORE hashing (hashed
// addresses would fall outside the prefixes and internal traffic would never be dropped).
// IPv4 and IPv6 headers (Ethernet, any number of VLAN tags) are touched; other frames (ARP) pass
// unchanged. Checksums are not recomputed, so tcpdump reports "bad cksum" on scrubbed frames
// (the IPv4 header's and TCP/UDP's alike).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "incident/internal_prefixes.h"

namespace ibsr::incident {

// FNV-1a 64-bit over `len` bytes, continuing from `hash` (start with kFnvOffsetBasis).
inline constexpr std::uint64_t kFnvOffsetBasis = 0xcbf29ce484222325ULL;
inline constexpr std::uint64_t kFnvPrime = 0x100000001b3ULL;
std::uint64_t fnv1a64(const std::uint8_t* data, std::size_t len,
                      std::uint64_t hash = kFnvOffsetBasis);

// The scrubbed form of an IPv4 address (host order in, host order out): the low 32 bits of
// FNV-1a-64 over the salt's 8 bytes (big-endian) followed by the address's 4 bytes in network
// order. The caller writes the result back in network order.
std::uint32_t hashIpv4(std::uint64_t salt, std::uint32_t addr);

// The scrubbed form of an IPv6 address, written over the 16 bytes in place: h = FNV-1a-64 over
// the salt's 8 bytes (big-endian) followed by the 16 address bytes in network order; the new
// address is h big-endian in bytes 0..7 and again in bytes 8..15.
void hashIpv6(std::uint64_t salt, std::uint8_t* addr16);

enum class ScrubVerdict { Keep, Drop };

class Scrubber {
 public:
  Scrubber(std::optional<std::uint64_t> salt, InternalPrefixes internal)
      : salt_(salt), internal_(std::move(internal)) {}

  bool active() const { return salt_ || !internal_.empty(); }

  // Drop: the IPv4 or IPv6 source and destination both lie in internal prefixes (of their own
  // family). Otherwise they are hashed in place when a salt is set. `frame` holds `capLen`
  // bytes.
  ScrubVerdict apply(std::uint8_t* frame, std::size_t capLen) const;

 private:
  std::optional<std::uint64_t> salt_;
  InternalPrefixes internal_;
};

// Offset of the IPv4 header in an Ethernet frame (after any 802.1Q/802.1ad tags), or
// nullopt if the frame is not IPv4 or too short to hold both addresses.
std::optional<std::size_t> ipv4HeaderOffset(const std::uint8_t* frame, std::size_t capLen);

// The same for the fixed 40-byte IPv6 header (ethertype 0x86dd, version 6).
std::optional<std::size_t> ipv6HeaderOffset(const std::uint8_t* frame, std::size_t capLen);

}  // namespace ibsr::incident
