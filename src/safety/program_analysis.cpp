#include "safety/program_analysis.h"

#include <elf.h>

#include <array>
#include <set>
#include <unordered_map>
#include <vector>

#include "safety/rules.h"

namespace ibsr::safety {

using namespace insn;

namespace {

constexpr int kMaxCallDepth = 16;

struct Slot {
  int size = 0;
  AbsVal v;
  bool operator==(const Slot&) const = default;
};

struct State {
  std::array<AbsVal, 11> r;
  std::map<std::int64_t, Slot> stack;  // by byte offset from this frame's r10
  // What may sit anywhere in the stack (stored at an unknown offset); joined into every stack load.
  AbsVal stackTaint;
  bool operator==(const State&) const = default;
};

State joinStates(const State& a, const State& b) {
  State out = a;
  for (std::size_t i = 0; i < out.r.size(); ++i) out.r[i].join(b.r[i]);
  out.stackTaint.join(b.stackTaint);
  for (auto& [off, slot] : out.stack) {
    auto it = b.stack.find(off);
    if (it == b.stack.end()) {
      slot.v.setAnyScalar();  // uninitialized (or helper-written bytes) on the other path
    } else {
      if (it->second.size != slot.size) {
        slot.size = -1;  // never matches a load exactly
        slot.v.setAnyScalar();
      }
      slot.v.join(it->second.v);
    }
  }
  for (const auto& [off, slot] : b.stack) {
    if (out.stack.count(off)) continue;
    Slot s = slot;
    s.v.setAnyScalar();
    out.stack.emplace(off, s);
  }
  return out;
}

// Packet pointers are loaded from these context offsets: xdp_md.data/data_meta and
// __sk_buff.data/data_meta.
bool isPacketCtxOffset(ProgKind kind, std::int64_t off) {
  if (kind == ProgKind::Xdp) return off == 0 || off == 8;
  if (kind == ProgKind::Tc) return off == 76 || off == 140;
  return false;
}

std::uint64_t bswap(std::uint64_t v, int bits) {
  switch (bits) {
    case 16: return __builtin_bswap16(static_cast<std::uint16_t>(v));
    case 32: return __builtin_bswap32(static_cast<std::uint32_t>(v));
    default: return __builtin_bswap64(v);
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
    case kAdd: r = ua + ub; break;
    case kSub: r = ua - ub; break;
    case kMul: r = ua * ub; break;
    case kOr: r = ua | ub; break;
    case kAnd: r = ua & ub; break;
    case kXor: r = ua ^ ub; break;
    case kLsh: r = ua << (ub & shiftMask); break;
    case kRsh: r = ua >> (ub & shiftMask); break;
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
    default: return std::nullopt;
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
        out.join(AbsVal::pointer((a.ptrKinds() | b.ptrKinds()) & ~AbsVal::kStack));
        if ((a.ptrKinds() | b.ptrKinds()) & AbsVal::kStack) out.join(AbsVal::pointer(AbsVal::kStack));
      }
    }
    if (o == kSub && b.ptrKinds() && a.hasScalar()) out.setAnyScalar();
  } else if (a.ptrKinds() || b.ptrKinds()) {
    // The kernel refuses other arithmetic on pointers, or turns the result into a scalar.
    out.setAnyScalar();
  }
  if (!is64) {
    if (out.ptrKinds()) {
      out.dropPointers();
      out.setAnyScalar();
    }
    out.truncate(4);
  }
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
      std::int64_t v = i.off == 8 ? static_cast<std::int8_t>(c)
                       : i.off == 16 ? static_cast<std::int16_t>(c)
                                     : static_cast<std::int32_t>(c);
      out.addConst(v);
    }
  }
  if (!is64) {
    if (out.ptrKinds()) {
      out.dropPointers();
      out.setAnyScalar();
    }
    out.truncate(4);
  }
  return out;
}

AbsVal withStackAsOther(AbsVal v) {
  if (!v.may(AbsVal::kStack)) return v;
  std::uint8_t kinds = static_cast<std::uint8_t>((v.ptrKinds() & ~AbsVal::kStack) | AbsVal::kOther);
  AbsVal out;
  if (v.anyScalarSet()) out.setAnyScalar();
  for (auto c : v.consts()) out.addConst(c);
  out.addPointer(kinds);
  return out;
}

// Helpers that run a callback of the program with a pointer to the caller's stack: bpf_loop,
// bpf_for_each_map_elem, bpf_find_vma, bpf_user_ringbuf_drain (timer callbacks get map pointers).
bool takesCallback(std::int32_t helperId) {
  return helperId == 164 || helperId == 180 || helperId == 181 || helperId == 209;
}

std::string memoKey(CodeLocation at, ProgKind kind, const std::array<AbsVal, 5>& args) {
  std::string key = std::to_string(at.section) + ":" + std::to_string(at.insn) + ":" +
                    std::to_string(static_cast<int>(kind));
  for (const auto& a : args) {
    key += "|" + a.describe();
    if (a.stackOffsetKnown()) key += "@" + std::to_string(a.stackOffset());
  }
  return key;
}

}  // namespace

std::size_t insnCount(const ElfSection& section) { return section.data.size() / 8; }

bool hasReloc(const ElfFile& elf, std::size_t section, std::size_t pc) {
  if (section >= elf.relocs.size()) return false;
  for (const auto& r : elf.relocs[section]) {
    if (r.offset == pc * 8) return true;
  }
  return false;
}

std::optional<CodeLocation> callTarget(const ElfFile& elf, std::size_t section, std::size_t pc,
                                       const Insn& i) {
  std::size_t targetSection = section;
  std::int64_t base = static_cast<std::int64_t>(pc);
  for (const auto& r : elf.relocs[section]) {
    if (r.offset != pc * 8) continue;
    if (r.symbol >= elf.symbols.size()) return std::nullopt;
    const auto& sym = elf.symbols[r.symbol];
    if (sym.shndx == SHN_UNDEF || sym.shndx >= elf.sections.size() || sym.value % 8 != 0) {
      return std::nullopt;
    }
    targetSection = sym.shndx;
    // libbpf: target = sym.st_value / 8 + imm + 1 (imm is -1 for a call to a function symbol).
    base = static_cast<std::int64_t>(sym.value / 8);
    break;
  }
  const auto& sec = elf.sections[targetSection];
  if (!(sec.flags & SHF_EXECINSTR)) return std::nullopt;
  std::int64_t target = base + 1 + i.imm;
  if (target < 0 || static_cast<std::uint64_t>(target) >= insnCount(sec)) return std::nullopt;
  return CodeLocation{targetSection, static_cast<std::size_t>(target)};
}

std::optional<CodeLocation> functionAddress(const ElfFile& elf, std::size_t section,
                                            std::size_t pc, const Insn& i) {
  for (const auto& r : elf.relocs[section]) {
    if (r.offset != pc * 8) continue;
    if (r.symbol >= elf.symbols.size()) return std::nullopt;
    const auto& sym = elf.symbols[r.symbol];
    if (sym.shndx == SHN_UNDEF || sym.shndx >= elf.sections.size()) return std::nullopt;
    const auto& target = elf.sections[sym.shndx];
    if (!(target.flags & SHF_EXECINSTR)) return std::nullopt;  // a map or data address
    // clang: the symbol (a function, or the section itself) plus the byte offset in imm.
    std::uint64_t byteOff = sym.value + static_cast<std::uint64_t>(static_cast<std::int64_t>(i.imm));
    if (byteOff % 8 != 0 || byteOff / 8 >= insnCount(target)) return std::nullopt;
    return CodeLocation{sym.shndx, static_cast<std::size_t>(byteOff / 8)};
  }
  if (i.src == kPseudoFunc) return callTarget(elf, section, pc, i);  // already resolved: relative
  return std::nullopt;
}

bool isExternCall(const ElfFile& elf, std::size_t section, std::size_t pc) {
  for (const auto& r : elf.relocs[section]) {
    if (r.offset != pc * 8) continue;
    return r.symbol < elf.symbols.size() && elf.symbols[r.symbol].shndx == SHN_UNDEF;
  }
  return false;
}

bool validOpcode(const Insn& i) {
  if (i.dst > 10 || i.src > 10) return false;
  std::uint8_t o = op(i.code);
  switch (cls(i.code)) {
    case kAlu:
    case kAlu64:
      if (o == kEnd) return i.imm == 16 || i.imm == 32 || i.imm == 64;
      return o <= kEnd;
    case kJmp:
      return o <= 0xd0 && !(o == kCall && !(i.src == 0 || i.src == kPseudoCall ||
                                            i.src == kPseudoKfuncCall));
    case kJmp32:
      return o <= 0xd0 && o != kCall && o != kExit;
    case kLd:
      return isLdImm64(i) || ((mode(i.code) == kAbs || mode(i.code) == kInd) && size(i.code) != kDW);
    case kLdx:
      return mode(i.code) == kMem || mode(i.code) == kMemSx;
    case kSt:
      return mode(i.code) == kMem;
    case kStx:
      return mode(i.code) == kMem ||
             (mode(i.code) == kAtomic && (size(i.code) == kW || size(i.code) == kDW));
    default:
      return false;
  }
}

void ProgramAnalyzer::analyzeProgram(CodeLocation entry, ProgKind kind) {
  std::array<AbsVal, 5> args;
  args[0] = AbsVal::pointer(AbsVal::kCtx);
  for (std::size_t k = 1; k < args.size(); ++k) args[k] = AbsVal::unknown();
  analyzeFunction(entry, kind, args, true, 0);
}

void ProgramAnalyzer::analyzeCallback(CodeLocation entry, ProgKind kind) {
  std::array<AbsVal, 5> args;
  for (auto& a : args) {
    a = AbsVal::unknown();
    a.addPointer(AbsVal::kCallerStack);
  }
  analyzeFunction(entry, kind, args, false, 0);
}

AbsVal ProgramAnalyzer::analyzeFunction(CodeLocation entry, ProgKind kind,
                                        const std::array<AbsVal, 5>& args, bool root, int depth) {
  const ElfSection& sec = elf_.sections[entry.section];
  const std::string& secName = sec.name;
  if (exhausted_) return AbsVal::unknown();
  std::string key = memoKey(entry, kind, args);
  if (!root) {
    auto it = memo_.find(key);
    if (it != memo_.end()) return it->second;
  }
  auto activeKey = std::make_pair(entry.section, entry.insn);
  if (depth > kMaxCallDepth || active_[activeKey] > 0) {
    // Recursion and call chains this deep are rejected by the kernel; we just give up on r0.
    return AbsVal::unknown();
  }
  ++active_[activeKey];

  std::size_t n = insnCount(sec);
  std::unordered_map<std::size_t, State> in;  // sparse: hostile sections can be huge
  std::set<std::size_t> work;
  State init;
  for (auto& r : init.r) r = AbsVal::unknown();
  for (std::size_t k = 0; k < args.size(); ++k) init.r[k + 1] = args[k];
  init.r[10] = AbsVal::stackAt(0);
  in[entry.insn] = init;
  work.insert(entry.insn);

  std::optional<AbsVal> ret;
  auto malformed = [&](std::size_t pc, const std::string& why) {
    sink_.add(secName, static_cast<long>(pc), rule::kMalformedProgram, why);
  };

  while (!work.empty()) {
    if (++steps_ > maxSteps_) {
      exhausted_ = true;
      sink_.add(secName, -1, rule::kAnalysisLimit,
                "gave up after " + std::to_string(maxSteps_) + " analysis steps");
      --active_[activeKey];
      return AbsVal::unknown();
    }
    std::size_t pc = *work.begin();
    work.erase(work.begin());
    State s = in.at(pc);
    Insn i = decode(sec.data, pc);
    std::vector<std::size_t> next;
    auto flow = [&](std::int64_t target) {
      if (target < 0 || static_cast<std::uint64_t>(target) >= n) {
        malformed(pc, "control flow leaves the section (target " + std::to_string(target) + ")");
        return;
      }
      next.push_back(static_cast<std::size_t>(target));
    };
    auto clobberCallerSaved = [&] {
      for (int k = 1; k <= 5; ++k) s.r[k] = AbsVal::unknown();
    };
    auto argsMayBeStack = [&] {
      for (int k = 1; k <= 5; ++k) {
        if (s.r[k].may(AbsVal::kStack)) return true;
      }
      return false;
    };
    // Bytes not in a slot already read as any scalar, so only the slots need widening.
    auto invalidateStackScalars = [&] {
      for (auto& [off, slot] : s.stack) slot.v.setAnyScalar();
    };

    if (!validOpcode(i)) {
      malformed(pc, "invalid opcode 0x" + [&] {
        char buf[8];
        std::snprintf(buf, sizeof buf, "%02x", i.code);
        return std::string(buf);
      }());
      continue;
    }
    std::uint8_t c = cls(i.code), o = op(i.code);
    auto store = [&](const AbsVal& base, std::int64_t off, int bytes, AbsVal value, bool atomic) {
      if (base.may(AbsVal::kPacket)) {
        sink_.add(secName, static_cast<long>(pc), rule::kPacketStore,
                  std::string(atomic ? "atomic update" : "store") + " through a pointer into " +
                      "packet data (r" + std::to_string(i.dst) + ")");
      }
      if (base.may(AbsVal::kCtx)) {
        sink_.add(secName, static_cast<long>(pc), rule::kCtxStore,
                  "store into the program context at offset " + std::to_string(off));
      }
      if (!base.may(AbsVal::kStack)) return;
      if (atomic || bytes < 8) {
        if (value.ptrKinds() || atomic) {
          value.setAnyScalar();
        } else {
          value.truncate(bytes);
        }
      }
      if (base.onlyStackAtKnownOffset() && !atomic) {
        std::int64_t at = base.stackOffset() + off;
        for (auto it = s.stack.begin(); it != s.stack.end();) {
          bool overlaps = it->first < at + bytes && at < it->first + std::max(it->second.size, 8);
          it = overlaps ? s.stack.erase(it) : std::next(it);
        }
        s.stack[at] = Slot{bytes, value};
      } else {
        value.setAnyScalar();
        for (auto& [slotOff, slot] : s.stack) slot.v.join(value);
        s.stackTaint.join(value);
      }
    };

    switch (c) {
      case kAlu:
      case kAlu64: {
        bool is64 = c == kAlu64;
        AbsVal src = (i.code & kSrcX) && o != kEnd ? s.r[i.src] : AbsVal::constant(i.imm);
        AbsVal& dst = s.r[i.dst];
        if (o == kMov) {
          dst = movOp(i, src, is64);
        } else if (o == kEnd) {
          dst = endianOp(i, dst);
        } else if (o == kNeg) {
          dst = binaryOp(kSub, AbsVal::constant(0), dst, is64, false);
        } else {
          dst = binaryOp(o, dst, src, is64, i.off == 1);
        }
        flow(static_cast<std::int64_t>(pc) + 1);
        break;
      }
      case kLd: {
        if (isLdImm64(i)) {
          if (pc + 1 >= n) {
            malformed(pc, "truncated 64-bit immediate load");
            break;
          }
          Insn hi = decode(sec.data, pc + 1);
          if (i.src != 0 || hasReloc(elf_, entry.section, pc)) {
            s.r[i.dst] = AbsVal::pointer(AbsVal::kOther);  // map, global data or function address
          } else {
            auto v = (static_cast<std::uint64_t>(static_cast<std::uint32_t>(hi.imm)) << 32) |
                     static_cast<std::uint32_t>(i.imm);
            s.r[i.dst] = AbsVal::constant(static_cast<std::int64_t>(v));
          }
          flow(static_cast<std::int64_t>(pc) + 2);
        } else {
          // Legacy LD_ABS/LD_IND: r0 = packet bytes; behaves like a helper call.
          clobberCallerSaved();
          s.r[0] = AbsVal::anyScalar();
          flow(static_cast<std::int64_t>(pc) + 1);
        }
        break;
      }
      case kLdx: {
        const AbsVal& base = s.r[i.src];
        int bytes = sizeBytes(i.code);
        AbsVal out;
        if (base.may(AbsVal::kCtx)) {
          if (isPacketCtxOffset(kind, i.off) && bytes >= 4) {
            out.join(AbsVal::pointer(AbsVal::kPacket));
          } else {
            out.join(AbsVal::unknown());  // other fields, data_end included
          }
        }
        if (base.may(AbsVal::kPacket)) out.join(AbsVal::anyScalar());
        if (base.may(AbsVal::kOther) || base.hasScalar()) out.join(AbsVal::unknown());
        if (base.may(AbsVal::kCallerStack)) {
          AbsVal spilled = AbsVal::unknown();
          spilled.addPointer(AbsVal::kPacket | AbsVal::kCallerStack);
          out.join(spilled);
        }
        if (base.may(AbsVal::kStack)) {
          AbsVal v = s.stackTaint;
          v.setAnyScalar();
          if (base.onlyStackAtKnownOffset()) {
            std::int64_t at = base.stackOffset() + i.off;
            auto it = s.stack.find(at);
            if (it != s.stack.end() && it->second.size == bytes) {
              // These bytes were last written by a store to this exact slot; weak stores made
              // since then were joined into it.
              v = it->second.v;
            } else {
              for (const auto& [slotOff, slot] : s.stack) {
                if (slotOff < at + bytes && at < slotOff + std::max(slot.size, 8)) v.join(slot.v);
              }
            }
          } else {
            for (const auto& [slotOff, slot] : s.stack) v.join(slot.v);
          }
          if (bytes < 8) {
            if (v.ptrKinds()) {
              v.dropPointers();
              v.setAnyScalar();
            }
            v.truncate(bytes);
          }
          out.join(v);
        }
        if (mode(i.code) == kMemSx) {
          out = AbsVal::anyScalar();
        }
        if (out == AbsVal()) out = AbsVal::unknown();
        s.r[i.dst] = out;
        flow(static_cast<std::int64_t>(pc) + 1);
        break;
      }
      case kSt:
        store(s.r[i.dst], i.off, sizeBytes(i.code), AbsVal::constant(i.imm), false);
        flow(static_cast<std::int64_t>(pc) + 1);
        break;
      case kStx: {
        bool atomic = mode(i.code) == kAtomic;
        store(s.r[i.dst], i.off, sizeBytes(i.code), s.r[i.src], atomic);
        if (atomic && (i.imm & kFetch)) {
          if (i.imm == kCmpXchg) {
            s.r[0] = AbsVal::anyScalar();
          } else {
            s.r[i.src] = AbsVal::anyScalar();
          }
        }
        flow(static_cast<std::int64_t>(pc) + 1);
        break;
      }
      case kJmp:
      case kJmp32: {
        if (o == kExit) {
          if (!root) {
            if (ret) {
              ret->join(s.r[0]);
            } else {
              ret = s.r[0];
            }
          } else if (kind != ProgKind::Other) {
            const AbsVal& r0 = s.r[0];
            bool pass = r0.isConstOnly();
            std::string bad;
            for (auto v : r0.consts()) {
              if (!isPassVerdict(kind, static_cast<std::uint32_t>(v))) {
                pass = false;
                bad += (bad.empty() ? "" : ", ") + verdictName(kind, static_cast<std::uint32_t>(v));
              }
            }
            if (!pass) {
              std::string why = bad.empty() ? "r0 is not a provable constant (" + r0.describe() + ")"
                                            : "r0 may be " + bad;
              sink_.add(secName, static_cast<long>(pc), rule::kNonPassExit,
                        why + "; only " + std::string(passVerdictNames(kind)) + " is allowed");
            }
          }
          break;
        }
        if (o == kCall) {
          if (i.src == kPseudoCall && !isExternCall(elf_, entry.section, pc)) {
            auto target = callTarget(elf_, entry.section, pc, i);
            AbsVal r0 = AbsVal::unknown();
            if (!target) {
              malformed(pc, "bpf-to-bpf call outside any code section");
            } else {
              std::array<AbsVal, 5> calleeArgs;
              std::uint8_t passed = 0;
              for (int k = 1; k <= 5; ++k) {
                calleeArgs[k - 1] = withStackAsOther(s.r[k]);
                passed |= s.r[k].ptrKinds();
              }
              r0 = analyzeFunction(*target, kind, calleeArgs, false, depth + 1);
              if (argsMayBeStack()) {
                // The callee may write anything it can reach into our stack.
                invalidateStackScalars();
                std::uint8_t reach = AbsVal::kOther;
                if (passed & (AbsVal::kCtx | AbsVal::kPacket)) reach |= AbsVal::kPacket;
                for (auto& [off, slot] : s.stack) slot.v.addPointer(reach);
                s.stackTaint.addPointer(reach);
              }
            }
            clobberCallerSaved();
            s.r[0] = r0;
          } else {
            if (i.src == 0) {
              // A helper that writes through a pointer argument (probe_read_kernel's dst, ...)
              // would modify the packet if handed a packet pointer.
              auto helper = helperById(i.imm);
              if (helper && !helperOnlyReadsArguments(helper->name)) {
                for (int k = 1; k <= 5; ++k) {
                  if (!s.r[k].may(AbsVal::kPacket)) continue;
                  sink_.add(secName, static_cast<long>(pc), rule::kPacketStore,
                            "packet pointer passed to bpf_" + std::string(helper->name) +
                                " (argument " + std::to_string(k) + "), which may write through it");
                  break;
                }
              }
            }
            if (argsMayBeStack()) {
              invalidateStackScalars();  // helpers write bytes through the pointers they get
              if (i.src == 0 && takesCallback(i.imm)) {
                // The callback may also move any pointer it finds in our stack to another slot.
                std::uint8_t kinds = s.stackTaint.ptrKinds();
                for (const auto& [off, slot] : s.stack) kinds |= slot.v.ptrKinds();
                kinds &= static_cast<std::uint8_t>(~AbsVal::kStack);
                for (auto& [off, slot] : s.stack) slot.v.addPointer(kinds);
                s.stackTaint.addPointer(kinds);
              }
            }
            clobberCallerSaved();
            s.r[0] = AbsVal::unknown();
          }
          flow(static_cast<std::int64_t>(pc) + 1);
          break;
        }
        if (o == kJa) {
          flow(static_cast<std::int64_t>(pc) + 1 + (c == kJmp32 ? i.imm : i.off));
          break;
        }
        // Conditional: both ways, no refinement (sound, possibly imprecise).
        flow(static_cast<std::int64_t>(pc) + 1);
        flow(static_cast<std::int64_t>(pc) + 1 + i.off);
        break;
      }
      default:
        break;
    }

    for (auto t : next) {
      auto it = in.find(t);
      if (it == in.end()) {
        in.emplace(t, s);
        work.insert(t);
      } else {
        State joined = joinStates(it->second, s);
        if (!(joined == it->second)) {
          it->second = std::move(joined);
          work.insert(t);
        }
      }
    }
  }

  --active_[activeKey];
  AbsVal result = ret ? *ret : AbsVal::unknown();
  if (!root) memo_[key] = result;
  return result;
}

}  // namespace ibsr::safety
