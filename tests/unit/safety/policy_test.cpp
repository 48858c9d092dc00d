#include "safety/policy.h"

#include <gtest/gtest.h>

namespace ibsr::safety {
namespace {

TEST(Policy, HelperIdsMatchTheKernelNumbering) {
  ASSERT_TRUE(helperById(1).has_value());
  EXPECT_EQ(helperById(1)->name, "map_lookup_elem");
  EXPECT_EQ(helperById(1)->cls, HelperClass::Allowed);
  EXPECT_EQ(helperById(9)->name, "skb_store_bytes");
  EXPECT_EQ(helperById(9)->cls, HelperClass::Forbidden);
  EXPECT_EQ(helperById(12)->name, "tail_call");
  EXPECT_EQ(helperById(12)->cls, HelperClass::TailCall);
  EXPECT_EQ(helperById(23)->name, "redirect");
  EXPECT_EQ(helperById(23)->cls, HelperClass::Forbidden);
  EXPECT_EQ(helperById(26)->name, "skb_load_bytes");
  EXPECT_EQ(helperById(26)->cls, HelperClass::Allowed);
  EXPECT_EQ(helperById(44)->name, "xdp_adjust_head");
  EXPECT_EQ(helperById(130)->name, "ringbuf_output");
  EXPECT_EQ(helperById(130)->cls, HelperClass::StrictEvent);
  EXPECT_EQ(helperById(131)->name, "ringbuf_reserve");
  EXPECT_EQ(helperById(132)->name, "ringbuf_submit");
  EXPECT_FALSE(helperById(0).has_value());
  EXPECT_FALSE(helperById(-1).has_value());
  EXPECT_FALSE(helperById(static_cast<std::int64_t>(helperCount())).has_value());
}

TEST(Policy, EveryClassifiedHelperNameExists) {
  // A misspelt name in the class table would silently allow the real helper.
  for (auto name :
       {"redirect",          "redirect_map",       "redirect_peer",    "redirect_neigh",
        "clone_redirect",    "sk_redirect_map",    "sk_redirect_hash", "msg_redirect_map",
        "msg_redirect_hash", "skb_store_bytes",    "l3_csum_replace",  "l4_csum_replace",
        "skb_vlan_push",     "skb_vlan_pop",       "skb_change_proto", "skb_change_type",
        "skb_change_tail",   "skb_change_head",    "skb_adjust_room",  "xdp_adjust_head",
        "xdp_adjust_meta",   "xdp_adjust_tail",    "xdp_store_bytes",  "tail_call",
        "perf_event_output", "ringbuf_output",     "ringbuf_reserve",  "ringbuf_submit",
        "ringbuf_discard",   "user_ringbuf_drain", "trace_printk",     "skb_set_tstamp"}) {
    auto info = helperByName(name);
    ASSERT_TRUE(info.has_value()) << name;
    EXPECT_NE(info->cls, HelperClass::Allowed) << name;
  }
}

TEST(Policy, MapTypes) {
  EXPECT_EQ(mapTypeById(9)->name, "lru_hash");
  EXPECT_EQ(mapTypeById(9)->cls, MapClass::Lru);
  EXPECT_EQ(mapTypeById(14)->cls, MapClass::Forbidden);  // devmap
  EXPECT_EQ(mapTypeById(17)->cls, MapClass::Forbidden);  // xskmap
  EXPECT_EQ(mapTypeById(27)->name, "ringbuf");
  EXPECT_EQ(mapTypeById(27)->cls, MapClass::StrictEvent);
  EXPECT_EQ(mapTypeById(6)->cls, MapClass::Allowed);  // percpu_array
  EXPECT_FALSE(mapTypeById(0).has_value());
  EXPECT_FALSE(mapTypeById(200).has_value());
}

TEST(Policy, ProgramKindsAndVerdicts) {
  EXPECT_EQ(progKindOfSection("xdp"), ProgKind::Xdp);
  EXPECT_EQ(progKindOfSection("xdp.frags"), ProgKind::Xdp);
  EXPECT_EQ(progKindOfSection("tc"), ProgKind::Tc);
  EXPECT_EQ(progKindOfSection("classifier/ingress"), ProgKind::Tc);
  EXPECT_EQ(progKindOfSection("kprobe/foo"), ProgKind::Other);
  EXPECT_EQ(progKindOfSection("xdpfoo"), ProgKind::Other);
  EXPECT_TRUE(progKindAllowed(ProgKind::Xdp, Mode::Strict));
  EXPECT_FALSE(progKindAllowed(ProgKind::Tc, Mode::Strict));
  EXPECT_TRUE(progKindAllowed(ProgKind::Tc, Mode::Payload));
  EXPECT_TRUE(progKindAllowed(ProgKind::Tc, Mode::Incident));
  EXPECT_FALSE(progKindAllowed(ProgKind::Other, Mode::Payload));
  EXPECT_TRUE(isPassVerdict(ProgKind::Xdp, 2));
  EXPECT_FALSE(isPassVerdict(ProgKind::Xdp, 1));
  EXPECT_FALSE(isPassVerdict(ProgKind::Xdp, 0));
  EXPECT_TRUE(isPassVerdict(ProgKind::Tc, 0));
  EXPECT_TRUE(isPassVerdict(ProgKind::Tc, 0xffffffffU));
  EXPECT_FALSE(isPassVerdict(ProgKind::Tc, 2));
  EXPECT_EQ(verdictName(ProgKind::Tc, 2), "TC_ACT_SHOT");
  EXPECT_EQ(verdictName(ProgKind::Xdp, 4), "XDP_REDIRECT");
}

}  // namespace
}  // namespace ibsr::safety
