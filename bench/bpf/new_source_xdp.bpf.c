// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Benchmark driver, never shipped: adds 1 to the IPv4 source address of the test frame (new_source)
 * or to the second 32-bit word of the IPv6 source address, i.e. a new /64 every time
 * (new_prefix6), then tail-calls the program in next_prog[0] (the counter, or the empty program as
 * baseline).
 *
 * BPF_PROG_TEST_RUN (without live frames) runs every repetition on the same buffer, so the edit
 * persists: with repeat = N the target sees N consecutive, distinct sources -- a spoofed SYN
 * flood, measured with the same amortised timer as the other cases.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} next_prog SEC(".maps");

SEC("xdp")
int new_source(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct iphdr *ip = data + sizeof(struct ethhdr);

	if ((void *)(ip + 1) <= data_end)
		ip->saddr = bpf_htonl(bpf_ntohl(ip->saddr) + 1);
	bpf_tail_call(ctx, &next_prog, 0);
	return XDP_PASS;
}

SEC("xdp")
int new_prefix6(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ipv6hdr *ip6 = data + sizeof(struct ethhdr);

	if ((void *)(ip6 + 1) <= data_end)
		ip6->saddr.in6_u.u6_addr32[1] = bpf_htonl(bpf_ntohl(ip6->saddr.in6_u.u6_addr32[1]) + 1);
	bpf_tail_call(ctx, &next_prog, 0);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
