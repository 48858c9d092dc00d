// How BPF code refers to other code: call targets, callback addresses and kfunc calls, resolved
// through the object's relocations the way libbpf resolves them; and which opcodes are valid.
#pragma once

#include <cstddef>
#include <optional>

#include "safety/bpf_insn.h"
#include "safety/elf_file.h"

namespace ibsr::safety {

struct CodeLocation {
  std::size_t section = 0;
  std::size_t insn = 0;
};

// Instruction count of an executable section (its size must be a multiple of 8).
std::size_t insnCount(const ElfSection& section);

// Where a pseudo call (or BPF_PSEUDO_FUNC ld_imm64) at `pc` goes: through its relocation symbol
// when it has one, otherwise relative to pc. nullopt when outside any executable section.
std::optional<CodeLocation> callTarget(const ElfFile& elf, std::size_t section, std::size_t pc,
                                       const insn::Insn& i);

// Whether the relocation table has an entry for the instruction at `pc` (a relocated ld_imm64
// holds an address, not its immediate).
bool hasReloc(const ElfFile& elf, std::size_t section, std::size_t pc);

// The function whose address an ld_imm64 at `pc` loads (a callback for bpf_loop and friends):
// clang emits a relocation against a code symbol; an already-resolved BPF_PSEUDO_FUNC is
// relative to pc. nullopt when the instruction loads no code address.
std::optional<CodeLocation> functionAddress(const ElfFile& elf, std::size_t section, std::size_t pc,
                                            const insn::Insn& i);

// Whether the call at `pc` is relocated against an undefined (extern __ksym) symbol: clang emits
// kfunc calls as pseudo calls that libbpf turns into BPF_PSEUDO_KFUNC_CALL at load time.
bool isExternCall(const ElfFile& elf, std::size_t section, std::size_t pc);

// False for opcodes the kernel would not accept; the scanner refuses to reason about them.
bool validOpcode(const insn::Insn& i);

}  // namespace ibsr::safety
