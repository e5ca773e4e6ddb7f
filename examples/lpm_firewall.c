// SPDX-License-Identifier: MIT
// LPM-routed firewall (XDP): the longest prefix matching an IPv4 source address decides
// (value 1 = drop, 0 = pass); no match passes. Counts passed/dropped frames in fw_stats
// (key 0 passed, key 1 dropped). Prefixes are added from user space:
//   tsbpf map update pinned DIR/deny_v4 key 8 0 0 0 10 66 0 0 value 1 0 0 0
// (key = { __u32 prefixlen; __u8 addr[4]; }, little-endian prefixlen, address in network order)
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct lpm_key {
	__u32 prefixlen;
	__u32 addr;
};

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 256);
	__type(key, struct lpm_key);
	__type(value, __u32);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} deny_v4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} fw_stats SEC(".maps");

static __always_inline int verdict(__u32 k)
{
	__u64 *n = bpf_map_lookup_elem(&fw_stats, &k);
	if (n)
		__sync_fetch_and_add(n, 1);
	return k ? XDP_DROP : XDP_PASS;
}

SEC("xdp")
int lpm_firewall(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip;

	if ((void *)(eth + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return verdict(0);
	ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > data_end)
		return verdict(0);
	struct lpm_key key = { .prefixlen = 32, .addr = ip->saddr };
	__u32 *action = bpf_map_lookup_elem(&deny_v4, &key);
	return verdict(action && *action == 1 ? 1 : 0);
}

char _license[] SEC("license") = "GPL";
