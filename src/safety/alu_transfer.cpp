// Abstract semantics of BPF ALU instructions over AbsVal (see alu_transfer.h).
#include "safety/alu_transfer.h"

#include <optional>

namespace ibsr::safety {

using namespace insn;

namespace {

// A 32-bit ALU result: the kernel zero-extends it into a scalar, so no pointer survives.
void narrowTo32(AbsVal& v) {
  if (v.ptrKinds()) {
    v.dropPointers();
    v.setAnyScalar();
  }
  v.truncate(4);
}

std::uint64_t bswap(std::uint64_t v, int bits) {
  switch (bits) {
    case 16:
      return __builtin_bswap16(static_cast<std::uint16_t>(v));
    case 32:
      return __builtin_bswap32(static_cast<std::uint32_t>(v));
    default:
      return __builtin_bswap64(v);
  }
}

std::optional<std::int64_t> aluConst(std::uint8_t o, std::int64_t a, std::int64_t b, bool is64,
                                     bool isSigned) {
  std::uint64_t ua = static_cast<std::uint64_t>(a), ub = static_cast<std::uint64_t>(b);
  if (!is64) {
    ua &= 0xffffffffU;
    ub &= 0xffffffffU;
  }
  unsigned shiftMask = is64 ? 63 : 31;
  std::uint64_t r = 0;
  switch (o) {
    case kAdd:
      r = ua + ub;
      break;
    case kSub:
      r = ua - ub;
      break;
    case kMul:
      r = ua * ub;
      break;
    case kOr:
      r = ua | ub;
      break;
    case kAnd:
      r = ua & ub;
      break;
    case kXor:
      r = ua ^ ub;
      break;
    case kLsh:
      r = ua << (ub & shiftMask);
      break;
    case kRsh:
      r = ua >> (ub & shiftMask);
      break;
    case kArsh:
      if (is64) {
        r = static_cast<std::uint64_t>(a >> (ub & shiftMask));
      } else {
        r = static_cast<std::uint32_t>(static_cast<std::int32_t>(ua) >> (ub & shiftMask));
      }
      break;
    case kDiv:
    case kMod:
      // BPF semantics: x / 0 == 0 and x % 0 == x. Signed forms (off == 1) are cpu v4.
      if (ub == 0) {
        r = o == kDiv ? 0 : ua;
      } else if (isSigned) {
        std::int64_t sa = is64 ? a : static_cast<std::int32_t>(ua);
        std::int64_t sb = is64 ? b : static_cast<std::int32_t>(ub);
        if (sb == -1) {
          r = o == kDiv ? 0 - static_cast<std::uint64_t>(sa) : 0;  // avoids INT_MIN / -1
        } else {
          r = static_cast<std::uint64_t>(o == kDiv ? sa / sb : sa % sb);
        }
      } else {
        r = o == kDiv ? ua / ub : ua % ub;
      }
      break;
    default:
      return std::nullopt;
  }
  if (!is64) r &= 0xffffffffU;
  return static_cast<std::int64_t>(r);
}

// Known stack offsets are kept within this range (the real stack is 512 bytes), so offset
// arithmetic in loads and stores can never overflow; anything farther is "unknown offset".
constexpr std::int64_t kMaxTrackedStackOffset = std::int64_t{1} << 20;

AbsVal stackPart(const AbsVal& ptr, const AbsVal& delta, bool negate) {
  if (ptr.stackOffsetKnown() && delta.isConstOnly() && delta.consts().size() == 1) {
    std::int64_t d = delta.consts()[0];
    std::uint64_t off = static_cast<std::uint64_t>(ptr.stackOffset());
    off = negate ? off - static_cast<std::uint64_t>(d) : off + static_cast<std::uint64_t>(d);
    auto result = static_cast<std::int64_t>(off);
    if (result > -kMaxTrackedStackOffset && result < kMaxTrackedStackOffset) {
      return AbsVal::stackAt(result);
    }
  }
  return AbsVal::pointer(AbsVal::kStack);
}

}  // namespace

// dst = dst OP src for everything but MOV, NEG and END.
AbsVal binaryOp(std::uint8_t o, const AbsVal& a, const AbsVal& b, bool is64, bool isSigned) {
  AbsVal out;
  if (a.hasScalar() && b.hasScalar()) {
    if (a.anyScalarSet() || b.anyScalarSet() ||
        a.consts().size() * b.consts().size() > AbsVal::kMaxConsts) {
      out.setAnyScalar();
    } else {
      for (auto x : a.consts()) {
        for (auto y : b.consts()) {
          auto r = aluConst(o, x, y, is64, isSigned);
          if (r) {
            out.addConst(*r);
          } else {
            out.setAnyScalar();
          }
        }
      }
    }
  }
  if (o == kAdd || o == kSub) {
    // pointer +- scalar stays the same kind of pointer; scalar + pointer likewise.
    auto movePointer = [&](const AbsVal& ptr, const AbsVal& delta, bool negate) {
      if (ptr.ptrKinds() == 0 || !delta.hasScalar()) return;
      AbsVal p = AbsVal::pointer(ptr.ptrKinds() & ~AbsVal::kStack);
      p.addDeref(ptr.derefKinds());
      if (ptr.may(AbsVal::kStack)) p.join(stackPart(ptr, delta, negate));
      out.join(p);
    };
    movePointer(a, b, o == kSub);
    if (o == kAdd) movePointer(b, a, false);
    if (a.ptrKinds() && b.ptrKinds()) {
      if (o == kSub) {
        out.setAnyScalar();  // pointer difference
      } else {
        // Rejected by the kernel; keep every kind so no store base is ever lost.
        AbsVal both = AbsVal::pointer((a.ptrKinds() | b.ptrKinds()) & ~AbsVal::kStack);
        both.addDeref(a.derefKinds() | b.derefKinds());
        out.join(both);
        if ((a.ptrKinds() | b.ptrKinds()) & AbsVal::kStack)
          out.join(AbsVal::pointer(AbsVal::kStack));
      }
    }
    if (o == kSub && b.ptrKinds() && a.hasScalar()) out.setAnyScalar();
  } else if (a.ptrKinds() || b.ptrKinds()) {
    // The kernel refuses other arithmetic on pointers, or turns the result into a scalar.
    out.setAnyScalar();
  }
  if (!is64) narrowTo32(out);
  return out;
}

AbsVal endianOp(const Insn& i, const AbsVal& v) {
  if (!v.isConstOnly()) return AbsVal::anyScalar();
  AbsVal out;
  int bits = i.imm;
  bool toLe = cls(i.code) == kAlu && !(i.code & kSrcX);  // BPF_TO_LE on a little-endian host
  for (auto c : v.consts()) {
    auto u = static_cast<std::uint64_t>(c);
    if (bits < 64) u &= (std::uint64_t{1} << bits) - 1;
    out.addConst(static_cast<std::int64_t>(toLe ? u : bswap(u, bits)));
  }
  return out;
}

AbsVal movOp(const Insn& i, const AbsVal& src, bool is64) {
  AbsVal out = src;
  if (i.off == 8 || i.off == 16 || i.off == 32) {  // movsx (cpu v4)
    if (!src.isConstOnly()) return AbsVal::anyScalar();
    out = AbsVal();
    for (auto c : src.consts()) {
      std::int64_t v = i.off == 8    ? static_cast<std::int8_t>(c)
                       : i.off == 16 ? static_cast<std::int16_t>(c)
                                     : static_cast<std::int32_t>(c);
      out.addConst(v);
    }
  }
  if (!is64) narrowTo32(out);
  return out;
}

}  // namespace ibsr::safety
