// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * StrictCounter XDP program: per (IPv4 source, monitored TCP destination port) counters in an
 * LRU hash map. Shadow mode: the only return value is XDP_PASS and packet data is only read.
 *
 * Counted: Ethernet, up to IBSR_MAX_VLAN_TAGS 802.1Q/802.1ad tags, IPv4 (any IHL, first
 * fragments only), TCP (any data offset) to one of the configured ports. Everything else
 * (IPv6, ARP, UDP, non-first fragments, truncated or malformed headers) passes uncounted.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "ibsr_abi.h"
#include "monitored_ports.bpf.h"
#include "parse.bpf.h"

/* max_entries is replaced by userspace (--map-size) before load. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, IBSR_DEFAULT_MAP_SIZE);
	__type(key, struct ibsr_counter_key);
	__type(value, struct ibsr_counters);
} counters SEC(".maps");

static __always_inline void add_counts(struct ibsr_counters *c, const struct ibsr_counters *d)
{
	/* Only touch the fields that change: an atomic add of zero still costs a locked op. */
	if (d->syn)
		__sync_fetch_and_add(&c->syn, 1);
	if (d->ack)
		__sync_fetch_and_add(&c->ack, 1);
	if (d->handshake_ack)
		__sync_fetch_and_add(&c->handshake_ack, 1);
	if (d->rst)
		__sync_fetch_and_add(&c->rst, 1);
	__sync_fetch_and_add(&c->packets, 1);
	__sync_fetch_and_add(&c->bytes, d->bytes);
}

static __always_inline void count_packet(void *data, void *data_end)
{
	struct ethhdr *eth = data;
	void *cursor = eth + 1;
	if (cursor > data_end)
		return;
	__u16 proto = eth->h_proto;

#pragma unroll
	for (int i = 0; i < IBSR_MAX_VLAN_TAGS; i++) {
		if (!eth_proto_is_vlan(proto))
			break;
		struct vlan_hdr *vlan = cursor;
		if ((void *)(vlan + 1) > data_end)
			return;
		proto = vlan->encapsulated_proto;
		cursor = vlan + 1;
	}
	if (proto != bpf_htons(ETH_P_IP))
		return;

	struct iphdr *ip = cursor;
	if ((void *)(ip + 1) > data_end)
		return;
	/* 0: not IPv4 + TCP, or a non-first fragment (no TCP header to count). */
	__u32 ip_hlen = ipv4_tcp_hdr_len(ip);
	if (!ip_hlen)
		return;

	struct tcphdr *tcp = cursor + ip_hlen;
	if ((void *)(tcp + 1) > data_end)
		return;
	__u32 tcp_hlen = tcp_hdr_len(tcp);
	if (tcp_hlen < sizeof(*tcp))
		return;
	/* A frame cut inside the TCP options is truncated like any other: pass it uncounted. */
	if ((void *)tcp + tcp_hlen > data_end)
		return;

	__u16 dport = bpf_ntohs(tcp->dest);
	if (!port_is_monitored(dport))
		return;

	__u32 ip_total = bpf_ntohs(ip->tot_len);
	if (ip_total < ip_hlen + tcp_hlen)
		return;
	__u32 payload_len = ip_total - ip_hlen - tcp_hlen;
	__u8 flags = tcp_flags(tcp);

	struct ibsr_counters delta = {
		.syn = (flags & IBSR_TCP_SYN) != 0,
		.ack = (flags & IBSR_TCP_ACK) != 0,
		.handshake_ack = (flags & (IBSR_TCP_ACK | IBSR_TCP_SYN | IBSR_TCP_RST)) == IBSR_TCP_ACK &&
				 payload_len == 0 && tcp->seq != 0,
		.rst = (flags & IBSR_TCP_RST) != 0,
		.packets = 1,
		.bytes = ip_total,
	};
	struct ibsr_counter_key key = {
		.src_ip = bpf_ntohl(ip->saddr),
		.dst_port = dport,
	};

	struct ibsr_counters *c = bpf_map_lookup_elem(&counters, &key);
	if (c) {
		add_counts(c, &delta);
		return;
	}
	/* Another CPU may insert the same key between our lookup and update: then add to its entry. */
	if (bpf_map_update_elem(&counters, &key, &delta, BPF_NOEXIST) == 0)
		return;
	c = bpf_map_lookup_elem(&counters, &key);
	if (c)
		add_counts(c, &delta);
}

SEC("xdp")
int ibsr_count(struct xdp_md *ctx)
{
	count_packet((void *)(long)ctx->data, (void *)(long)ctx->data_end);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
