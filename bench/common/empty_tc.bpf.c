// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Benchmark baseline: the cheapest TC program, so that (program - this) is a TC program's own
 * cost with the BPF_PROG_TEST_RUN harness overhead taken out. */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

SEC("tc")
int empty_tc(struct __sk_buff *skb)
{
	return TC_ACT_UNSPEC;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
