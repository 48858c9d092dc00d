/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Packet parsing shared by the BPF programs that look inside frames (counter.bpf.c,
 * payload.bpf.c), after xdp-tools' parsing_helpers.h and Katran's pckt_parsing.h: the header
 * struct and constants the UAPI headers lack, and the header checks every program makes alike.
 *
 * The path is Ethernet, up to IBSR_MAX_VLAN_TAGS 802.1Q / 802.1ad tags, IPv4 (IHL honoured,
 * non-first fragments skipped), TCP (data offset honoured). Each program keeps its own access
 * method: the XDP counter reads through direct packet pointers checked against data_end, the TC
 * programs copy each header to the stack with bpf_skb_load_bytes. So the helpers below take a
 * header that is already readable in full (a bounds-checked packet pointer or a stack copy),
 * read only its fields, and never move a cursor or touch packet memory beyond it.
 */
#pragma once

#include <linux/types.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "ibsr_abi.h"

/* An 802.1Q / 802.1ad tag as it follows the MAC addresses (network order). */
struct vlan_hdr {
	__be16 tci;
	__be16 encapsulated_proto;
};

/* The fragment-offset bits of iphdr.frag_off in host order (the other three are flags). */
#define IP_FRAG_OFFSET_MASK 0x1fff

/* Offset of the flags byte (CWR ECE URG ACK PSH RST SYN FIN: the IBSR_TCP_* bits) in the TCP
 * header. */
#define TCP_FLAGS_OFFSET 13

/* True if an EtherType (network order) announces a VLAN tag to skip. Written as the negated
 * "neither" test the VLAN loops used to spell out: clang then emits the loops exactly as before
 * (the plain "either" form reshapes payload.bpf.c's unrolled loop). */
static __always_inline int eth_proto_is_vlan(__be16 proto)
{
	return !(proto != bpf_htons(ETH_P_8021Q) && proto != bpf_htons(ETH_P_8021AD));
}

/*
 * The header length in bytes (IHL * 4, 20..60) of an IPv4 header that carries a TCP header:
 * version 4, IHL >= 5, protocol TCP, fragment offset 0. 0 for anything else; in particular
 * non-first fragments carry no TCP header, and parsing one would misread payload as one.
 */
static __always_inline __u32 ipv4_tcp_hdr_len(const struct iphdr *ip)
{
	if (ip->version != 4 || ip->ihl < 5)
		return 0;
	if (ip->frag_off & bpf_htons(IP_FRAG_OFFSET_MASK))
		return 0;
	if (ip->protocol != IPPROTO_TCP)
		return 0;
	return ip->ihl * 4;
}

/* The TCP header length in bytes (data offset * 4, 0..60): below sizeof(struct tcphdr) the
 * header is malformed, and the caller must check that before using it. */
static __always_inline __u32 tcp_hdr_len(const struct tcphdr *tcp)
{
	return tcp->doff * 4;
}

/* The flags byte of a TCP header (IBSR_TCP_* bits). */
static __always_inline __u8 tcp_flags(const struct tcphdr *tcp)
{
	return ((const __u8 *)tcp)[TCP_FLAGS_OFFSET];
}
