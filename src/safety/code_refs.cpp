// Decoding the references between code and the rest of the object: call and function-address
// targets through relocations, extern (kfunc) calls, opcode validity.
#include "safety/code_refs.h"

#include <elf.h>

namespace ibsr::safety {

using namespace insn;

std::size_t insnCount(const ElfSection& section) {
  return section.data.size() / 8;
}

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

std::optional<CodeLocation> functionAddress(const ElfFile& elf, std::size_t section, std::size_t pc,
                                            const Insn& i) {
  for (const auto& r : elf.relocs[section]) {
    if (r.offset != pc * 8) continue;
    if (r.symbol >= elf.symbols.size()) return std::nullopt;
    const auto& sym = elf.symbols[r.symbol];
    if (sym.shndx == SHN_UNDEF || sym.shndx >= elf.sections.size()) return std::nullopt;
    const auto& target = elf.sections[sym.shndx];
    if (!(target.flags & SHF_EXECINSTR)) return std::nullopt;  // a map or data address
    // clang: the symbol (a function, or the section itself) plus the byte offset in imm.
    std::uint64_t byteOff =
        sym.value + static_cast<std::uint64_t>(static_cast<std::int64_t>(i.imm));
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
      return o <= 0xd0 &&
             !(o == kCall && !(i.src == 0 || i.src == kPseudoCall || i.src == kPseudoKfuncCall));
    case kJmp32:
      return o <= 0xd0 && o != kCall && o != kExit;
    case kLd:
      return isLdImm64(i) ||
             ((mode(i.code) == kAbs || mode(i.code) == kInd) && size(i.code) != kDW);
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

}  // namespace ibsr::safety
