// Builds minimal BPF ELF objects in memory: one program section with one function symbol, from
// raw instructions, so tests can pin down exactly what the analysis proves.
#pragma once

#include <elf.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace ibsr::safety::testing {

struct RawInsn {
  std::uint8_t code;
  std::uint8_t dst;
  std::uint8_t src;
  std::int16_t off;
  std::int32_t imm;
};

inline std::vector<std::uint8_t> buildBpfElf(const std::string& section,
                                             const std::vector<RawInsn>& insns,
                                             std::uint16_t machine = 247) {
  std::vector<std::uint8_t> text;
  for (const auto& i : insns) {
    std::uint8_t b[8];
    b[0] = i.code;
    b[1] = static_cast<std::uint8_t>(i.dst | (i.src << 4));
    std::memcpy(b + 2, &i.off, 2);
    std::memcpy(b + 4, &i.imm, 4);
    text.insert(text.end(), b, b + 8);
  }
  std::string shstr =
      std::string("\0.shstrtab\0", 11) + section + '\0' + ".symtab" + '\0' + ".strtab" + '\0';
  std::size_t nameShstr = 1, nameProg = 11, nameSym = nameProg + section.size() + 1,
              nameStr = nameSym + 8;
  std::string strtab = std::string("\0prog\0", 6);
  Elf64_Sym syms[2] = {};
  syms[1].st_name = 1;
  syms[1].st_info = ELF64_ST_INFO(STB_GLOBAL, STT_FUNC);
  syms[1].st_shndx = 2;
  syms[1].st_size = text.size();

  std::vector<std::uint8_t> out(sizeof(Elf64_Ehdr));
  auto append = [&](const void* p, std::size_t n) {
    while (out.size() % 8) out.push_back(0);
    std::size_t at = out.size();
    out.insert(out.end(), static_cast<const std::uint8_t*>(p),
               static_cast<const std::uint8_t*>(p) + n);
    return at;
  };
  std::size_t offShstr = append(shstr.data(), shstr.size());
  std::size_t offText = append(text.data(), text.size());
  std::size_t offSym = append(syms, sizeof(syms));
  std::size_t offStr = append(strtab.data(), strtab.size());

  Elf64_Shdr sh[5] = {};
  sh[1] = {
      static_cast<Elf64_Word>(nameShstr), SHT_STRTAB, 0, 0, offShstr, shstr.size(), 0, 0, 1, 0};
  sh[2] = {static_cast<Elf64_Word>(nameProg),
           SHT_PROGBITS,
           SHF_ALLOC | SHF_EXECINSTR,
           0,
           offText,
           text.size(),
           0,
           0,
           8,
           0};
  sh[3] = {static_cast<Elf64_Word>(nameSym),
           SHT_SYMTAB,
           0,
           0,
           offSym,
           sizeof(syms),
           4,
           1,
           8,
           sizeof(Elf64_Sym)};
  sh[4] = {static_cast<Elf64_Word>(nameStr), SHT_STRTAB, 0, 0, offStr, strtab.size(), 0, 0, 1, 0};
  std::size_t offSh = append(sh, sizeof(sh));

  Elf64_Ehdr eh = {};
  std::memcpy(eh.e_ident, ELFMAG, SELFMAG);
  eh.e_ident[EI_CLASS] = ELFCLASS64;
  eh.e_ident[EI_DATA] = ELFDATA2LSB;
  eh.e_ident[EI_VERSION] = EV_CURRENT;
  eh.e_type = ET_REL;
  eh.e_machine = machine;
  eh.e_version = EV_CURRENT;
  eh.e_shoff = offSh;
  eh.e_ehsize = sizeof(Elf64_Ehdr);
  eh.e_shentsize = sizeof(Elf64_Shdr);
  eh.e_shnum = 5;
  eh.e_shstrndx = 1;
  std::memcpy(out.data(), &eh, sizeof(eh));
  return out;
}

// Instruction shorthands (dst, src, off, imm).
inline RawInsn movImm(std::uint8_t dst, std::int32_t imm) {
  return {0xb7, dst, 0, 0, imm};
}
inline RawInsn movImm32(std::uint8_t dst, std::int32_t imm) {
  return {0xb4, dst, 0, 0, imm};
}
inline RawInsn movReg(std::uint8_t dst, std::uint8_t src) {
  return {0xbf, dst, src, 0, 0};
}
inline RawInsn addImm(std::uint8_t dst, std::int32_t imm) {
  return {0x07, dst, 0, 0, imm};
}
inline RawInsn ldxW(std::uint8_t dst, std::uint8_t src, std::int16_t off) {
  return {0x61, dst, src, off, 0};
}
inline RawInsn ldxDW(std::uint8_t dst, std::uint8_t src, std::int16_t off) {
  return {0x79, dst, src, off, 0};
}
inline RawInsn stxDW(std::uint8_t dst, std::uint8_t src, std::int16_t off) {
  return {0x7b, dst, src, off, 0};
}
inline RawInsn stxB(std::uint8_t dst, std::uint8_t src, std::int16_t off) {
  return {0x73, dst, src, off, 0};
}
inline RawInsn stDW(std::uint8_t dst, std::int16_t off, std::int32_t imm) {
  return {0x7a, dst, 0, off, imm};
}
inline RawInsn jeqImm(std::uint8_t dst, std::int32_t imm, std::int16_t off) {
  return {0x15, dst, 0, off, imm};
}
inline RawInsn ja(std::int16_t off) {
  return {0x05, 0, 0, off, 0};
}
inline RawInsn call(std::int32_t helper) {
  return {0x85, 0, 0, 0, helper};
}
inline RawInsn exitInsn() {
  return {0x95, 0, 0, 0, 0};
}

}  // namespace ibsr::safety::testing
