#include "safety/elf_file.h"

#include <elf.h>

#include <cstring>

namespace ibsr::safety {
namespace {

constexpr std::uint16_t kEmBpf = 247;

template <typename T>
T readLe(std::span<const std::uint8_t> b, std::size_t off) {
  T v{};
  std::memcpy(&v, b.data() + off, sizeof(T));  // callers check bounds; x86 and BPF are LE
  return v;
}

bool inBounds(std::size_t total, std::uint64_t off, std::uint64_t len) {
  return off <= total && len <= total - off;
}

std::string cString(std::span<const std::uint8_t> table, std::uint64_t off) {
  if (off >= table.size()) return {};
  const auto* begin = reinterpret_cast<const char*>(table.data() + off);
  std::size_t max = table.size() - off;
  return std::string(begin, strnlen(begin, max));
}

}  // namespace

const ElfSection* ElfFile::find(std::string_view name) const {
  for (const auto& s : sections) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

Result<ElfFile> parseElf(std::span<const std::uint8_t> b) {
  if (b.size() < sizeof(Elf64_Ehdr) || std::memcmp(b.data(), ELFMAG, SELFMAG) != 0) {
    return plainError("not an ELF file");
  }
  if (b[EI_CLASS] != ELFCLASS64 || b[EI_DATA] != ELFDATA2LSB) {
    return plainError("not a 64-bit little-endian ELF file");
  }
  Elf64_Ehdr eh;
  std::memcpy(&eh, b.data(), sizeof(eh));
  if (eh.e_machine != kEmBpf) {
    return plainError("not a BPF object (ELF machine " + std::to_string(eh.e_machine) + ")");
  }
  if (eh.e_shentsize != sizeof(Elf64_Shdr) || eh.e_shnum == 0 ||
      !inBounds(b.size(), eh.e_shoff, std::uint64_t{eh.e_shnum} * sizeof(Elf64_Shdr)) ||
      eh.e_shstrndx >= eh.e_shnum) {
    return plainError("corrupt ELF section header table");
  }

  std::vector<Elf64_Shdr> headers(eh.e_shnum);
  for (std::size_t i = 0; i < headers.size(); ++i) {
    std::memcpy(&headers[i], b.data() + eh.e_shoff + i * sizeof(Elf64_Shdr), sizeof(Elf64_Shdr));
  }
  auto dataOf = [&](const Elf64_Shdr& h) -> Result<std::span<const std::uint8_t>> {
    if (h.sh_type == SHT_NOBITS || h.sh_type == SHT_NULL) return std::span<const std::uint8_t>{};
    if (!inBounds(b.size(), h.sh_offset, h.sh_size)) {
      return plainError("ELF section extends past the end of the file");
    }
    return b.subspan(h.sh_offset, h.sh_size);
  };

  auto shstr = dataOf(headers[eh.e_shstrndx]);
  if (!shstr.ok()) return shstr.error();

  ElfFile elf;
  elf.sections.resize(headers.size());
  elf.relocs.resize(headers.size());
  for (std::size_t i = 0; i < headers.size(); ++i) {
    auto data = dataOf(headers[i]);
    if (!data.ok()) return data.error();
    auto& s = elf.sections[i];
    s.name = cString(*shstr, headers[i].sh_name);
    s.type = headers[i].sh_type;
    s.flags = headers[i].sh_flags;
    s.link = headers[i].sh_link;
    s.info = headers[i].sh_info;
    s.data = *data;
  }

  for (std::size_t i = 0; i < headers.size(); ++i) {
    const auto& s = elf.sections[i];
    if (s.type != SHT_SYMTAB) continue;
    if (s.link >= elf.sections.size()) return plainError("ELF symbol table has no string table");
    auto strtab = elf.sections[s.link].data;
    for (std::size_t off = 0; off + sizeof(Elf64_Sym) <= s.data.size(); off += sizeof(Elf64_Sym)) {
      Elf64_Sym sym;
      std::memcpy(&sym, s.data.data() + off, sizeof(sym));
      elf.symbols.push_back(ElfSymbol{cString(strtab, sym.st_name),
                                      static_cast<std::uint8_t>(ELF64_ST_TYPE(sym.st_info)),
                                      static_cast<std::uint8_t>(ELF64_ST_BIND(sym.st_info)),
                                      sym.st_shndx, sym.st_value, sym.st_size});
    }
    break;  // an object has one symbol table
  }

  for (std::size_t i = 0; i < headers.size(); ++i) {
    const auto& s = elf.sections[i];
    if (s.type != SHT_REL) continue;
    if (s.info >= elf.sections.size()) continue;  // applies to no section we know
    for (std::size_t off = 0; off + sizeof(Elf64_Rel) <= s.data.size(); off += sizeof(Elf64_Rel)) {
      auto r = readLe<Elf64_Rel>(s.data, off);
      elf.relocs[s.info].push_back(ElfReloc{r.r_offset,
                                            static_cast<std::uint32_t>(ELF64_R_SYM(r.r_info)),
                                            static_cast<std::uint32_t>(ELF64_R_TYPE(r.r_info))});
    }
  }
  return elf;
}

}  // namespace ibsr::safety
