// A minimal, bounds-checked reader for 64-bit little-endian BPF ELF relocatable objects: section
// headers, symbols and REL relocations. Written by hand (not libelf) so that every byte read from
// hostile input is range-checked here, where the fuzzer can reach it.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/result.h"

namespace ibsr::safety {

struct ElfSection {
  std::string name;
  std::uint32_t type = 0;
  std::uint64_t flags = 0;
  std::uint32_t link = 0;
  std::uint32_t info = 0;
  std::span<const std::uint8_t> data;  // empty for SHT_NOBITS
};

struct ElfSymbol {
  std::string name;
  std::uint8_t type = 0;  // STT_*
  std::uint8_t bind = 0;  // STB_*
  std::uint16_t shndx = 0;
  std::uint64_t value = 0;
  std::uint64_t size = 0;
};

struct ElfReloc {
  std::uint64_t offset = 0;  // byte offset inside the target section
  std::uint32_t symbol = 0;  // index into symbols
  std::uint32_t type = 0;
};

struct ElfFile {
  std::vector<ElfSection> sections;
  std::vector<ElfSymbol> symbols;
  // relocs[i] holds the relocations that apply to sections[i].
  std::vector<std::vector<ElfReloc>> relocs;

  const ElfSection* find(std::string_view name) const;
};

// Fails on anything that is not a structurally valid 64-bit LE EM_BPF ELF.
Result<ElfFile> parseElf(std::span<const std::uint8_t> bytes);

}  // namespace ibsr::safety
