// Abstract interpretation of BPF code over its control-flow graph. From each program entry it
// follows every jump both ways, joining register and stack states at merge points, and
//  - proves that each exit's r0 is a pass verdict for the program kind (non-pass-exit),
//  - flags stores/atomics whose base may point into the packet (packet-store) or the context
//    (ctx-store),
//  - follows bpf-to-bpf calls: a callee is analysed with the caller's arguments and its exits
//    are returns whose r0 joins into the caller's r0.
// Pointers into packet data come only from loading ctx->data or ctx->data_meta; they are tracked
// through register moves, pointer arithmetic, stack spills and call arguments.
#pragma once

#include <array>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "safety/abstract_value.h"
#include "safety/code_refs.h"
#include "safety/elf_file.h"
#include "safety/policy.h"
#include "safety/violation_sink.h"

namespace ibsr::safety {

class ProgramAnalyzer {
 public:
  ProgramAnalyzer(const ElfFile& elf, std::size_t maxSteps, ViolationSink& sink)
      : elf_(elf), maxSteps_(maxSteps), sink_(sink) {}

  // A program entry: r1 is the context; every exit must return a pass verdict for `kind`.
  void analyzeProgram(CodeLocation entry, ProgKind kind);
  // A callback (bpf_loop, timers): its return value is not a verdict, but its stores are checked.
  void analyzeCallback(CodeLocation entry, ProgKind kind);

 private:
  class FunctionAnalysis;  // one function body with one set of arguments (program_analysis.cpp)

  AbsVal analyzeFunction(CodeLocation entry, ProgKind kind, const std::array<AbsVal, 5>& args,
                         bool root, int depth);
  // False, with a finding, when entering `entry` would recurse or nest calls too deep.
  bool mayEnter(CodeLocation entry, int depth);

  const ElfFile& elf_;
  std::size_t maxSteps_;
  std::size_t steps_ = 0;
  bool exhausted_ = false;
  ViolationSink& sink_;
  std::map<std::string, AbsVal> memo_;
  std::map<std::pair<std::size_t, std::size_t>, int> active_;
};

}  // namespace ibsr::safety
