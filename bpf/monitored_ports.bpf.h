/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The monitored-port set, shared by the programs that count or copy traffic on configured ports
 * (counter.bpf.c, payload.bpf.c). Including this file defines the read-only globals userspace
 * sets between open and load (frozen afterwards). Header parsing is in parse.bpf.h.
 */
#pragma once

#include <linux/types.h>

#include "ibsr_abi.h"

const volatile __u16 monitored_ports[IBSR_MAX_PORTS] = {};
const volatile __u32 monitored_port_count = 0;

static __always_inline int port_is_monitored(__u16 port)
{
#pragma unroll
	for (int i = 0; i < IBSR_MAX_PORTS; i++) {
		if (i >= monitored_port_count)
			return 0;
		if (monitored_ports[i] == port)
			return 1;
	}
	return 0;
}
