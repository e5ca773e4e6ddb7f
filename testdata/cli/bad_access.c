// SPDX-License-Identifier: MIT
// A program the verifier must refuse: reads the packet without checking data_end.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int bad_access(struct xdp_md *ctx)
{
	unsigned char *data = (void *)(long)ctx->data;
	return data[12] == 8 ? XDP_PASS : XDP_DROP;
}

char _license[] SEC("license") = "GPL";
