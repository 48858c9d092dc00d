// The abstract value of a BPF register or stack slot: a small set of possible scalar constants (or
// "any scalar") plus the kinds of pointer it may hold. Joins only ever lose precision, so the
// fixed point over-approximates every concrete run.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ibsr::safety {

class AbsVal {
 public:
  static constexpr std::uint8_t kCtx = 1;     // the program context (xdp_md / __sk_buff)
  static constexpr std::uint8_t kPacket = 2;  // packet data or metadata (from ctx->data/data_meta)
  static constexpr std::uint8_t kStack = 4;   // this frame's stack
  static constexpr std::uint8_t kOther = 8;   // map, map value, global data, socket, ...
  // Points into a calling frame's stack (a subprogram's or callback's argument). Whatever is
  // loaded through it may be any pointer kind that stack holds: derefKinds().
  static constexpr std::uint8_t kCallerStack = 16;
  static constexpr std::size_t kMaxConsts = 8;

  static AbsVal constant(std::int64_t c);
  static AbsVal anyScalar();
  // Anything the program could hold except a pointer we track (what a helper returns).
  static AbsVal unknown();
  static AbsVal pointer(std::uint8_t kinds);
  static AbsVal stackAt(std::int64_t offset);
  // A pointer into a caller's stack whose slots may hold pointers of `kinds`.
  static AbsVal callerStack(std::uint8_t kinds);

  bool isConstOnly() const { return !any_ && ptr_ == 0 && !consts_.empty(); }
  bool hasScalar() const { return any_ || !consts_.empty(); }
  bool anyScalarSet() const { return any_; }
  const std::vector<std::int64_t>& consts() const { return consts_; }
  std::uint8_t ptrKinds() const { return ptr_; }
  bool may(std::uint8_t kind) const { return (ptr_ & kind) != 0; }
  bool onlyStackAtKnownOffset() const { return ptr_ == kStack && stackKnown_ && !hasScalar(); }
  bool stackOffsetKnown() const { return stackKnown_; }
  std::int64_t stackOffset() const { return stackOff_; }

  void join(const AbsVal& other);
  void addConst(std::int64_t c);
  void setAnyScalar();
  void addPointer(std::uint8_t kinds) { ptr_ |= kinds; }
  std::uint8_t derefKinds() const { return deref_; }
  void addDeref(std::uint8_t kinds) { deref_ |= kinds; }
  void dropPointers() {
    ptr_ = 0;
    deref_ = 0;
    stackKnown_ = false;
    stackOff_ = 0;
  }
  void setStackOffset(bool known, std::int64_t off) {
    stackKnown_ = known;
    stackOff_ = known ? off : 0;
  }
  // Keeps only the low `bytes` bytes of every constant (zero-extended), as a narrow load/store
  // or a 32-bit ALU operation does.
  void truncate(int bytes);

  bool operator==(const AbsVal& o) const = default;
  std::string describe() const;

 private:
  bool any_ = false;
  std::vector<std::int64_t> consts_;  // sorted, unique
  std::uint8_t ptr_ = 0;
  std::uint8_t deref_ = 0;  // with kCallerStack: what loads through this pointer may yield
  bool stackKnown_ = false;
  std::int64_t stackOff_ = 0;
};

}  // namespace ibsr::safety
