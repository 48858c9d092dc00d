// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Benchmark baseline: the cheapest XDP program, so that counter minus this is the counter's own
 * cost with the BPF_PROG_TEST_RUN harness overhead taken out. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int empty_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
