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

// Pointer kinds stored in this frame's stack slots or anywhere in it.
std::uint8_t storedPointerKinds(const State& s) {
  std::uint8_t kinds = s.stackTaint.ptrKinds();
  for (const auto& [off, slot] : s.stack) kinds |= slot.v.ptrKinds();
  return kinds;
}

// Pointer kinds a load from this frame's stack may produce.
std::uint8_t stackPointerKinds(const State& s) {
  std::uint8_t kinds = storedPointerKinds(s);
  for (const auto& r : s.r) kinds |= r.derefKinds();  // stacks further up, reachable from here
  return static_cast<std::uint8_t>(kinds & (AbsVal::kPacket | AbsVal::kCtx));
}

// Whether the slot at `slotOff` shares a byte with [at, at + bytes). A slot counts as at least 8
// bytes wide: erring towards an overlap is the safe side.
bool overlaps(std::int64_t slotOff, const Slot& slot, std::int64_t at, int bytes) {
  return slotOff < at + bytes && at < slotOff + std::max(slot.size, 8);
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

std::string hexByte(std::uint8_t b) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%02x", b);
  return std::string(buf);
}

State entryState(const std::array<AbsVal, 5>& args) {
  State init;
  for (auto& r : init.r) r = AbsVal::unknown();
  for (std::size_t k = 0; k < args.size(); ++k) init.r[k + 1] = args[k];
  init.r[10] = AbsVal::stackAt(0);
  return init;
}

void clobberCallerSaved(State& s) {
  for (int k = 1; k <= 5; ++k) s.r[k] = AbsVal::unknown();
}

bool argsMayBeStack(const State& s) {
  for (int k = 1; k <= 5; ++k) {
    if (s.r[k].may(AbsVal::kStack)) return true;
  }
  return false;
}

// Bytes not in a slot already read as any scalar, so only the slots need widening.
void invalidateStackScalars(State& s) {
  for (auto& [off, slot] : s.stack) slot.v.setAnyScalar();
}

// After code we do not follow wrote through a pointer to this stack: any slot may now hold a
// pointer of these kinds.
void addStackPointers(State& s, std::uint8_t kinds) {
  for (auto& [off, slot] : s.stack) slot.v.addPointer(kinds);
  s.stackTaint.addPointer(kinds);
}

void applyAlu(const Insn& i, State& s) {
  bool is64 = cls(i.code) == kAlu64;
  std::uint8_t o = op(i.code);
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
}

// A load through a pointer to this frame's stack at `off` from `base`.
AbsVal loadFromStack(const State& s, const AbsVal& base, std::int64_t off, int bytes) {
  AbsVal v = s.stackTaint;
  v.setAnyScalar();
  if (base.onlyStackAtKnownOffset()) {
    std::int64_t at = base.stackOffset() + off;
    auto it = s.stack.find(at);
    if (it != s.stack.end() && it->second.size == bytes) {
      // These bytes were last written by a store to this exact slot; weak stores made since then
      // were joined into it.
      v = it->second.v;
    } else {
      for (const auto& [slotOff, slot] : s.stack) {
        if (overlaps(slotOff, slot, at, bytes)) v.join(slot.v);
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
  return v;
}

// LDX: the value read through base register i.src, by what that base may point to. Only
// ctx->data and ctx->data_meta make packet pointers.
AbsVal loadedValue(const Insn& i, const State& s, ProgKind kind) {
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
  if (base.may(AbsVal::kStack)) out.join(loadFromStack(s, base, i.off, bytes));
  if (mode(i.code) == kMemSx) {
    out = AbsVal::anyScalar();
  }
  if (out == AbsVal()) out = AbsVal::unknown();
  return out;
}

// The stack effect of a store of `bytes` bytes at `off` from `base`, which may point to this
// frame's stack: a strong update of one slot when the address is known, else a weak update of
// every slot.
void writeStack(State& s, const AbsVal& base, std::int64_t off, int bytes, AbsVal value,
                bool atomic) {
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
      it = overlaps(it->first, it->second, at, bytes) ? s.stack.erase(it) : std::next(it);
    }
    s.stack[at] = Slot{bytes, value};
  } else {
    value.setAnyScalar();
    for (auto& [slotOff, slot] : s.stack) slot.v.join(value);
    s.stackTaint.join(value);
  }
}

}  // namespace

// The work-list interpretation of one function body. A state is kept per instruction, joined
// where paths meet, so an instruction is revisited only when a new path changed what it may see.
class ProgramAnalyzer::FunctionAnalysis {
 public:
  FunctionAnalysis(ProgramAnalyzer& analyzer, CodeLocation entry, ProgKind kind, bool root,
                   int depth)
      : an_(analyzer),
        entry_(entry),
        sec_(analyzer.elf_.sections[entry.section]),
        kind_(kind),
        root_(root),
        depth_(depth),
        n_(insnCount(sec_)) {}

  // False when the analysis step budget ran out.
  bool run(const std::array<AbsVal, 5>& args);
  // The join of r0 over every exit reached (unknown if none was).
  AbsVal returned() const { return ret_ ? *ret_ : AbsVal::unknown(); }

 private:
  // One visit of an instruction: its state, updated in place, and where control goes next.
  struct Step {
    std::size_t pc;
    Insn i;
    State s;
    std::vector<std::size_t> next;
  };

  bool budgetLeft();
  void interpret(Step& st);
  void propagate(const Step& st);

  void flowTo(Step& st, std::int64_t target);
  void fallThrough(Step& st) { flowTo(st, static_cast<std::int64_t>(st.pc) + 1); }
  // Jump offsets count from the next instruction.
  void jumpBy(Step& st, std::int64_t offset) {
    flowTo(st, static_cast<std::int64_t>(st.pc) + 1 + offset);
  }
  void reportMalformed(std::size_t pc, const std::string& why);

  void interpretLd(Step& st);
  void interpretStore(Step& st);
  void checkStore(const Step& st, const AbsVal& base, std::int64_t off, bool atomic);
  void interpretJump(Step& st);
  void interpretExit(Step& st);
  void checkExitVerdict(std::size_t pc, const AbsVal& r0);
  void interpretCall(Step& st);
  AbsVal callFunction(State& s, CodeLocation target);
  void callHelper(Step& st);
  void checkHelperPacketArguments(const Step& st);

  ProgramAnalyzer& an_;
  const CodeLocation entry_;
  const ElfSection& sec_;
  const ProgKind kind_;
  const bool root_;
  const int depth_;
  const std::size_t n_;
  std::unordered_map<std::size_t, State> in_;  // sparse: hostile sections can be huge
  std::set<std::size_t> work_;
  std::optional<AbsVal> ret_;
};

bool ProgramAnalyzer::FunctionAnalysis::run(const std::array<AbsVal, 5>& args) {
  in_[entry_.insn] = entryState(args);
  work_.insert(entry_.insn);
  while (!work_.empty()) {
    if (!budgetLeft()) return false;
    std::size_t pc = *work_.begin();
    work_.erase(work_.begin());
    Step st{pc, decode(sec_.data, pc), in_.at(pc), {}};
    interpret(st);
    propagate(st);
  }
  return true;
}

// Hostile code can make the fixpoint arbitrarily slow. Past the budget every function on the call
// stack stops and reports it: an unfinished analysis must fail the check, not pass it.
bool ProgramAnalyzer::FunctionAnalysis::budgetLeft() {
  if (++an_.steps_ <= an_.maxSteps_) return true;
  an_.exhausted_ = true;
  an_.sink_.add(sec_.name, -1, rule::kAnalysisLimit,
                "gave up after " + std::to_string(an_.maxSteps_) + " analysis steps");
  return false;
}

void ProgramAnalyzer::FunctionAnalysis::interpret(Step& st) {
  if (!validOpcode(st.i)) {
    reportMalformed(st.pc, "invalid opcode 0x" + hexByte(st.i.code));
    return;
  }
  switch (cls(st.i.code)) {
    case kAlu:
    case kAlu64:
      applyAlu(st.i, st.s);
      fallThrough(st);
      break;
    case kLd:
      interpretLd(st);
      break;
    case kLdx:
      st.s.r[st.i.dst] = loadedValue(st.i, st.s, kind_);
      fallThrough(st);
      break;
    case kSt:
    case kStx:
      interpretStore(st);
      break;
    case kJmp:
    case kJmp32:
      interpretJump(st);
      break;
    default:
      break;
  }
}

// Joins the state after the step into each successor's; a successor whose state changed is
// visited (again).
void ProgramAnalyzer::FunctionAnalysis::propagate(const Step& st) {
  for (auto t : st.next) {
    auto it = in_.find(t);
    if (it == in_.end()) {
      in_.emplace(t, st.s);
      work_.insert(t);
      continue;
    }
    State joined = joinStates(it->second, st.s);
    if (!(joined == it->second)) {
      it->second = std::move(joined);
      work_.insert(t);
    }
  }
}

void ProgramAnalyzer::FunctionAnalysis::flowTo(Step& st, std::int64_t target) {
  if (target < 0 || static_cast<std::uint64_t>(target) >= n_) {
    reportMalformed(st.pc,
                    "control flow leaves the section (target " + std::to_string(target) + ")");
    return;
  }
  st.next.push_back(static_cast<std::size_t>(target));
}

void ProgramAnalyzer::FunctionAnalysis::reportMalformed(std::size_t pc, const std::string& why) {
  an_.sink_.add(sec_.name, static_cast<long>(pc), rule::kMalformedProgram, why);
}

// LD: the two-slot 64-bit immediate load, or legacy LD_ABS/LD_IND.
void ProgramAnalyzer::FunctionAnalysis::interpretLd(Step& st) {
  const Insn& i = st.i;
  if (!isLdImm64(i)) {
    // Legacy LD_ABS/LD_IND: r0 = packet bytes; behaves like a helper call.
    clobberCallerSaved(st.s);
    st.s.r[0] = AbsVal::anyScalar();
    fallThrough(st);
    return;
  }
  if (st.pc + 1 >= n_) {
    reportMalformed(st.pc, "truncated 64-bit immediate load");
    return;
  }
  Insn hi = decode(sec_.data, st.pc + 1);
  if (i.src != 0 || hasReloc(an_.elf_, entry_.section, st.pc)) {
    st.s.r[i.dst] = AbsVal::pointer(AbsVal::kOther);  // map, global data or function address
  } else {
    auto v = (static_cast<std::uint64_t>(static_cast<std::uint32_t>(hi.imm)) << 32) |
             static_cast<std::uint32_t>(i.imm);
    st.s.r[i.dst] = AbsVal::constant(static_cast<std::int64_t>(v));
  }
  flowTo(st, static_cast<std::int64_t>(st.pc) + 2);
}

// ST (immediate) and STX (register, or an atomic read-modify-write).
void ProgramAnalyzer::FunctionAnalysis::interpretStore(Step& st) {
  const Insn& i = st.i;
  bool atomic = cls(i.code) == kStx && mode(i.code) == kAtomic;
  AbsVal value = cls(i.code) == kSt ? AbsVal::constant(i.imm) : st.s.r[i.src];
  const AbsVal& base = st.s.r[i.dst];
  checkStore(st, base, i.off, atomic);
  if (base.may(AbsVal::kStack)) writeStack(st.s, base, i.off, sizeBytes(i.code), value, atomic);
  if (atomic && (i.imm & kFetch)) {
    if (i.imm == kCmpXchg) {
      st.s.r[0] = AbsVal::anyScalar();
    } else {
      st.s.r[i.src] = AbsVal::anyScalar();
    }
  }
  fallThrough(st);
}

void ProgramAnalyzer::FunctionAnalysis::checkStore(const Step& st, const AbsVal& base,
                                                   std::int64_t off, bool atomic) {
  if (base.may(AbsVal::kPacket)) {
    an_.sink_.add(sec_.name, static_cast<long>(st.pc), rule::kPacketStore,
                  std::string(atomic ? "atomic update" : "store") + " through a pointer into " +
                      "packet data (r" + std::to_string(st.i.dst) + ")");
  }
  if (base.may(AbsVal::kCtx)) {
    an_.sink_.add(sec_.name, static_cast<long>(st.pc), rule::kCtxStore,
                  "store into the program context at offset " + std::to_string(off));
  }
}

void ProgramAnalyzer::FunctionAnalysis::interpretJump(Step& st) {
  const Insn& i = st.i;
  std::uint8_t o = op(i.code);
  if (o == kExit) {
    interpretExit(st);
  } else if (o == kCall) {
    interpretCall(st);
  } else if (o == kJa) {
    jumpBy(st, cls(i.code) == kJmp32 ? i.imm : i.off);
  } else {
    // Conditional: both ways, no refinement (sound, possibly imprecise).
    fallThrough(st);
    jumpBy(st, i.off);
  }
}

// A callee's exit is a return: its r0 joins into the caller's. A program's exit is its verdict.
void ProgramAnalyzer::FunctionAnalysis::interpretExit(Step& st) {
  const AbsVal& r0 = st.s.r[0];
  if (!root_) {
    if (ret_) {
      ret_->join(r0);
    } else {
      ret_ = r0;
    }
  } else if (kind_ != ProgKind::Other) {
    checkExitVerdict(st.pc, r0);
  }
}

void ProgramAnalyzer::FunctionAnalysis::checkExitVerdict(std::size_t pc, const AbsVal& r0) {
  bool pass = r0.isConstOnly();
  std::string bad;
  for (auto v : r0.consts()) {
    if (!isPassVerdict(kind_, static_cast<std::uint32_t>(v))) {
      pass = false;
      bad += (bad.empty() ? "" : ", ") + verdictName(kind_, static_cast<std::uint32_t>(v));
    }
  }
  if (pass) return;
  std::string why =
      bad.empty() ? "r0 is not a provable constant (" + r0.describe() + ")" : "r0 may be " + bad;
  an_.sink_.add(sec_.name, static_cast<long>(pc), rule::kNonPassExit,
                why + "; only " + std::string(passVerdictNames(kind_)) + " is allowed");
}

void ProgramAnalyzer::FunctionAnalysis::interpretCall(Step& st) {
  if (st.i.src == kPseudoCall && !isExternCall(an_.elf_, entry_.section, st.pc)) {
    auto target = callTarget(an_.elf_, entry_.section, st.pc, st.i);
    AbsVal r0 = AbsVal::unknown();
    if (!target) {
      reportMalformed(st.pc, "bpf-to-bpf call outside any code section");
    } else {
      r0 = callFunction(st.s, *target);
    }
    clobberCallerSaved(st.s);
    st.s.r[0] = r0;
  } else {
    callHelper(st);
  }
  fallThrough(st);
}

// A bpf-to-bpf call: the callee is analysed with our r1..r5 as its arguments; returns its r0.
AbsVal ProgramAnalyzer::FunctionAnalysis::callFunction(State& s, CodeLocation target) {
  std::array<AbsVal, 5> calleeArgs;
  std::uint8_t passed = 0;
  std::uint8_t stackKinds = stackPointerKinds(s);
  for (int k = 1; k <= 5; ++k) {
    calleeArgs[k - 1] = calleeView(s.r[k], stackKinds);
    passed = static_cast<std::uint8_t>(passed | s.r[k].ptrKinds() | s.r[k].derefKinds());
  }
  AbsVal r0 = an_.analyzeFunction(target, kind_, calleeArgs, false, depth_ + 1);
  if (argsMayBeStack(s)) {
    // The callee may write anything it can reach into our stack.
    invalidateStackScalars(s);
    std::uint8_t reach = static_cast<std::uint8_t>(AbsVal::kOther | stackKinds |
                                                   (passed & (AbsVal::kCtx | AbsVal::kPacket)));
    if (passed & AbsVal::kCtx) reach |= AbsVal::kPacket;  // loaded from ctx->data
    addStackPointers(s, reach);
  }
  return r0;
}

// A helper, kfunc or extern call: not followed; only what it may write is modelled.
void ProgramAnalyzer::FunctionAnalysis::callHelper(Step& st) {
  if (st.i.src == 0) checkHelperPacketArguments(st);
  if (argsMayBeStack(st.s)) {
    invalidateStackScalars(st.s);  // helpers write bytes through the pointers they get
    if (st.i.src == 0 && takesCallback(st.i.imm)) {
      // The callback may also move any pointer it finds in our stack to another slot.
      addStackPointers(st.s, static_cast<std::uint8_t>(storedPointerKinds(st.s) &
                                                       static_cast<std::uint8_t>(~AbsVal::kStack)));
    }
  }
  clobberCallerSaved(st.s);
  st.s.r[0] = AbsVal::unknown();
}

// A helper that writes through a pointer argument (probe_read_kernel's dst, ...) would modify the
// packet if handed a packet pointer.
void ProgramAnalyzer::FunctionAnalysis::checkHelperPacketArguments(const Step& st) {
  auto helper = helperById(st.i.imm);
  if (!helper || helperOnlyReadsArguments(helper->name)) return;
  for (int k = 1; k <= 5; ++k) {
    if (!st.s.r[k].may(AbsVal::kPacket)) continue;
    an_.sink_.add(sec_.name, static_cast<long>(st.pc), rule::kPacketStore,
                  "packet pointer passed to bpf_" + std::string(helper->name) + " (argument " +
                      std::to_string(k) + "), which may write through it");
    return;
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
  // Called by a helper with a pointer into some program's stack, which may hold anything.
  for (auto& a : args) {
    a = AbsVal::unknown();
    a.join(AbsVal::callerStack(AbsVal::kPacket | AbsVal::kCtx));
  }
  analyzeFunction(entry, kind, args, false, 0);
}

// A program entry is never memoised: each one must report its own exits.
AbsVal ProgramAnalyzer::analyzeFunction(CodeLocation entry, ProgKind kind,
                                        const std::array<AbsVal, 5>& args, bool root, int depth) {
  if (exhausted_) return AbsVal::unknown();
  std::string key = memoKey(entry, kind, args);
  if (!root) {
    auto it = memo_.find(key);
    if (it != memo_.end()) return it->second;
  }
  if (!mayEnter(entry, depth)) return AbsVal::unknown();
  auto activeKey = std::make_pair(entry.section, entry.insn);
  ++active_[activeKey];
  FunctionAnalysis body(*this, entry, kind, root, depth);
  bool finished = body.run(args);
  --active_[activeKey];
  if (!finished) return AbsVal::unknown();
  AbsVal result = body.returned();
  if (!root) memo_[key] = result;
  return result;
}

// The kernel rejects recursion and call chains deeper than 8 frames; fail closed on both rather
// than leave a callee's body unchecked.
bool ProgramAnalyzer::mayEnter(CodeLocation entry, int depth) {
  const std::string& secName = elf_.sections[entry.section].name;
  if (active_[std::make_pair(entry.section, entry.insn)] > 0) {
    sink_.add(secName, static_cast<long>(entry.insn), rule::kMalformedProgram,
              "recursive bpf-to-bpf call");
    return false;
  }
  if (depth > kMaxCallDepth) {
    sink_.add(secName, static_cast<long>(entry.insn), rule::kAnalysisLimit,
              "bpf-to-bpf calls nested deeper than " + std::to_string(kMaxCallDepth));
    return false;
  }
  return true;
}

}  // namespace ibsr::safety
