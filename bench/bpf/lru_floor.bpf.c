// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Benchmark reference, never shipped: the least a new-source packet can cost with the counter's
 * map type -- one bpf_map_update_elem(BPF_NOEXIST) into an LRU hash with the counter's key, value
 * and size, nothing else (no parsing beyond the source address, no port check, no lookup).
 * Tail-called by new_source_xdp.bpf.c, so every run inserts a new key, like case (d).
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "ibsr_abi.h"

/* max_entries is set by the benchmark to the counter's --map-size before load. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, IBSR_DEFAULT_MAP_SIZE);
	__type(key, struct ibsr_counter_key);
	__type(value, struct ibsr_counters);
} floor_map SEC(".maps");

SEC("xdp")
int lru_insert(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct iphdr *ip = data + sizeof(struct ethhdr);

	if ((void *)(ip + 1) > data_end)
		return XDP_PASS;
	struct ibsr_counter_key key = { .src_ip = bpf_ntohl(ip->saddr), .dst_port = 8899 };
	struct ibsr_counters value = { .syn = 1, .packets = 1, .bytes = 40 };
	bpf_map_update_elem(&floor_map, &key, &value, BPF_NOEXIST);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
