#include "safety/program_analysis.h"

#include <array>
#include <cstdio>
#include <set>
#include <unordered_map>
#include <vector>

#include "safety/alu_transfer.h"
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

// A callee sees the caller's stack pointers as pointers into a frame it cannot model, through
// which it may load whatever pointer kinds that stack holds (`stackKinds`).
AbsVal calleeView(const AbsVal& v, std::uint8_t stackKinds) {
  if (!v.may(AbsVal::kStack)) return v;
  AbsVal out;
  if (v.anyScalarSet()) out.setAnyScalar();
  for (auto c : v.consts()) out.addConst(c);
  out.addPointer(static_cast<std::uint8_t>(v.ptrKinds() & ~AbsVal::kStack));
  out.addDeref(v.derefKinds());
  out.join(AbsVal::callerStack(stackKinds));
  return out;
}

// Pointer kinds a load from this frame's stack may produce.
std::uint8_t stackPointerKinds(const State& s) {
  std::uint8_t kinds = s.stackTaint.ptrKinds();
  for (const auto& [off, slot] : s.stack) kinds |= slot.v.ptrKinds();
  for (const auto& r : s.r) kinds |= r.derefKinds();  // stacks further up, reachable from here
  return static_cast<std::uint8_t>(kinds & (AbsVal::kPacket | AbsVal::kCtx));
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

void ProgramAnalyzer::analyzeProgram(CodeLocation entry, ProgKind kind) {
  std::array<AbsVal, 5> args;
  args[0] = AbsVal::pointer(AbsVal::kCtx);
  for (std::size_t k = 1; k < args.size(); ++k) args[k] = AbsVal::unknown();
  analyzeFunction(entry, kind, args, true, 0);
}

void ProgramAnalyzer::analyzeCallback(CodeLocation entry, ProgKind kind) {
  std::array<AbsVal, 5> args;
  // Called by a helper with a pointer into some program's stack, which may hold anything.
  for (auto& a : args) {
    a = AbsVal::unknown();
    a.join(AbsVal::callerStack(AbsVal::kPacket | AbsVal::kCtx));
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
  // The kernel rejects recursion and call chains deeper than 8 frames; fail closed on both rather
  // than leave a callee's body unchecked.
  auto activeKey = std::make_pair(entry.section, entry.insn);
  if (active_[activeKey] > 0) {
    sink_.add(secName, static_cast<long>(entry.insn), rule::kMalformedProgram,
              "recursive bpf-to-bpf call");
    return AbsVal::unknown();
  }
  if (depth > kMaxCallDepth) {
    sink_.add(secName, static_cast<long>(entry.insn), rule::kAnalysisLimit,
              "bpf-to-bpf calls nested deeper than " + std::to_string(kMaxCallDepth));
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
      malformed(
          pc, "invalid opcode 0x" + [&] {
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
          // A caller's spilled pointer, or a pointer to yet another caller-stack object.
          AbsVal spilled = AbsVal::unknown();
          spilled.addPointer(base.derefKinds());
          spilled.addDeref(base.derefKinds());
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
              std::string why = bad.empty()
                                    ? "r0 is not a provable constant (" + r0.describe() + ")"
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
              std::uint8_t stackKinds = stackPointerKinds(s);
              for (int k = 1; k <= 5; ++k) {
                calleeArgs[k - 1] = calleeView(s.r[k], stackKinds);
                passed =
                    static_cast<std::uint8_t>(passed | s.r[k].ptrKinds() | s.r[k].derefKinds());
              }
              r0 = analyzeFunction(*target, kind, calleeArgs, false, depth + 1);
              if (argsMayBeStack()) {
                // The callee may write anything it can reach into our stack.
                invalidateStackScalars();
                std::uint8_t reach = static_cast<std::uint8_t>(
                    AbsVal::kOther | stackKinds | (passed & (AbsVal::kCtx | AbsVal::kPacket)));
                if (passed & AbsVal::kCtx) reach |= AbsVal::kPacket;  // loaded from ctx->data
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
                                " (argument " + std::to_string(k) +
                                "), which may write through it");
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
