// Object scan: the proof. Reads map types from BTF, classifies every helper call by id, and runs
// the control-flow analysis from every program entry (program_analysis.h).
#include <elf.h>

#include <cctype>

#include "safety/btf_maps.h"
#include "safety/elf_file.h"
#include "safety/file_io.h"
#include "safety/policy.h"
#include "safety/program_analysis.h"
#include "safety/rules.h"
#include "safety/verifier.h"
#include "safety/violation_sink.h"

namespace ibsr::safety {
namespace {

using namespace insn;

bool isCodeSection(const ElfSection& s) {
  return s.type == SHT_PROGBITS && (s.flags & SHF_EXECINSTR) && !s.data.empty();
}

std::string mapTypeLabel(std::uint32_t type) {
  auto info = mapTypeById(type);
  return info ? std::string(info->name) : "unknown(" + std::to_string(type) + ")";
}

void checkMaps(const ElfFile& elf, ViolationSink& sink, ObjectReport& report) {
  bool lru = false;
  for (const auto& m : readMapDefs(elf)) {
    if (!m.type) {
      report.maps.push_back(MapSummary{m.name, "unknown"});
      sink.add("map " + m.name, -1, rule::kUnknownMapType, m.problem);
      continue;
    }
    report.maps.push_back(MapSummary{m.name, mapTypeLabel(*m.type)});
    auto info = mapTypeById(*m.type);
    if (!info) {
      sink.add("map " + m.name, -1, rule::kUnknownMapType,
               "map type " + std::to_string(*m.type) + " is not a known BPF map type");
      continue;
    }
    std::string label = "BPF_MAP_TYPE_" + std::string(info->name);
    for (auto& ch : label) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    if (info->cls == MapClass::Forbidden) {
      sink.add("map " + m.name, -1, rule::kForbiddenMapType, label + " can steer traffic");
    } else if (info->cls == MapClass::StrictEvent && sink.mode() == Mode::Strict) {
      sink.add("map " + m.name, -1, rule::kStrictEventMap, label + " streams events to userspace");
    } else if (info->cls == MapClass::Lru) {
      lru = true;
    }
  }
  if (sink.mode() == Mode::Strict && !lru) {
    sink.add("maps", -1, rule::kStrictLruRequired, "no BPF_MAP_TYPE_LRU_HASH map is defined");
  }
}

// Every instruction, reachable or not: helper ids, kfuncs, call targets, opcodes. Returns the
// entries of callbacks referenced through BPF_PSEUDO_FUNC.
std::vector<CodeLocation> linearScan(const ElfFile& elf, std::size_t index, ViolationSink& sink) {
  std::vector<CodeLocation> callbacks;
  const auto& sec = elf.sections[index];
  std::size_t n = insnCount(sec);
  if (sec.data.size() % 8 != 0) {
    sink.add(sec.name, -1, rule::kMalformedProgram, "section size is not a multiple of 8");
  }
  for (std::size_t pc = 0; pc < n; ++pc) {
    Insn i = decode(sec.data, pc);
    long at = static_cast<long>(pc);
    if (!validOpcode(i)) {
      sink.add(sec.name, at, rule::kMalformedProgram, "invalid opcode");
      continue;
    }
    if (isLdImm64(i)) {
      if (pc + 1 >= n) {
        sink.add(sec.name, at, rule::kMalformedProgram, "truncated 64-bit immediate load");
      } else if ((i.src == kPseudoMapFd || i.src == kPseudoMapValue || i.src == kPseudoMapIdx ||
                  i.src == kPseudoMapIdxValue) &&
                 !hasReloc(elf, index, pc)) {
        // A map referenced by a raw fd or fd_array index is not defined in the object, so its
        // type cannot be checked (it could be a pinned DEVMAP or RINGBUF).
        sink.add(sec.name, at, rule::kUnknownMapType,
                 "instruction references a map by raw fd/index that the object does not define");
      } else if (auto fn = functionAddress(elf, index, pc, i)) {
        callbacks.push_back(*fn);
      } else if (i.src == kPseudoFunc) {
        sink.add(sec.name, at, rule::kMalformedProgram,
                 "function address outside any code section");
      }
      ++pc;
      continue;
    }
    if (cls(i.code) != kJmp || op(i.code) != kCall) continue;
    if (i.src == kPseudoKfuncCall || (i.src == kPseudoCall && isExternCall(elf, index, pc))) {
      sink.add(sec.name, at, rule::kKfuncCall, "call to a kernel function (kfunc)");
      continue;
    }
    if (i.src == kPseudoCall) {
      if (!callTarget(elf, index, pc, i)) {
        sink.add(sec.name, at, rule::kMalformedProgram, "bpf-to-bpf call outside any code section");
      }
      continue;
    }
    auto helper = helperById(i.imm);
    if (!helper) {
      sink.add(sec.name, at, rule::kUnknownHelper,
               "call to unknown helper id " + std::to_string(i.imm));
      continue;
    }
    std::string what =
        "call to bpf_" + std::string(helper->name) + " (helper id " + std::to_string(i.imm) + ")";
    switch (helper->cls) {
      case HelperClass::Forbidden:
        sink.add(sec.name, at, rule::kForbiddenHelper, what);
        break;
      case HelperClass::TailCall:
        sink.add(sec.name, at, rule::kTailCall, what + ": the callee would decide the verdict");
        break;
      case HelperClass::StrictEvent:
        if (sink.mode() == Mode::Strict) sink.add(sec.name, at, rule::kStrictEventHelper, what);
        break;
      case HelperClass::Allowed:
        if (sink.mode() == Mode::Strict && !strictAllowsHelper(helper->name))
          sink.add(sec.name, at, rule::kStrictHelperNotAllowed,
                   what + ": not on StrictCounter's allow-list");
        break;
    }
  }
  return callbacks;
}

}  // namespace

Result<ObjectReport> analyzeObject(std::span<const std::uint8_t> bytes, Mode mode,
                                   const ScanLimits& limits) {
  auto parsed = parseElf(bytes);
  if (!parsed.ok()) return parsed.error();
  const ElfFile& elf = *parsed;
  ObjectReport report;
  ViolationSink sink(mode);
  checkMaps(elf, sink, report);

  struct Entry {
    CodeLocation at;
    ProgKind kind;
  };
  std::vector<Entry> programs;
  std::vector<std::pair<CodeLocation, ProgKind>> callbacks;
  for (std::size_t idx = 0; idx < elf.sections.size(); ++idx) {
    const auto& sec = elf.sections[idx];
    if (!isCodeSection(sec)) continue;
    for (auto cb : linearScan(elf, idx, sink)) callbacks.emplace_back(cb, ProgKind::Other);
    if (sec.name == ".text") continue;  // subprograms: analysed from their callers
    ProgKind kind = progKindOfSection(sec.name);
    if (!progKindAllowed(kind, mode)) {
      sink.add(sec.name, -1, rule::kProgramType,
               std::string(progKindName(kind)) + " program section '" + sec.name +
                   "' is not allowed in " + std::string(modeName(mode)) + " mode");
    }
    std::size_t before = programs.size();
    for (const auto& sym : elf.symbols) {
      if (sym.shndx != idx || sym.type != STT_FUNC || sym.value % 8 != 0) continue;
      if (sym.value / 8 >= insnCount(sec)) continue;
      programs.push_back(Entry{{idx, static_cast<std::size_t>(sym.value / 8)}, kind});
      report.programs.push_back(ProgramSummary{sec.name, sym.name, std::string(progKindName(kind)),
                                               static_cast<std::size_t>(sym.size / 8)});
    }
    if (programs.size() == before && insnCount(sec) > 0) {
      // No symbol (stripped object): the section is one program starting at its first insn.
      programs.push_back(Entry{{idx, 0}, kind});
      report.programs.push_back(
          ProgramSummary{sec.name, "", std::string(progKindName(kind)), insnCount(sec)});
    }
  }

  ProgramAnalyzer analyzer(elf, limits.maxSteps, sink);
  for (const auto& p : programs) analyzer.analyzeProgram(p.at, p.kind);
  // A callback runs inside a program of some kind; its ctx argument is opaque, so the kind only
  // matters for context offsets, which callbacks never receive directly.
  for (const auto& [at, kind] : callbacks) analyzer.analyzeCallback(at, kind);

  report.violations = sink.take();
  return report;
}

Result<std::vector<Violation>> scanObject(std::span<const std::uint8_t> elf, Mode mode) {
  auto report = analyzeObject(elf, mode);
  if (!report.ok()) return report.error();
  return std::move(report->violations);
}

Result<std::vector<Violation>> scanObjectFile(const std::string& path, Mode mode) {
  auto bytes = readFileBytes(path);
  if (!bytes.ok()) return bytes.error();
  auto result = scanObject(*bytes, mode);
  if (!result.ok()) return plainError("'" + path + "': " + result.error().message);
  return result;
}

}  // namespace ibsr::safety
