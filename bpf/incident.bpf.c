// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * record-incident TC programs (ingress and egress): 1-in-N sampling with a per-CPU countdown;
 * each sampled frame's first IBSR_INCIDENT_SNAPLEN bytes and its length go to a ring buffer.
 *
 * Shadow mode: both programs only ever return TC_ACT_UNSPEC, so the packet continues to the
 * next filter on the hook (other IBSR modes, other tools) and then to the stack untouched.
 * Packet data is only read (bpf_skb_load_bytes into the ring-buffer record). A full ring buffer
 * costs one per-CPU counter increment: reservation is never retried and never waits.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "ibsr_abi.h"

/* Written by userspace at any time (set-sample-rate, trigger, stop); read on every packet. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, IBSR_CFG_SLOTS);
	__type(key, __u32);
	__type(value, __u64);
} incident_cfg SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ibsr_incident_cpu);
} incident_cpu SEC(".maps");

/* max_entries may be replaced by userspace before load. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, IBSR_INCIDENT_RINGBUF_BYTES);
} incident_rb SEC(".maps");

static __always_inline __u64 cfg_get(__u32 slot)
{
	__u64 *v = bpf_map_lookup_elem(&incident_cfg, &slot);
	return v ? *v : 0;
}

/* True for one packet in every `rate` on this CPU. */
static __always_inline int take_sample(struct ibsr_incident_cpu *st, __u64 rate)
{
	__u64 c = st->countdown;
	st->seen++;
	/* c >= rate happens after the rate was lowered: sample now rather than wait out the old
	 * countdown, so an escalation takes effect on the next packet. */
	if (c == 0 || c >= rate) {
		st->countdown = rate - 1;
		return 1;
	}
	st->countdown = c - 1;
	return 0;
}

static __always_inline void sample(struct __sk_buff *skb, __u32 direction)
{
	if (!cfg_get(IBSR_CFG_SAMPLING_ACTIVE))
		return;
	__u32 zero = 0;
	struct ibsr_incident_cpu *st = bpf_map_lookup_elem(&incident_cpu, &zero);
	if (!st)
		return;
	__u64 rate = cfg_get(IBSR_CFG_SAMPLE_RATE);
	if (rate == 0)
		rate = 1;
	if (!take_sample(st, rate))
		return;

	__u32 len = skb->len;
	if (len == 0)
		return;
	struct ibsr_incident_event *e = bpf_ringbuf_reserve(&incident_rb, sizeof(*e), 0);
	if (!e) {
		st->ringbuf_drops++;
		return;
	}
	/* len >= 1 was checked on this register above, so the verifier knows cap is 1..SNAPLEN
	 * (bpf_skb_load_bytes rejects a size that could be 0). Do not mask cap: a mask would
	 * lower its proven minimum to 0. */
	__u32 cap = len < IBSR_INCIDENT_SNAPLEN ? len : IBSR_INCIDENT_SNAPLEN;
	if (bpf_skb_load_bytes(skb, 0, e->data, cap) != 0) {
		bpf_ringbuf_discard(e, 0);
		return;
	}
	e->ts_ns = bpf_ktime_get_ns();
	e->tag_hash = cfg_get(IBSR_CFG_INCIDENT_TAG_HASH);
	e->orig_len = len;
	e->cap_len = cap;
	e->direction = direction;
	e->ifindex = skb->ifindex;
	e->vlan_present = skb->vlan_present ? 1 : 0;
	e->vlan_tci = (__u16)skb->vlan_tci;
	e->vlan_proto = bpf_ntohs((__u16)skb->vlan_proto);
	st->sampled++;
	bpf_ringbuf_submit(e, 0);
}

SEC("tc")
int ibsr_incident_ingress(struct __sk_buff *skb)
{
	sample(skb, IBSR_DIR_INGRESS);
	return TC_ACT_UNSPEC;
}

SEC("tc")
int ibsr_incident_egress(struct __sk_buff *skb)
{
	sample(skb, IBSR_DIR_EGRESS);
	return TC_ACT_UNSPEC;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
