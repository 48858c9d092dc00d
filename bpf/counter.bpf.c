// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * StrictCounter XDP program: per (IPv4 source, monitored TCP destination port) counters in one
 * LRU hash map, per (IPv6 source prefix, monitored TCP destination port) counters in another.
 * Shadow mode: the only return value is XDP_PASS and packet data is only read.
 *
 * Counted: Ethernet, up to IBSR_MAX_VLAN_TAGS 802.1Q/802.1ad tags, then IPv4 (any IHL, first
 * fragments only) or IPv6 (up to IBSR_MAX_IPV6_EXT_HDRS hop-by-hop, routing, destination-options
 * or first-fragment headers), TCP (any data offset) to one of the configured ports. Everything
 * else (ARP, ICMP/ICMPv6, UDP, non-first fragments, truncated or malformed headers, IPv6 when
 * userspace turned it off) passes uncounted.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
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

/* The IPv6 sources live in their own map so that the IPv4 key, map and per-packet cost stay as
 * they were. max_entries is replaced by userspace (--ipv6-map-size; 1 with --no-ipv6). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, IBSR_DEFAULT_MAP_SIZE);
	__type(key, struct ibsr_counter6_key);
	__type(value, struct ibsr_counters);
} counters6 SEC(".maps");

/* Set by userspace before load (frozen afterwards, like the ports): 0 turns the IPv6 path off
 * (the verifier then drops it as dead code), and the mask of --ipv6-prefix-len as four words in
 * network byte order, so keying a source costs four ANDs. */
const volatile __u32 ipv6_enabled = 0;
const volatile __u32 ipv6_prefix_mask[4] = {};

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

/* Adds delta to key's entry of map, creating it if missing. */
static __always_inline void count_key(void *map, const void *key, const struct ibsr_counters *delta)
{
	struct ibsr_counters *c = bpf_map_lookup_elem(map, key);
	if (c) {
		add_counts(c, delta);
		return;
	}
	/* Another CPU may insert the same key between our lookup and update: then add to its entry. */
	if (bpf_map_update_elem(map, key, delta, BPF_NOEXIST) == 0)
		return;
	c = bpf_map_lookup_elem(map, key);
	if (c)
		add_counts(c, delta);
}

/* The counters of one TCP segment; payload_len is the TCP payload in bytes. */
static __always_inline void tcp_delta(struct ibsr_counters *delta, const struct tcphdr *tcp,
				      __u32 payload_len, __u32 bytes)
{
	__u8 flags = tcp_flags(tcp);
	delta->syn = (flags & IBSR_TCP_SYN) != 0;
	delta->ack = (flags & IBSR_TCP_ACK) != 0;
	delta->handshake_ack = (flags & (IBSR_TCP_ACK | IBSR_TCP_SYN | IBSR_TCP_RST)) == IBSR_TCP_ACK &&
			       payload_len == 0 && tcp->seq != 0;
	delta->rst = (flags & IBSR_TCP_RST) != 0;
	delta->packets = 1;
	delta->bytes = bytes;
}

/* The length of the TCP header at tcp when all of it (options included) is in the frame and its
 * destination port is monitored; 0 otherwise. A frame cut inside the TCP options is truncated like
 * any other: it passes uncounted. */
static __always_inline __u32 monitored_tcp_hdr_len(struct tcphdr *tcp, void *data_end)
{
	if ((void *)(tcp + 1) > data_end)
		return 0;
	__u32 tcp_hlen = tcp_hdr_len(tcp);
	if (tcp_hlen < sizeof(*tcp))
		return 0;
	if ((void *)tcp + tcp_hlen > data_end)
		return 0;
	return port_is_monitored(bpf_ntohs(tcp->dest)) ? tcp_hlen : 0;
}

/* cursor: the IPv6 header. */
static __always_inline void count_ipv6(void *cursor, void *data_end)
{
	struct ipv6hdr *ip6 = cursor;
	if ((void *)(ip6 + 1) > data_end)
		return;
	if (ip6->version != 6)
		return;

	__u8 nexthdr = ip6->nexthdr;
	__u32 ext_len = 0; /* bytes of extension headers stepped over */
#pragma unroll
	for (int i = 0; i < IBSR_MAX_IPV6_EXT_HDRS; i++) {
		if (nexthdr != IPPROTO_TCP) {
			struct ipv6_ext_hdr *h = (void *)(ip6 + 1) + ext_len;
			if ((void *)(h + 1) > data_end)
				return;
			__u32 len = ipv6_ext_hdr_len(nexthdr, h);
			if (!len)
				return;
			nexthdr = h->nexthdr;
			ext_len += len;
		}
	}
	if (nexthdr != IPPROTO_TCP)
		return;

	struct tcphdr *tcp = (void *)(ip6 + 1) + ext_len;
	__u32 tcp_hlen = monitored_tcp_hdr_len(tcp, data_end);
	if (!tcp_hlen)
		return;
	__u16 dport = bpf_ntohs(tcp->dest);

	/* 0 with a jumbo payload option (RFC 2675): below the headers, so uncounted. */
	__u32 payload = bpf_ntohs(ip6->payload_len);
	if (payload < ext_len + tcp_hlen)
		return;

	struct ibsr_counters delta;
	tcp_delta(&delta, tcp, payload - ext_len - tcp_hlen, payload + sizeof(*ip6));
	struct ibsr_counter6_key key = {
		.src_prefix = {
			ip6->saddr.in6_u.u6_addr32[0] & ipv6_prefix_mask[0],
			ip6->saddr.in6_u.u6_addr32[1] & ipv6_prefix_mask[1],
			ip6->saddr.in6_u.u6_addr32[2] & ipv6_prefix_mask[2],
			ip6->saddr.in6_u.u6_addr32[3] & ipv6_prefix_mask[3],
		},
		.dst_port = dport,
	};
	count_key(&counters6, &key, &delta);
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
	if (proto != bpf_htons(ETH_P_IP)) {
		if (ipv6_enabled && proto == bpf_htons(ETH_P_IPV6))
			count_ipv6(cursor, data_end);
		return;
	}

	struct iphdr *ip = cursor;
	if ((void *)(ip + 1) > data_end)
		return;
	/* 0: not IPv4 + TCP, or a non-first fragment (no TCP header to count). */
	__u32 ip_hlen = ipv4_tcp_hdr_len(ip);
	if (!ip_hlen)
		return;

	struct tcphdr *tcp = cursor + ip_hlen;
	__u32 tcp_hlen = monitored_tcp_hdr_len(tcp, data_end);
	if (!tcp_hlen)
		return;
	__u16 dport = bpf_ntohs(tcp->dest);

	__u32 ip_total = bpf_ntohs(ip->tot_len);
	if (ip_total < ip_hlen + tcp_hlen)
		return;
	struct ibsr_counters delta;
	tcp_delta(&delta, tcp, ip_total - ip_hlen - tcp_hlen, ip_total);
	struct ibsr_counter_key key = {
		.src_ip = bpf_ntohl(ip->saddr),
		.dst_port = dport,
	};
	count_key(&counters, &key, &delta);
}

SEC("xdp")
int ibsr_count(struct xdp_md *ctx)
{
	count_packet((void *)(long)ctx->data, (void *)(long)ctx->data_end);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
