#include "safety/policy.h"

#include <linux/bpf.h>

#include <array>
#include <string_view>

namespace ibsr::safety {
namespace {

// The helper names in id order, straight from the UAPI header so the table can never drift from
// the ids clang emits. Up to Linux 6.1 the mapper is "FN(name)," in id order; later headers
// use "FN(name, id, ctx)" without separators (and define ___BPF_FUNC_MAPPER), ids still in order.
#ifdef ___BPF_FUNC_MAPPER
#define IBSR_HELPER_NAME(name, ...) std::string_view{#name},
#else
#define IBSR_HELPER_NAME(name, ...) \
  std::string_view {                \
#name                           \
  }
#endif
constexpr std::string_view kHelperNames[] = {__BPF_FUNC_MAPPER(IBSR_HELPER_NAME)};
#undef IBSR_HELPER_NAME

struct NamedClass {
  std::string_view name;
  HelperClass cls;
};

// Everything not listed is allowed: lookups, map updates, time, random, packet/skb loads, checksums
// computed into registers, FIB/socket lookups.
constexpr NamedClass kHelperClasses[] = {
    // Redirection and steering.
    {"redirect", HelperClass::Forbidden},
    {"redirect_map", HelperClass::Forbidden},
    {"redirect_peer", HelperClass::Forbidden},
    {"redirect_neigh", HelperClass::Forbidden},
    {"clone_redirect", HelperClass::Forbidden},
    {"sk_redirect_map", HelperClass::Forbidden},
    {"sk_redirect_hash", HelperClass::Forbidden},
    {"msg_redirect_map", HelperClass::Forbidden},
    {"msg_redirect_hash", HelperClass::Forbidden},
    {"sk_select_reuseport", HelperClass::Forbidden},
    {"sk_assign", HelperClass::Forbidden},
    {"set_hash", HelperClass::Forbidden},
    {"set_hash_invalid", HelperClass::Forbidden},
    // Packet and skb modification.
    {"skb_store_bytes", HelperClass::Forbidden},
    {"l3_csum_replace", HelperClass::Forbidden},
    {"l4_csum_replace", HelperClass::Forbidden},
    {"csum_update", HelperClass::Forbidden},
    {"csum_level", HelperClass::Forbidden},
    {"skb_vlan_push", HelperClass::Forbidden},
    {"skb_vlan_pop", HelperClass::Forbidden},
    {"skb_change_proto", HelperClass::Forbidden},
    {"skb_change_type", HelperClass::Forbidden},
    {"skb_change_tail", HelperClass::Forbidden},
    {"skb_change_head", HelperClass::Forbidden},
    {"skb_adjust_room", HelperClass::Forbidden},
    {"skb_set_tunnel_key", HelperClass::Forbidden},
    {"skb_set_tunnel_opt", HelperClass::Forbidden},
    {"skb_ecn_set_ce", HelperClass::Forbidden},
    {"skb_set_tstamp", HelperClass::Forbidden},
    {"xdp_adjust_head", HelperClass::Forbidden},
    {"xdp_adjust_meta", HelperClass::Forbidden},
    {"xdp_adjust_tail", HelperClass::Forbidden},
    {"xdp_store_bytes", HelperClass::Forbidden},
    {"dynptr_write", HelperClass::Forbidden},
    {"lwt_push_encap", HelperClass::Forbidden},
    {"lwt_seg6_store_bytes", HelperClass::Forbidden},
    {"lwt_seg6_adjust_srh", HelperClass::Forbidden},
    {"lwt_seg6_action", HelperClass::Forbidden},
    {"msg_apply_bytes", HelperClass::Forbidden},
    {"msg_cork_bytes", HelperClass::Forbidden},
    {"msg_push_data", HelperClass::Forbidden},
    {"msg_pop_data", HelperClass::Forbidden},
    {"msg_pull_data", HelperClass::Forbidden},
    {"store_hdr_opt", HelperClass::Forbidden},
    {"reserve_hdr_opt", HelperClass::Forbidden},
    // Side effects outside the packet path.
    {"override_return", HelperClass::Forbidden},
    {"probe_write_user", HelperClass::Forbidden},
    {"send_signal", HelperClass::Forbidden},
    {"send_signal_thread", HelperClass::Forbidden},
    {"sys_bpf", HelperClass::Forbidden},
    {"sys_close", HelperClass::Forbidden},
    {"setsockopt", HelperClass::Forbidden},
    {"sock_ops_cb_flags_set", HelperClass::Forbidden},
    {"tcp_send_ack", HelperClass::Forbidden},
    {"bind", HelperClass::Forbidden},
    // Verdict handed to another program.
    {"tail_call", HelperClass::TailCall},
    // Kernel -> userspace event streams (StrictCounter emits counters only).
    {"perf_event_output", HelperClass::StrictEvent},
    {"skb_output", HelperClass::StrictEvent},
    {"xdp_output", HelperClass::StrictEvent},
    {"ringbuf_output", HelperClass::StrictEvent},
    {"ringbuf_reserve", HelperClass::StrictEvent},
    {"ringbuf_submit", HelperClass::StrictEvent},
    {"ringbuf_discard", HelperClass::StrictEvent},
    {"ringbuf_query", HelperClass::StrictEvent},
    {"ringbuf_reserve_dynptr", HelperClass::StrictEvent},
    {"ringbuf_submit_dynptr", HelperClass::StrictEvent},
    {"ringbuf_discard_dynptr", HelperClass::StrictEvent},
    {"user_ringbuf_drain", HelperClass::StrictEvent},
    {"trace_printk", HelperClass::StrictEvent},
    {"trace_vprintk", HelperClass::StrictEvent},
};

HelperClass classOfHelper(std::string_view name) {
  for (const auto& h : kHelperClasses) {
    if (h.name == name) return h.cls;
  }
  return HelperClass::Allowed;
}

// enum bpf_map_type in id order (linux/bpf.h has no mapper macro for it).
constexpr MapTypeInfo kMapTypes[] = {
    {"unspec", MapClass::Forbidden},  // never valid; id 0 is rejected as unknown below
    {"hash", MapClass::Allowed},
    {"array", MapClass::Allowed},
    {"prog_array", MapClass::Forbidden},
    {"perf_event_array", MapClass::StrictEvent},
    {"percpu_hash", MapClass::Allowed},
    {"percpu_array", MapClass::Allowed},
    {"stack_trace", MapClass::Allowed},
    {"cgroup_array", MapClass::Allowed},
    {"lru_hash", MapClass::Lru},
    {"lru_percpu_hash", MapClass::Allowed},
    {"lpm_trie", MapClass::Allowed},
    {"array_of_maps", MapClass::Allowed},
    {"hash_of_maps", MapClass::Allowed},
    {"devmap", MapClass::Forbidden},
    {"sockmap", MapClass::Forbidden},
    {"cpumap", MapClass::Forbidden},
    {"xskmap", MapClass::Forbidden},
    {"sockhash", MapClass::Forbidden},
    {"cgroup_storage", MapClass::Allowed},
    {"reuseport_sockarray", MapClass::Forbidden},
    {"percpu_cgroup_storage", MapClass::Allowed},
    {"queue", MapClass::Allowed},
    {"stack", MapClass::Allowed},
    {"sk_storage", MapClass::Allowed},
    {"devmap_hash", MapClass::Forbidden},
    {"struct_ops", MapClass::Forbidden},
    {"ringbuf", MapClass::StrictEvent},
    {"inode_storage", MapClass::Allowed},
    {"task_storage", MapClass::Allowed},
    {"bloom_filter", MapClass::Allowed},
    {"user_ringbuf", MapClass::StrictEvent},
    {"cgrp_storage", MapClass::Allowed},
};

bool startsWith(std::string_view s, std::string_view p) {
  return s.substr(0, p.size()) == p;
}

}  // namespace

std::optional<HelperInfo> helperById(std::int64_t id) {
  // Id 0 (unspec) is not a callable helper.
  if (id <= 0 || id >= static_cast<std::int64_t>(std::size(kHelperNames))) return std::nullopt;
  std::string_view name = kHelperNames[id];
  return HelperInfo{name, classOfHelper(name)};
}

std::size_t helperCount() {
  return std::size(kHelperNames);
}

namespace {
constexpr std::string_view kStrictHelpers[] = {"map_lookup_elem", "map_update_elem",
                                               "ktime_get_ns"};
}  // namespace

std::span<const std::string_view> strictAllowedHelpers() {
  return kStrictHelpers;
}

bool strictAllowsHelper(std::string_view name) {
  for (auto h : kStrictHelpers) {
    if (h == name) return true;
  }
  return false;
}

bool helperOnlyReadsArguments(std::string_view name) {
  static constexpr std::string_view kReaders[] = {
      "map_lookup_elem",     "map_update_elem",   "map_delete_elem", "map_push_elem",
      "csum_diff",           "perf_event_output", "skb_output",      "xdp_output",
      "ringbuf_output",      "sk_lookup_tcp",     "sk_lookup_udp",   "skc_lookup_tcp",
      "tcp_check_syncookie", "tcp_gen_syncookie", "trace_printk"};
  for (auto r : kReaders) {
    if (r == name) return true;
  }
  return false;
}

std::optional<HelperInfo> helperByName(std::string_view name) {
  for (std::size_t i = 1; i < std::size(kHelperNames); ++i) {
    if (kHelperNames[i] == name) return HelperInfo{name, classOfHelper(name)};
  }
  return std::nullopt;
}

std::optional<MapTypeInfo> mapTypeById(std::uint32_t id) {
  if (id == 0 || id >= std::size(kMapTypes)) return std::nullopt;
  return kMapTypes[id];
}

std::uint32_t mapTypeCount() {
  return static_cast<std::uint32_t>(std::size(kMapTypes));
}

std::optional<MapTypeInfo> mapTypeByName(std::string_view lowerName) {
  for (std::size_t i = 1; i < std::size(kMapTypes); ++i) {
    if (kMapTypes[i].name == lowerName) return kMapTypes[i];
  }
  return std::nullopt;
}

ProgKind progKindOfSection(std::string_view s) {
  if (s == "xdp" || startsWith(s, "xdp.") || startsWith(s, "xdp/") || startsWith(s, "xdp_")) {
    return ProgKind::Xdp;
  }
  if (s == "tc" || s == "classifier" || s == "action" || startsWith(s, "tc/") ||
      startsWith(s, "tc.") || startsWith(s, "tcx/") || startsWith(s, "classifier/") ||
      startsWith(s, "action/")) {
    return ProgKind::Tc;
  }
  return ProgKind::Other;
}

std::string_view progKindName(ProgKind kind) {
  switch (kind) {
    case ProgKind::Xdp:
      return "XDP";
    case ProgKind::Tc:
      return "TC";
    case ProgKind::Other:
      return "other";
  }
  return "?";
}

bool progKindAllowed(ProgKind kind, Mode mode) {
  if (kind == ProgKind::Xdp) return true;
  if (kind == ProgKind::Tc) return mode != Mode::Strict;
  return false;
}

bool isPassVerdict(ProgKind kind, std::uint32_t value) {
  if (kind == ProgKind::Xdp) return value == XDP_PASS;
  if (kind == ProgKind::Tc) return value == 0 /*TC_ACT_OK*/ || value == 0xffffffffU /*UNSPEC*/;
  return false;
}

std::string_view passVerdictNames(ProgKind kind) {
  if (kind == ProgKind::Xdp) return "XDP_PASS";
  if (kind == ProgKind::Tc) return "TC_ACT_OK or TC_ACT_UNSPEC";
  return "(none)";
}

std::string verdictName(ProgKind kind, std::uint32_t value) {
  static constexpr std::array<std::string_view, 5> kXdp{"XDP_ABORTED", "XDP_DROP", "XDP_PASS",
                                                        "XDP_TX", "XDP_REDIRECT"};
  static constexpr std::array<std::string_view, 9> kTc{
      "TC_ACT_OK",     "TC_ACT_RECLASSIFY", "TC_ACT_SHOT",     "TC_ACT_PIPE", "TC_ACT_STOLEN",
      "TC_ACT_QUEUED", "TC_ACT_REPEAT",     "TC_ACT_REDIRECT", "TC_ACT_TRAP"};
  if (kind == ProgKind::Xdp && value < kXdp.size()) return std::string(kXdp[value]);
  if (kind == ProgKind::Tc && value < kTc.size()) return std::string(kTc[value]);
  if (kind == ProgKind::Tc && value == 0xffffffffU) return "TC_ACT_UNSPEC";
  return std::to_string(static_cast<std::int32_t>(value));
}

std::vector<std::string_view> forbiddenVerdictIdentifiers() {
  return {"XDP_DROP",        "XDP_ABORTED",   "XDP_REDIRECT",  "XDP_TX",     "TC_ACT_SHOT",
          "TC_ACT_REDIRECT", "TC_ACT_STOLEN", "TC_ACT_QUEUED", "TC_ACT_TRAP"};
}

}  // namespace ibsr::safety
