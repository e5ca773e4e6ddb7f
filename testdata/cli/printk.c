// SPDX-License-Identifier: MIT
// Test object for `tsbpf prog trace` / -d: prints the frame length and EtherType with
// bpf_printk, counts frames in `frames` and passes the frame.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} frames SEC(".maps");

SEC("xdp")
int printk_len(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;

	if ((void *)(eth + 1) > data_end)
		return XDP_ABORTED;
	__u32 k = 0;
	__u64 *n = bpf_map_lookup_elem(&frames, &k);
	if (n)
		__sync_fetch_and_add(n, 1);
	bpf_printk("len %d proto 0x%x", (int)(data_end - data), bpf_ntohs(eth->h_proto));
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
