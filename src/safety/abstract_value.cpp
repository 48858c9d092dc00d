#include "safety/abstract_value.h"

#include <algorithm>

namespace ibsr::safety {

AbsVal AbsVal::constant(std::int64_t c) {
  AbsVal v;
  v.consts_.push_back(c);
  return v;
}

AbsVal AbsVal::anyScalar() {
  AbsVal v;
  v.any_ = true;
  return v;
}

AbsVal AbsVal::unknown() {
  AbsVal v;
  v.any_ = true;
  v.ptr_ = kOther;
  return v;
}

AbsVal AbsVal::pointer(std::uint8_t kinds) {
  AbsVal v;
  v.ptr_ = kinds;
  return v;
}

AbsVal AbsVal::stackAt(std::int64_t offset) {
  AbsVal v;
  v.ptr_ = kStack;
  v.stackKnown_ = true;
  v.stackOff_ = offset;
  return v;
}

AbsVal AbsVal::callerStack(std::uint8_t kinds) {
  AbsVal v;
  v.ptr_ = kOther | kCallerStack;
  v.deref_ = static_cast<std::uint8_t>(kinds | kCallerStack);
  return v;
}

void AbsVal::setAnyScalar() {
  any_ = true;
  consts_.clear();
}

void AbsVal::addConst(std::int64_t c) {
  if (any_) return;
  auto it = std::lower_bound(consts_.begin(), consts_.end(), c);
  if (it != consts_.end() && *it == c) return;
  consts_.insert(it, c);
  if (consts_.size() > kMaxConsts) setAnyScalar();
}

void AbsVal::join(const AbsVal& o) {
  if (o.any_) {
    setAnyScalar();
  } else {
    for (auto c : o.consts_) addConst(c);
  }
  bool mine = may(kStack), theirs = o.may(kStack);
  if (mine && theirs) {
    setStackOffset(stackKnown_ && o.stackKnown_ && stackOff_ == o.stackOff_, stackOff_);
  } else if (theirs) {
    setStackOffset(o.stackKnown_, o.stackOff_);
  }
  ptr_ |= o.ptr_;
  deref_ |= o.deref_;
}

void AbsVal::truncate(int bytes) {
  if (bytes >= 8 || any_) return;
  auto mask = (std::uint64_t{1} << (bytes * 8)) - 1;
  std::vector<std::int64_t> old;
  old.swap(consts_);
  for (auto c : old) addConst(static_cast<std::int64_t>(static_cast<std::uint64_t>(c) & mask));
}

std::string AbsVal::describe() const {
  std::string out;
  auto add = [&](const std::string& s) { out += (out.empty() ? "" : " | ") + s; };
  if (any_) add("unknown scalar");
  for (auto c : consts_) add(std::to_string(c));
  if (may(kCtx)) add("ctx pointer");
  if (may(kPacket)) add("packet pointer");
  if (may(kStack)) add("stack pointer");
  if (may(kOther)) add("pointer");
  if (may(kCallerStack)) {
    std::string holds;
    if (deref_ & kPacket) holds += " packet";
    if (deref_ & kCtx) holds += " ctx";
    add("caller stack pointer" + (holds.empty() ? "" : " (holding" + holds + ")"));
  }
  return out.empty() ? "uninitialized" : out;
}

}  // namespace ibsr::safety
