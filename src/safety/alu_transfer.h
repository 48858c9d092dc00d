// Abstract semantics of BPF ALU instructions: what a register may hold after `dst OP= src`,
// given what dst and src may hold. Constants are computed exactly with the kernel's rules
// (x / 0 == 0, x % 0 == x, shift counts masked, 32-bit results zero-extended); pointer kinds
// follow pointer +- scalar; everything else becomes "any scalar".
#pragma once

#include <cstdint>

#include "safety/abstract_value.h"
#include "safety/bpf_insn.h"

namespace ibsr::safety {

// dst = dst OP src for everything but MOV, NEG and END. isSigned selects sdiv/smod (cpu v4).
AbsVal binaryOp(std::uint8_t op, const AbsVal& dst, const AbsVal& src, bool is64, bool isSigned);
// BPF_END: byte swap (or truncation for to_le on this little-endian host).
AbsVal endianOp(const insn::Insn& i, const AbsVal& dst);
// BPF_MOV, including the sign-extending movsx forms.
AbsVal movOp(const insn::Insn& i, const AbsVal& src, bool is64);

}  // namespace ibsr::safety
