// Privacy scrubbing of one captured frame before it is written (seed 004, "Privacy / scrubbing").
//
// Order matters: the internal-subnet check runs on the real addresses BEFORE hashing (hashed
// addresses would fall outside the subnet and internal traffic would never be dropped).
// Only IPv4 (Ethernet, up to two VLAN tags) is touched; IPv6 and other frames pass unchanged.
// Checksums are not recomputed, so tcpdump reports "bad cksum" on scrubbed frames.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "incident/options.h"

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

enum class ScrubVerdict { Keep, Drop };

class Scrubber {
 public:
  Scrubber(std::optional<std::uint64_t> salt, std::optional<Subnet> internal)
      : salt_(salt), internal_(internal) {}

  bool active() const { return salt_ || internal_; }

  // Drop: both endpoints lie in the internal subnet. Otherwise the frame's IPv4 source and
  // destination are hashed in place when a salt is set. `frame` holds `capLen` bytes.
  ScrubVerdict apply(std::uint8_t* frame, std::size_t capLen) const;

 private:
  std::optional<std::uint64_t> salt_;
  std::optional<Subnet> internal_;
};

// Offset of the IPv4 header in an Ethernet frame (after up to two 802.1Q/802.1ad tags), or
// nullopt if the frame is not IPv4 or too short to hold both addresses.
std::optional<std::size_t> ipv4HeaderOffset(const std::uint8_t* frame, std::size_t capLen);

}  // namespace ibsr::incident
