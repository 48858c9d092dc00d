// Collects violations of one scan, once per (section, instruction, rule): the same instruction is
// reached by several paths and analysed once per calling context.
#pragma once

#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "safety/verifier.h"

namespace ibsr::safety {

class ViolationSink {
 public:
  explicit ViolationSink(Mode mode) : mode_(mode) {}

  void add(const std::string& section, long insn, std::string_view rule, std::string detail) {
    if (!seen_.insert({section, insn, std::string(rule)}).second) return;
    out_.push_back(Violation{section, insn, std::string(rule), mode_, std::move(detail)});
  }
  Mode mode() const { return mode_; }
  std::vector<Violation> take() { return std::move(out_); }

 private:
  Mode mode_;
  std::set<std::tuple<std::string, long, std::string>> seen_;
  std::vector<Violation> out_;
};

}  // namespace ibsr::safety
