/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Packet parsing shared by the BPF programs that look inside frames (counter.bpf.c,
 * payload.bpf.c), after xdp-tools' parsing_helpers.h and Katran's pckt_parsing.h: the header
 * struct and constants the UAPI headers lack, and the header checks every program makes alike.
 *
 * The path is Ethernet, up to IBSR_MAX_VLAN_TAGS 802.1Q / 802.1ad tags, IPv4 (IHL honoured,
 * non-first fragments skipped) or IPv6 (up to IBSR_MAX_IPV6_EXT_HDRS extension headers walked,
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
#include <linux/ipv6.h>
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

/* The next-header values of the IPv6 extension headers that are walked to reach TCP. Any other
 * value (ESP, AH, mobility, no-next-header, an unknown one) ends the walk: no TCP is counted. */
#define IPV6_EXT_HOPOPTS 0
#define IPV6_EXT_ROUTING 43
#define IPV6_EXT_FRAGMENT 44
#define IPV6_EXT_DSTOPTS 60

/* The fragment-offset bits of the fragment header's offset word in host order (the low three are
 * two reserved bits and the M flag). */
#define IPV6_FRAG_OFFSET_MASK 0xfff8

/* The first four bytes of every walked IPv6 extension header: the next header, then either the
 * length in 8-byte units beyond the first 8 (hop-by-hop, routing, destination options) or a
 * reserved byte and the offset word (fragment, always 8 bytes long). */
struct ipv6_ext_hdr {
	__u8 nexthdr;
	__u8 hdrlen;
	__be16 frag_off;
};

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

/*
 * The length in bytes of the IPv6 extension header h, announced by the next-header value type,
 * when the walk to TCP may step over it: (hdrlen + 1) * 8 (8..2048) for hop-by-hop, routing and
 * destination options, 8 for the fragment header of a first fragment. 0 ends the walk: type is
 * not a walked extension header, or h is the fragment header of a non-first fragment, which
 * carries no TCP header (as for IPv4).
 */
static __always_inline __u32 ipv6_ext_hdr_len(__u8 type, const struct ipv6_ext_hdr *h)
{
	if (type == IPV6_EXT_HOPOPTS || type == IPV6_EXT_ROUTING || type == IPV6_EXT_DSTOPTS)
		return ((__u32)h->hdrlen + 1) * 8;
	if (type == IPV6_EXT_FRAGMENT && !(h->frag_off & bpf_htons(IPV6_FRAG_OFFSET_MASK)))
		return 8;
	return 0;
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
