#include "incident/scrub.h"

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

std::optional<std::size_t> ipv4HeaderOffset(const std::uint8_t* frame, std::size_t capLen) {
  std::size_t off = 12;
  if (capLen < off + 2) return std::nullopt;
  std::uint16_t proto = readBe16(frame + off);
  for (int tags = 0; tags < 2 && (proto == 0x8100 || proto == 0x88a8); ++tags) {
    off += 4;
    if (capLen < off + 2) return std::nullopt;
    proto = readBe16(frame + off);
  }
  off += 2;
  if (proto != 0x0800) return std::nullopt;
  if (capLen < off + 20 || (frame[off] >> 4) != 4) return std::nullopt;
  return off;
}

ScrubVerdict Scrubber::apply(std::uint8_t* frame, std::size_t capLen) const {
  if (!active()) return ScrubVerdict::Keep;
  auto ip = ipv4HeaderOffset(frame, capLen);
  if (!ip) return ScrubVerdict::Keep;
  std::uint8_t* src = frame + *ip + 12;
  std::uint8_t* dst = frame + *ip + 16;
  std::uint32_t s = readBe32(src), d = readBe32(dst);
  if (internal_ && internal_->contains(IpAddress::fromV4(s)) &&
      internal_->contains(IpAddress::fromV4(d)))
    return ScrubVerdict::Drop;
  if (salt_) {
    writeBe32(src, hashIpv4(*salt_, s));
    writeBe32(dst, hashIpv4(*salt_, d));
  }
  return ScrubVerdict::Keep;
}

}  // namespace ibsr::incident
