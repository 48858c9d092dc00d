// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * collect-payload TC programs (ShadowPayload mode). Ingress: TCP to a monitored port (requests);
 * egress: TCP from a monitored port (responses), over IPv4 or IPv6 (parse.bpf.h's path). For
 * every such packet that carries payload or SYN/FIN/RST, a record with the flow, sequence number,
 * flags, lengths and the first `snaplen` payload bytes goes to a ring buffer; userspace
 * reassembles and parses the streams.
 *
 * Shadow mode: both programs only ever return TC_ACT_UNSPEC (the next filter and then the stack
 * see the packet untouched). Packet data is only read, with bpf_skb_load_bytes. A full ring
 * buffer costs one per-CPU counter increment: the record is dropped, never retried or waited on.
 *
 * Per-flow cap (max_bytes_per_flow != 0): an LRU map counts the payload bytes copied per flow
 * direction; past the cap, records still go out (so userspace keeps counting message lengths
 * and sees FIN/RST) but carry no payload bytes. The LRU bounds the map; an evicted flow starts
 * a new allowance, which only makes the cap more generous, never blocks anything.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/pkt_cls.h>
#include <linux/tcp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "ibsr_abi.h"
#include "monitored_ports.bpf.h"
#include "parse.bpf.h"

/* emit_segment()'s flags_copy: the TCP flags byte in bits 0..7, and this bit to copy the
 * segment's payload bytes (without it the record is header-only). BPF-internal: records carry
 * the flags byte only. */
#define EMIT_COPY_PAYLOAD 0x100

/* Set by userspace between open and load; frozen read-only afterwards. */
const volatile __u32 snaplen = IBSR_PAYLOAD_DEFAULT_SNAPLEN; /* 0..IBSR_PAYLOAD_MAX_SNAPLEN */
const volatile __u64 max_bytes_per_flow = 0;                 /* 0: no cap */
/* 0 with --no-ipv6: IPv6 frames are passed unrecorded (the verifier then drops that path as
 * dead code), as the XDP counters leave them uncounted. */
const volatile __u32 ipv6_enabled = 1;

/* max_entries is replaced by userspace (--ringbuf-size) before load. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, IBSR_PAYLOAD_DEFAULT_RINGBUF_BYTES);
} pay_rb SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ibsr_payload_cpu);
} pay_cpu SEC(".maps");

/* The record is assembled here: too large for the 512-byte BPF stack. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ibsr_payload_event);
} pay_scratch SEC(".maps");

/* Payload bytes copied so far per flow direction; max_entries replaced by --max-flows. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, IBSR_PAYLOAD_DEFAULT_FLOWS);
	__type(key, struct ibsr_payload_flow);
	__type(value, __u64);
} pay_flow SEC(".maps");

/* How many of `want` payload bytes this flow direction may still copy (the per-flow cap). */
static __always_inline __u32 flow_allowance(const struct ibsr_payload_flow *flow, __u32 want)
{
	if (max_bytes_per_flow == 0 || want == 0)
		return want;
	__u64 *used = bpf_map_lookup_elem(&pay_flow, flow);
	if (!used) {
		__u64 zero = 0;
		/* BPF_NOEXIST may lose a race with another CPU; then its entry is used below. */
		bpf_map_update_elem(&pay_flow, flow, &zero, BPF_NOEXIST);
		used = bpf_map_lookup_elem(&pay_flow, flow);
		if (!used)
			return want;
	}
	__u64 u = *used;
	if (u >= max_bytes_per_flow)
		return 0;
	__u64 left = max_bytes_per_flow - u;
	__u32 grant = left < want ? (__u32)left : want;
	__sync_fetch_and_add(used, grant);
	return grant;
}

/* The cap map's key of the record whose header observe() filled. */
static __always_inline void flow_of(struct ibsr_payload_flow *flow,
				    const struct ibsr_payload_event_hdr *h)
{
	__builtin_memcpy(flow->src_addr, h->src_addr, sizeof(flow->src_addr));
	__builtin_memcpy(flow->dst_addr, h->dst_addr, sizeof(flow->dst_addr));
	flow->src_port = h->src_port;
	flow->dst_port = h->dst_port;
	flow->direction = h->direction;
	flow->family = h->family;
	flow->pad = 0;
}

/* Sends one record: a segment of `len` payload bytes at `data_off` in the skb. copy = 0 sends
 * the header only. */
static __always_inline void emit(struct __sk_buff *skb, struct ibsr_payload_cpu *st,
				 struct ibsr_payload_event *e, const struct ibsr_payload_flow *flow,
				 __u32 data_off, __u32 seq, __u32 len, __u8 flags, int copy)
{
	__u32 want = 0;
	if (copy) {
		want = len < snaplen ? len : snaplen;
		__u32 in_skb = skb->len > data_off ? skb->len - data_off : 0;
		if (want > in_skb)
			want = in_skb;
	}
	__u32 cap = flow_allowance(flow, want);
	e->hdr.capped = cap < want;
	if (e->hdr.capped)
		st->capped++;

	/* The verifier must see the length register itself bounded (1..MAX for the load, 0..MAX
	 * for the record size); a comparison can land on a copy of it, so derive the bound
	 * arithmetically: (cap - 1) masked to 0..MAX-1 (MAX is a power of two), plus one. */
	__u32 n = 0;
	if (cap > 0) {
		if (cap > IBSR_PAYLOAD_MAX_SNAPLEN)
			cap = IBSR_PAYLOAD_MAX_SNAPLEN;
		n = ((cap - 1) & (IBSR_PAYLOAD_MAX_SNAPLEN - 1)) + 1;
		if (bpf_skb_load_bytes(skb, data_off, e->data, n) != 0) {
			st->load_errors++;
			return;
		}
	}
	e->hdr.ts_ns = bpf_ktime_get_ns();
	e->hdr.seq = seq;
	e->hdr.payload_len = len;
	e->hdr.cap_len = n;
	e->hdr.tcp_flags = flags;
	e->hdr.pad1 = 0;

	if (bpf_ringbuf_output(&pay_rb, e, sizeof(e->hdr) + n, 0) != 0) {
		st->ringbuf_drops++;
		return;
	}
	st->events++;
}

/* One wire-size segment of a GSO/GRO skb. A global (non-inlined) function: the kernel
 * verifies it once, not once per loop iteration. The flow is read back from the scratch
 * record's header, which observe() filled. */
__attribute__((noinline)) int emit_segment(struct __sk_buff *skb, __u32 data_off, __u32 seq,
					   __u32 len, __u32 flags_copy)
{
	__u32 zero = 0;
	struct ibsr_payload_cpu *st = bpf_map_lookup_elem(&pay_cpu, &zero);
	struct ibsr_payload_event *e = bpf_map_lookup_elem(&pay_scratch, &zero);
	if (!skb || !st || !e)
		return 0;
	struct ibsr_payload_flow flow;
	flow_of(&flow, &e->hdr);
	emit(skb, st, e, &flow, data_off, seq, len, (__u8)flags_copy,
	     (flags_copy & EMIT_COPY_PAYLOAD) != 0);
	return 0;
}

/* Where observe() found the network layer of a frame. */
struct l3_info {
	__u32 src_addr[4]; /* network order, as in ibsr_payload_event_hdr */
	__u32 dst_addr[4];
	__u32 tcp_off;     /* offset of the TCP header in the skb */
	__u32 hdr_len;     /* IP header plus IPv6 extension headers */
	__u32 ip_len;      /* IPv4 total length, or IPv6 payload length + 40; 0: unknown (GSO) */
	__u8 family;       /* IBSR_PAYLOAD_FAMILY_* */
};

/* IPv4 at `off`: 0 unless it carries the (first fragment's) TCP header. */
static __always_inline int parse_ipv4(struct __sk_buff *skb, __u32 off, struct l3_info *l3)
{
	struct iphdr ip;
	if (bpf_skb_load_bytes(skb, off, &ip, sizeof(ip)) != 0)
		return 0;
	/* 0: not IPv4 + TCP, or a non-first fragment (no TCP header). */
	__u32 ip_hlen = ipv4_tcp_hdr_len(&ip);
	if (!ip_hlen)
		return 0;
	l3->src_addr[0] = ip.saddr;
	l3->dst_addr[0] = ip.daddr;
	l3->tcp_off = off + ip_hlen;
	l3->hdr_len = ip_hlen;
	l3->ip_len = bpf_ntohs(ip.tot_len);
	l3->family = IBSR_PAYLOAD_FAMILY_IPV4;
	return 1;
}

/* IPv6 at `off`, with up to IBSR_MAX_IPV6_EXT_HDRS extension headers walked as counter.bpf.c
 * walks them (parse.bpf.h): 0 unless TCP follows (non-first fragments never do). */
static __always_inline int parse_ipv6(struct __sk_buff *skb, __u32 off, struct l3_info *l3)
{
	struct ipv6hdr ip6;
	if (bpf_skb_load_bytes(skb, off, &ip6, sizeof(ip6)) != 0)
		return 0;
	if (ip6.version != 6)
		return 0;
	__u8 nexthdr = ip6.nexthdr;
	__u32 ext_len = 0;
#pragma unroll
	for (int i = 0; i < IBSR_MAX_IPV6_EXT_HDRS; i++) {
		if (nexthdr != IPPROTO_TCP) {
			struct ipv6_ext_hdr h;
			if (bpf_skb_load_bytes(skb, off + sizeof(ip6) + ext_len, &h, sizeof(h)) != 0)
				return 0;
			__u32 len = ipv6_ext_hdr_len(nexthdr, &h);
			if (!len)
				return 0;
			nexthdr = h.nexthdr;
			ext_len += len;
		}
	}
	if (nexthdr != IPPROTO_TCP)
		return 0;
	__builtin_memcpy(l3->src_addr, &ip6.saddr, sizeof(l3->src_addr));
	__builtin_memcpy(l3->dst_addr, &ip6.daddr, sizeof(l3->dst_addr));
	l3->tcp_off = off + sizeof(ip6) + ext_len;
	l3->hdr_len = sizeof(ip6) + ext_len;
	/* 0 on BIG TCP super-packets (and jumbograms): the skb length is the truth then. */
	__u32 payload = bpf_ntohs(ip6.payload_len);
	l3->ip_len = payload ? payload + sizeof(ip6) : 0;
	l3->family = IBSR_PAYLOAD_FAMILY_IPV6;
	return 1;
}

static __always_inline void observe(struct __sk_buff *skb, __u8 direction)
{
	__u32 off = 0;
	struct ethhdr eth;
	if (bpf_skb_load_bytes(skb, 0, &eth, sizeof(eth)) != 0)
		return;
	off = sizeof(eth);
	__u16 proto = eth.h_proto;

#pragma unroll
	for (int i = 0; i < IBSR_MAX_VLAN_TAGS; i++) {
		if (!eth_proto_is_vlan(proto))
			break;
		struct vlan_hdr vlan;
		if (bpf_skb_load_bytes(skb, off, &vlan, sizeof(vlan)) != 0)
			return;
		proto = vlan.encapsulated_proto;
		off += sizeof(vlan);
	}
	struct l3_info l3 = {};
	if (proto == bpf_htons(ETH_P_IP)) {
		if (!parse_ipv4(skb, off, &l3))
			return;
	} else if (ipv6_enabled && proto == bpf_htons(ETH_P_IPV6)) {
		if (!parse_ipv6(skb, off, &l3))
			return;
	} else {
		return;
	}
	__u32 tcp_off = l3.tcp_off;

	struct tcphdr tcp;
	if (bpf_skb_load_bytes(skb, tcp_off, &tcp, sizeof(tcp)) != 0)
		return;
	__u32 tcp_hlen = tcp_hdr_len(&tcp);
	if (tcp_hlen < sizeof(tcp))
		return;

	__u16 sport = bpf_ntohs(tcp.source);
	__u16 dport = bpf_ntohs(tcp.dest);
	if (!port_is_monitored(direction == IBSR_PAYLOAD_DIR_INGRESS ? dport : sport))
		return;

	__u32 payload_off = tcp_off + tcp_hlen;
	__u32 payload_len = 0;
	/* The IP length excludes Ethernet padding of short frames; 0 only on oversized GSO packets,
	 * where the skb length is the truth. */
	if (l3.ip_len == 0) {
		if (skb->len > payload_off)
			payload_len = skb->len - payload_off;
	} else if (l3.ip_len > l3.hdr_len + tcp_hlen) {
		payload_len = l3.ip_len - l3.hdr_len - tcp_hlen;
	}
	__u8 flags = tcp_flags(&tcp);
	if (payload_len == 0 && !(flags & (IBSR_TCP_SYN | IBSR_TCP_FIN | IBSR_TCP_RST)))
		return;

	__u32 zero = 0;
	struct ibsr_payload_cpu *st = bpf_map_lookup_elem(&pay_cpu, &zero);
	struct ibsr_payload_event *e = bpf_map_lookup_elem(&pay_scratch, &zero);
	if (!st || !e)
		return;

	__builtin_memcpy(e->hdr.src_addr, l3.src_addr, sizeof(l3.src_addr));
	__builtin_memcpy(e->hdr.dst_addr, l3.dst_addr, sizeof(l3.dst_addr));
	e->hdr.src_port = sport;
	e->hdr.dst_port = dport;
	e->hdr.direction = direction;
	e->hdr.family = l3.family;

	struct ibsr_payload_flow flow;
	flow_of(&flow, &e->hdr);
	__u32 seq = bpf_ntohl(tcp.seq);

	/* TC sees GSO/GRO super-packets (egress TC runs before software segmentation; GRO merges
	 * on receive): one skb may carry up to 64 KiB of payload. Emit one record per wire-size
	 * segment (gso_size), each with its own first `snaplen` bytes, so userspace sees what the
	 * wire carried; beyond IBSR_PAYLOAD_MAX_SEGS segments the rest goes as one header-only
	 * record (a hole of known length). */
	__u32 seg_size = skb->gso_size;
	if (seg_size == 0 || seg_size >= payload_len) {
		emit(skb, st, e, &flow, payload_off, seq, payload_len, flags, 1);
		return;
	}
	__u32 done = 0;
	for (int i = 0; i < IBSR_PAYLOAD_MAX_SEGS; i++) {
		__u32 left = payload_len - done;
		if (i == IBSR_PAYLOAD_MAX_SEGS - 1 && left > seg_size) {
			/* Out of iterations: the rest as one header-only record (a hole of known
			 * length). */
			emit_segment(skb, payload_off + done, seq + done, left, flags);
			break;
		}
		__u32 len = left < seg_size ? left : seg_size;
		__u32 seg_flags = flags;
		/* SYN belongs to the first segment only; FIN and PSH to the last. */
		if (i > 0)
			seg_flags &= ~IBSR_TCP_SYN;
		if (len < left)
			seg_flags &= ~(IBSR_TCP_FIN | IBSR_TCP_PSH);
		emit_segment(skb, payload_off + done, seq + done, len,
			     seg_flags | EMIT_COPY_PAYLOAD);
		done += len;
		if (done >= payload_len)
			break;
	}
}

SEC("tc")
int ibsr_payload_ingress(struct __sk_buff *skb)
{
	observe(skb, IBSR_PAYLOAD_DIR_INGRESS);
	return TC_ACT_UNSPEC;
}

SEC("tc")
int ibsr_payload_egress(struct __sk_buff *skb)
{
	observe(skb, IBSR_PAYLOAD_DIR_EGRESS);
	return TC_ACT_UNSPEC;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
