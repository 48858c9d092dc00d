#include "incident/scrub.h"

#include <cstring>

namespace ibsr::incident {
namespace {

std::uint32_t readBe32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         std::uint32_t{p[3]};
}

void writeBe32(std::uint8_t* p, std::uint32_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 24);
  p[1] = static_cast<std::uint8_t>(v >> 16);
  p[2] = static_cast<std::uint8_t>(v >> 8);
  p[3] = static_cast<std::uint8_t>(v);
}

std::uint16_t readBe16(const std::uint8_t* p) {
  return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}

}  // namespace

std::uint64_t fnv1a64(const std::uint8_t* data, std::size_t len, std::uint64_t hash) {
  for (std::size_t i = 0; i < len; ++i) {
    hash ^= data[i];
    hash *= kFnvPrime;
  }
  return hash;
}

std::uint32_t hashIpv4(std::uint64_t salt, std::uint32_t addr) {
  std::uint8_t buf[12];
  for (int i = 0; i < 8; ++i) buf[i] = static_cast<std::uint8_t>(salt >> (56 - 8 * i));
  writeBe32(buf + 8, addr);
  return static_cast<std::uint32_t>(fnv1a64(buf, sizeof(buf)));
}

void hashIpv6(std::uint64_t salt, std::uint8_t* addr16) {
  std::uint8_t buf[24];
  for (int i = 0; i < 8; ++i) buf[i] = static_cast<std::uint8_t>(salt >> (56 - 8 * i));
  std::memcpy(buf + 8, addr16, 16);
  std::uint64_t h = fnv1a64(buf, sizeof(buf));
  for (int i = 0; i < 8; ++i) {
    addr16[i] = static_cast<std::uint8_t>(h >> (56 - 8 * i));
    addr16[8 + i] = addr16[i];
  }
}

namespace {

// Offset of the L3 header of `ethertype` with at least `minLen` bytes captured and IP version
// `version`, after any number of 802.1Q/802.1ad tags: the counters stop at two, but a frame with
// more must not keep its real addresses. Each tag advances 4 bytes, so the capture bounds the loop.
std::optional<std::size_t> l3HeaderOffset(const std::uint8_t* frame, std::size_t capLen,
                                          std::uint16_t ethertype, std::size_t minLen,
                                          int version) {
  std::size_t off = 12;
  if (capLen < off + 2) return std::nullopt;
  std::uint16_t proto = readBe16(frame + off);
  while (proto == 0x8100 || proto == 0x88a8) {
    off += 4;
    if (capLen < off + 2) return std::nullopt;
    proto = readBe16(frame + off);
  }
  off += 2;
  if (proto != ethertype) return std::nullopt;
  if (capLen < off + minLen || (frame[off] >> 4) != version) return std::nullopt;
  return off;
}

}  // namespace

std::optional<std::size_t> ipv4HeaderOffset(const std::uint8_t* frame, std::size_t capLen) {
  return l3HeaderOffset(frame, capLen, 0x0800, 20, 4);
}

std::optional<std::size_t> ipv6HeaderOffset(const std::uint8_t* frame, std::size_t capLen) {
  return l3HeaderOffset(frame, capLen, 0x86dd, 40, 6);
}

ScrubVerdict Scrubber::apply(std::uint8_t* frame, std::size_t capLen) const {
  if (!active()) return ScrubVerdict::Keep;
  if (auto ip6 = ipv6HeaderOffset(frame, capLen)) {
    std::uint8_t* src = frame + *ip6 + 8;
    std::uint8_t* dst = frame + *ip6 + 24;
    if (internal_.bothInside(IpAddress::fromV6(src), IpAddress::fromV6(dst)))
      return ScrubVerdict::Drop;
    if (salt_) {
      hashIpv6(*salt_, src);
      hashIpv6(*salt_, dst);
    }
    return ScrubVerdict::Keep;
  }
  auto ip = ipv4HeaderOffset(frame, capLen);
  if (!ip) return ScrubVerdict::Keep;
  std::uint8_t* src = frame + *ip + 12;
  std::uint8_t* dst = frame + *ip + 16;
  std::uint32_t s = readBe32(src), d = readBe32(dst);
  if (internal_.bothInside(IpAddress::fromV4(s), IpAddress::fromV4(d))) return ScrubVerdict::Drop;
  if (salt_) {
    writeBe32(src, hashIpv4(*salt_, s));
    writeBe32(dst, hashIpv4(*salt_, d));
  }
  return ScrubVerdict::Keep;
}

}  // namespace ibsr::incident
