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

/* Up to this many 802.1Q / 802.1ad tags are skipped before the IPv4 or IPv6 header. */
#define IBSR_MAX_VLAN_TAGS 2

/* Up to this many IPv6 extension headers (hop-by-hop, routing, destination options, fragment)
 * are walked before the TCP header; a packet with more passes uncounted. */
#define IBSR_MAX_IPV6_EXT_HDRS 6

/* --ipv6-prefix-len default: an attacker who holds one address usually holds its whole /64. */
#define IBSR_DEFAULT_IPV6_PREFIX_LEN 64

/* TCP flags as carried in byte 13 of the TCP header: counted by counter.bpf.c, copied into each
 * payload record's tcp_flags by payload.bpf.c. */
#define IBSR_TCP_FIN 0x01
#define IBSR_TCP_SYN 0x02
#define IBSR_TCP_RST 0x04
#define IBSR_TCP_PSH 0x08
#define IBSR_TCP_ACK 0x10

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
	__u64 bytes;         /* sum of IPv4 total length, or of IPv6 payload length + 40 */
};

/*
 * Key of the IPv6 StrictCounter map (counters6): one entry per (source prefix, destination
 * port). src_prefix is the IPv6 source address in network byte order (as on the wire) with the
 * bits beyond --ipv6-prefix-len cleared, so one /64 is one key at the default length.
 */
struct ibsr_counter6_key {
	__u32 src_prefix[4]; /* network byte order: the 16 address bytes in wire order */
	__u16 dst_port; /* host byte order */
	__u16 pad;      /* always zero: the kernel hashes all 20 bytes */
};

#if !defined(__bpf__) && defined(__cplusplus)
#include <cstddef>
/* Userspace only: one map entry as read back by the collector. */
struct ibsr_counter_entry {
	ibsr_counter_key key;
	ibsr_counters counters;
};
/* One entry of the IPv6 map as read back by the collector. */
struct ibsr_counter6_entry {
	ibsr_counter6_key key;
	ibsr_counters counters;
};
static_assert(sizeof(ibsr_counter_key) == 8);
static_assert(sizeof(ibsr_counter6_key) == 20);
static_assert(offsetof(ibsr_counter6_key, dst_port) == 16);
static_assert(offsetof(ibsr_counter_key, dst_port) == 4);
static_assert(sizeof(ibsr_counters) == 48);
static_assert(offsetof(ibsr_counters, bytes) == 40);
#endif


/* ------------------------------------------------------------------------------------------------
 * record-incident (bpf/incident.bpf.c, src/incident/): sampled packets to a ring buffer.
 * ------------------------------------------------------------------------------------------------
 */

/* Bytes of each sampled frame copied to userspace, from the start of the Ethernet header. */
#define IBSR_INCIDENT_SNAPLEN 256

/* Default size of the event ring buffer (a power of two, >= the page size). */
#ifndef IBSR_INCIDENT_RINGBUF_BYTES
#define IBSR_INCIDENT_RINGBUF_BYTES (8 * 1024 * 1024)
#endif

/* Indexes of the __u64 slots of the incident config array map (incident_cfg). */
enum ibsr_incident_cfg_slot {
	IBSR_CFG_SAMPLE_RATE = 0,       /* 1-in-N; 0 is read as 1 */
	IBSR_CFG_SAMPLING_ACTIVE = 1,   /* 0: copy nothing; otherwise sample */
	IBSR_CFG_INCIDENT_TAG_HASH = 2, /* FNV-1a-64 of the current tag, copied into each event */
	IBSR_CFG_TRIGGER_TIMESTAMP = 3, /* Unix seconds of the last trigger, 0 before any */
	IBSR_CFG_SLOTS = 4,
};

#define IBSR_DIR_INGRESS 0
#define IBSR_DIR_EGRESS 1

/* Per-CPU state of the sampler (incident_cpu, a one-entry PERCPU_ARRAY). */
struct ibsr_incident_cpu {
	__u64 countdown;     /* packets to skip before the next sample on this CPU */
	__u64 ringbuf_drops; /* samples lost because the ring buffer was full */
	__u64 sampled;       /* samples submitted */
	__u64 seen;          /* packets seen while sampling was active */
};

/* One sampled frame, as submitted to the ring buffer (incident_rb). */
struct ibsr_incident_event {
	__u64 ts_ns;     /* bpf_ktime_get_ns() (CLOCK_MONOTONIC) when the program ran */
	__u64 tag_hash;  /* IBSR_CFG_INCIDENT_TAG_HASH at that time */
	__u32 orig_len;  /* skb->len: the whole frame, Ethernet header included */
	__u32 cap_len;   /* bytes valid in data: min(orig_len, IBSR_INCIDENT_SNAPLEN) */
	__u32 direction; /* IBSR_DIR_INGRESS or IBSR_DIR_EGRESS */
	__u32 ifindex;   /* skb->ifindex */
	/* A VLAN tag the kernel moved out of the frame into skb metadata (on receive, before TC
	 * ingress): data then lacks it, and userspace puts it back between the MACs and the
	 * ethertype so that the pcap shows the frame as it was on the wire. */
	__u16 vlan_tci;     /* host order; valid when vlan_present */
	__u16 vlan_proto;   /* host order (0x8100 or 0x88a8); valid when vlan_present */
	__u32 vlan_present; /* 0 or 1 */
	__u8 data[IBSR_INCIDENT_SNAPLEN]; /* frame bytes as the skb holds them (network order) */
};

#if !defined(__bpf__) && defined(__cplusplus)
static_assert(sizeof(ibsr_incident_cpu) == 32);
static_assert(sizeof(ibsr_incident_event) == 40 + IBSR_INCIDENT_SNAPLEN);
static_assert(offsetof(ibsr_incident_event, orig_len) == 16);
static_assert(offsetof(ibsr_incident_event, cap_len) == 20);
static_assert(offsetof(ibsr_incident_event, direction) == 24);
static_assert(offsetof(ibsr_incident_event, vlan_tci) == 32);
static_assert(offsetof(ibsr_incident_event, vlan_present) == 36);
static_assert(offsetof(ibsr_incident_event, data) == 40);
#endif

/* ------------------------------------------------------------------------------------------------
 * collect-payload (bpf/payload.bpf.c, src/payload/): TCP payload prefixes to a ring buffer.
 * The XDP counters of this mode are counter.bpf.c's, loaded alongside (same map, same ABI).
 * ------------------------------------------------------------------------------------------------
 */

/* --payload-snaplen: bytes of TCP payload copied per packet (default, and the hard maximum that
 * sizes the per-CPU scratch record). */
#define IBSR_PAYLOAD_DEFAULT_SNAPLEN 512
#define IBSR_PAYLOAD_MAX_SNAPLEN 4096

/* --ringbuf-size default (a power of two, >= the page size). */
#define IBSR_PAYLOAD_DEFAULT_RINGBUF_BYTES (8 * 1024 * 1024)

/* A GSO/GRO skb is recorded as up to this many wire-size segments (64 KiB / 1448 = 46). */
#ifndef IBSR_PAYLOAD_MAX_SEGS
#define IBSR_PAYLOAD_MAX_SEGS 48
#endif

/* Default max_entries of the per-flow byte-cap map (replaced by --max-flows before load). */
#define IBSR_PAYLOAD_DEFAULT_FLOWS 65536

/* Direction of a payload event: INGRESS = towards a monitored port (request side), EGRESS =
 * from a monitored port (response side). Same values as the incident directions. */
#define IBSR_PAYLOAD_DIR_INGRESS 0
#define IBSR_PAYLOAD_DIR_EGRESS 1

/* Address family of a payload flow or record (the IP version number). */
#define IBSR_PAYLOAD_FAMILY_IPV4 4
#define IBSR_PAYLOAD_FAMILY_IPV6 6

/* One direction of one TCP connection, as the packet's headers say. Key of the per-flow
 * byte-cap LRU map (pay_flow). Addresses as in ibsr_payload_event_hdr. */
struct ibsr_payload_flow {
	__u32 src_addr[4]; /* network order; IPv4: word 0, words 1..3 zero */
	__u32 dst_addr[4];
	__u16 src_port;    /* host order */
	__u16 dst_port;    /* host order */
	__u8 direction;    /* IBSR_PAYLOAD_DIR_* */
	__u8 family;       /* IBSR_PAYLOAD_FAMILY_* */
	__u16 pad;         /* always zero: the kernel hashes all 40 bytes */
};

/*
 * Header of one ring-buffer record (pay_rb). The record is this header followed by cap_len bytes
 * of TCP payload (network order, as on the wire): records are variable-length, so a small
 * segment costs the ring buffer only its own bytes. Emitted for every monitored-port packet
 * that carries payload or SYN/FIN/RST; pure ACKs are not sent.
 */
struct ibsr_payload_event_hdr {
	__u64 ts_ns;        /* bpf_ktime_get_ns() (CLOCK_MONOTONIC) */
	/* The 16 address bytes in wire (network) order for IPv6; for IPv4 the 4 address bytes in
	 * wire order in word 0 and zeros after them (not IPv4-mapped: `family` tells them apart). */
	__u32 src_addr[4];
	__u32 dst_addr[4];
	__u16 src_port;    /* host order */
	__u16 dst_port;    /* host order */
	__u32 seq;         /* TCP sequence number, host order */
	__u32 payload_len; /* TCP payload bytes in the packet (IP length - IP, extension, TCP headers) */
	__u32 cap_len;     /* payload bytes that follow: <= min(payload_len, snaplen) */
	__u8 direction;    /* IBSR_PAYLOAD_DIR_* */
	__u8 tcp_flags;    /* byte 13 of the TCP header */
	__u8 capped;       /* 1: the per-flow byte cap was reached, so cap_len is 0 */
	__u8 family;       /* IBSR_PAYLOAD_FAMILY_* */
	__u32 pad1;
};

/* Per-CPU statistics of the TC programs (pay_cpu, a one-entry PERCPU_ARRAY). */
struct ibsr_payload_cpu {
	__u64 ringbuf_drops; /* records lost because the ring buffer was full */
	__u64 events;        /* records submitted */
	__u64 capped;        /* records sent without payload because of the per-flow cap */
	__u64 load_errors;   /* bpf_skb_load_bytes failures (record not sent) */
};

/* Per-CPU scratch record: the payload is loaded here, then copied with bpf_ringbuf_output at
 * its real length (a ring-buffer reservation must have a constant size). */
struct ibsr_payload_event {
	struct ibsr_payload_event_hdr hdr;
	__u8 data[IBSR_PAYLOAD_MAX_SNAPLEN];
};

#if !defined(__bpf__) && defined(__cplusplus)
static_assert(sizeof(ibsr_payload_flow) == 40);
static_assert(offsetof(ibsr_payload_flow, src_port) == 32);
static_assert(offsetof(ibsr_payload_flow, family) == 37);
static_assert(sizeof(ibsr_payload_event_hdr) == 64);
static_assert(offsetof(ibsr_payload_event_hdr, src_addr) == 8);
static_assert(offsetof(ibsr_payload_event_hdr, dst_addr) == 24);
static_assert(offsetof(ibsr_payload_event_hdr, src_port) == 40);
static_assert(offsetof(ibsr_payload_event_hdr, seq) == 44);
static_assert(offsetof(ibsr_payload_event_hdr, payload_len) == 48);
static_assert(offsetof(ibsr_payload_event_hdr, cap_len) == 52);
static_assert(offsetof(ibsr_payload_event_hdr, direction) == 56);
static_assert(offsetof(ibsr_payload_event_hdr, tcp_flags) == 57);
static_assert(offsetof(ibsr_payload_event_hdr, capped) == 58);
static_assert(offsetof(ibsr_payload_event_hdr, family) == 59);
static_assert(sizeof(ibsr_payload_cpu) == 32);
static_assert(offsetof(ibsr_payload_event, data) == 64);
#endif

#endif /* IBSR_ABI_H */
