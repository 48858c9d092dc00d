#include "safety/rules.h"

#include <array>

namespace ibsr::safety {
namespace {

constexpr std::array kRules{
    RuleInfo{rule::kForbiddenReturnCode, false, ScanKind::Source,
             "a non-pass verdict identifier (XDP_DROP/ABORTED/REDIRECT/TX, "
             "TC_ACT_SHOT/REDIRECT/STOLEN/QUEUED/TRAP) appears in code"},
    RuleInfo{rule::kNonPassExit, false, ScanKind::Object,
             "an exit whose r0 is not provably XDP_PASS (XDP) or TC_ACT_OK/TC_ACT_UNSPEC (TC)"},
    RuleInfo{
        rule::kForbiddenHelper, false, ScanKind::Both,
        "a helper that redirects, steers or modifies packets/skbs or has outside side "
        "effects (bpf_redirect*, bpf_xdp_adjust_*, bpf_skb_change_*, bpf_skb_store_bytes, ...)"},
    RuleInfo{rule::kTailCall, false, ScanKind::Both,
             "bpf_tail_call: the tail-called program decides the verdict, defeating the proof"},
    RuleInfo{rule::kForbiddenMapType, false, ScanKind::Both,
             "a steering map type (DEVMAP, DEVMAP_HASH, XSKMAP, CPUMAP, PROG_ARRAY, SOCKMAP, "
             "SOCKHASH, REUSEPORT_SOCKARRAY, STRUCT_OPS)"},
    RuleInfo{
        rule::kStrictEventHelper, true, ScanKind::Both,
        "a kernel-to-userspace event helper (bpf_ringbuf_*, bpf_perf_event_output, "
        "bpf_xdp_output, bpf_skb_output, bpf_user_ringbuf_drain, bpf_trace_printk, bpf_printk)"},
    RuleInfo{rule::kStrictHelperNotAllowed, true, ScanKind::Both,
             "a helper outside StrictCounter's allow-list (bpf_map_lookup_elem, "
             "bpf_map_update_elem, bpf_ktime_get_ns)"},
    RuleInfo{rule::kStrictEventMap, true, ScanKind::Both,
             "an event map type (RINGBUF, PERF_EVENT_ARRAY, USER_RINGBUF)"},
    RuleInfo{rule::kStrictLruRequired, true, ScanKind::Both,
             "no BPF_MAP_TYPE_LRU_HASH map: StrictCounter memory must be bounded"},
    RuleInfo{rule::kProgramType, false, ScanKind::Object,
             "a program section of a type the mode does not allow (strict: XDP only; payload and "
             "incident: XDP or TC)"},
    RuleInfo{rule::kPacketStore, false, ScanKind::Object,
             "a store or atomic through a pointer derived from packet data (ctx->data/data_meta), "
             "or such a pointer passed to a helper that may write through it"},
    RuleInfo{rule::kCtxStore, false, ScanKind::Object,
             "a store into the program context (e.g. skb->mark, priority, tstamp), which changes "
             "how the kernel handles the packet"},
    RuleInfo{rule::kUnknownHelper, false, ScanKind::Object,
             "a call to a helper id outside the known table, which cannot be classified"},
    RuleInfo{rule::kKfuncCall, false, ScanKind::Object,
             "a call to a kernel function (kfunc), which cannot be classified"},
    RuleInfo{rule::kUnknownMapType, false, ScanKind::Object,
             "a map whose type cannot be read from the object or is not a known type"},
    RuleInfo{rule::kMalformedProgram, false, ScanKind::Object,
             "code the scanner cannot decode (bad opcode, jump or call outside the section, "
             "truncated instruction), so nothing about it can be proven"},
    RuleInfo{rule::kAnalysisLimit, false, ScanKind::Object,
             "the control-flow analysis exceeded its work budget before reaching a fixed point"},
};

}  // namespace

std::span<const RuleInfo> rulesTable() {
  return kRules;
}

const RuleInfo* findRule(std::string_view id) {
  for (const auto& r : kRules) {
    if (r.id == id) return &r;
  }
  return nullptr;
}

std::string_view scanKindName(ScanKind kind) {
  switch (kind) {
    case ScanKind::Source:
      return "source";
    case ScanKind::Object:
      return "object";
    case ScanKind::Both:
      return "source+object";
  }
  return "?";
}

}  // namespace ibsr::safety
