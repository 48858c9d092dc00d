/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The kernel/userspace ABI of IBSR: every struct and constant that a BPF program and the C++
 * userspace both see lives here, and only here. Included by the bpf/ programs (clang -target bpf) and
 * by C++ (which static_asserts sizes and offsets below).
 *
 * Byte order is stated per field. "host" means the value was converted with bpf_ntohl/bpf_ntohs
 * in the kernel, so userspace reads it as a plain number.
 */
#ifndef IBSR_ABI_H
#define IBSR_ABI_H

#include <linux/types.h>

/* Userspace may configure between 1 and this many monitored destination ports. */
#ifndef IBSR_MAX_PORTS
#define IBSR_MAX_PORTS 8
#endif

/* Bounds on the counter map's max_entries (--map-size). */
#define IBSR_DEFAULT_MAP_SIZE 100000
#define IBSR_MAX_MAP_SIZE 1000000

/* Up to this many 802.1Q / 802.1ad tags are skipped before the IPv4 header. */
#define IBSR_MAX_VLAN_TAGS 2

/*
 * Key of the StrictCounter map: one entry per (source address, destination port).
 * src_ip is the IPv4 source address as a number in host byte order, so 192.168.1.1 is
 * 0xC0A80101 (seed 003's "MSB-first" key_value). dst_port is in host byte order.
 */
struct ibsr_counter_key {
	__u32 src_ip;
	__u16 dst_port;
	__u16 pad; /* always zero: the kernel hashes all 8 bytes */
};

/*
 * Cumulative counters of one key since the entry was created (it is lost on LRU eviction).
 * All counters are 64-bit so that a long-lived entry never wraps; snapshot schema v3 documents
 * the packet counters as u32 but they are serialised as unsigned JSON integers.
 */
struct ibsr_counters {
	__u64 syn;           /* SYN flag set */
	__u64 ack;           /* ACK flag set */
	__u64 handshake_ack; /* ACK set, SYN and RST clear, no TCP payload, sequence number != 0 */
	__u64 rst;           /* RST flag set */
	__u64 packets;       /* every counted packet */
	__u64 bytes;         /* sum of IPv4 total length */
};

#if !defined(__bpf__) && defined(__cplusplus)
#include <cstddef>
/* Userspace only: one map entry as read back by the collector. */
struct ibsr_counter_entry {
	ibsr_counter_key key;
	ibsr_counters counters;
};
static_assert(sizeof(ibsr_counter_key) == 8);
static_assert(offsetof(ibsr_counter_key, dst_port) == 4);
static_assert(sizeof(ibsr_counters) == 48);
static_assert(offsetof(ibsr_counters, bytes) == 40);
#endif

#endif /* IBSR_ABI_H */
