// BPF instruction encoding (linux/bpf_common.h + linux/bpf.h), decoded from raw object bytes.
#pragma once

#include <cstdint>
#include <cstring>
#include <span>

namespace ibsr::safety::insn {

struct Insn {
  std::uint8_t code = 0;
  std::uint8_t dst = 0;
  std::uint8_t src = 0;
  std::int16_t off = 0;
  std::int32_t imm = 0;
};

inline Insn decode(std::span<const std::uint8_t> text, std::size_t index) {
  const std::uint8_t* p = text.data() + index * 8;
  Insn i;
  i.code = p[0];
  i.dst = p[1] & 0x0f;
  i.src = p[1] >> 4;
  std::memcpy(&i.off, p + 2, 2);
  std::memcpy(&i.imm, p + 4, 4);
  return i;
}

// Classes.
inline constexpr std::uint8_t kLd = 0x00, kLdx = 0x01, kSt = 0x02, kStx = 0x03, kAlu = 0x04,
                              kJmp = 0x05, kJmp32 = 0x06, kAlu64 = 0x07;
// Sizes and modes of loads and stores.
inline constexpr std::uint8_t kW = 0x00, kH = 0x08, kB = 0x10, kDW = 0x18;
inline constexpr std::uint8_t kImm = 0x00, kAbs = 0x20, kInd = 0x40, kMem = 0x60, kMemSx = 0x80,
                              kAtomic = 0xc0;
// ALU operations.
inline constexpr std::uint8_t kAdd = 0x00, kSub = 0x10, kMul = 0x20, kDiv = 0x30, kOr = 0x40,
                              kAnd = 0x50, kLsh = 0x60, kRsh = 0x70, kNeg = 0x80, kMod = 0x90,
                              kXor = 0xa0, kMov = 0xb0, kArsh = 0xc0, kEnd = 0xd0;
inline constexpr std::uint8_t kSrcX = 0x08;
// Jump operations.
inline constexpr std::uint8_t kJa = 0x00, kCall = 0x80, kExit = 0x90;
// Atomic operations (imm of a STX|ATOMIC instruction).
inline constexpr std::int32_t kFetch = 0x01, kXchg = 0xe0 | kFetch, kCmpXchg = 0xf0 | kFetch;
// src_reg of CALL and LD_IMM64.
inline constexpr std::uint8_t kPseudoCall = 1, kPseudoKfuncCall = 2;
inline constexpr std::uint8_t kPseudoMapFd = 1, kPseudoMapValue = 2, kPseudoFunc = 4,
                              kPseudoMapIdx = 5, kPseudoMapIdxValue = 6;

inline std::uint8_t cls(std::uint8_t code) {
  return code & 0x07;
}
inline std::uint8_t op(std::uint8_t code) {
  return code & 0xf0;
}
inline std::uint8_t size(std::uint8_t code) {
  return code & 0x18;
}
inline std::uint8_t mode(std::uint8_t code) {
  return code & 0xe0;
}
inline int sizeBytes(std::uint8_t code) {
  switch (size(code)) {
    case kW:
      return 4;
    case kH:
      return 2;
    case kB:
      return 1;
    default:
      return 8;
  }
}
inline bool isLdImm64(const Insn& i) {
  return i.code == (kLd | kImm | kDW);
}

}  // namespace ibsr::safety::insn
