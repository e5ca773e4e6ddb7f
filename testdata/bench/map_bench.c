// SPDX-License-Identifier: MIT
// Map-heavy benchmark programs for `npm run bench` (src/bench/map-cases.ts), run on the same
// packet by our interpreter and by the kernel. Both populate their maps on the first run, so
// every later run does the same map work in both: no user-space setup to mirror.
//
//   hash_flow:  flow key from the IPv4/UDP headers; lookup, then update (BPF_ANY) of that
//               key and an update + delete of a second key: a hash lookup and three hash
//               updates per packet.
//   lpm_route:  longest-prefix lookup of the destination in a trie of 16 prefixes (/8../29
//               of nearby addresses, inserted by the first run), plus an array counter.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/in.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct flow_key {
	__u32 saddr;
	__u32 daddr;
	__u16 sport;
	__u16 dport;
	__u8 proto;
	__u8 pad[3];
};

struct flow_val {
	__u64 packets;
	__u64 bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct flow_key);
	__type(value, struct flow_val);
} flows SEC(".maps");

struct lpm_key {
	__u32 prefixlen;
	__u32 addr;
};

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 64);
	__type(key, struct lpm_key);
	__type(value, __u32);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} routes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u64);
} hits SEC(".maps");

SEC("xdp")
int hash_flow(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	struct udphdr *udp = (void *)(ip + 1);
	struct flow_key key = {};

	if ((void *)(udp + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP) || ip->ihl != 5)
		return XDP_ABORTED;
	key.saddr = ip->saddr;
	key.daddr = ip->daddr;
	key.sport = udp->source;
	key.dport = udp->dest;
	key.proto = ip->protocol;
	struct flow_val v = { 1, data_end - data };
	struct flow_val *old = bpf_map_lookup_elem(&flows, &key);
	if (old) {
		v.packets = old->packets + 1;
		v.bytes = old->bytes + (data_end - data);
	}
	if (bpf_map_update_elem(&flows, &key, &v, BPF_ANY))
		return XDP_DROP;
	key.sport ^= 0xffff;
	if (bpf_map_update_elem(&flows, &key, &v, BPF_NOEXIST))
		return XDP_DROP;
	if (bpf_map_delete_elem(&flows, &key))
		return XDP_DROP;
	return XDP_PASS;
}

SEC("xdp")
int lpm_route(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);

	if ((void *)(ip + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_ABORTED;
	struct lpm_key key = { 32, ip->daddr };
	__u32 *hop = bpf_map_lookup_elem(&routes, &key);
	if (!hop) {
		// first run: prefixes /8, /10, .., /32 of the destination and of a neighbour
		for (__u32 i = 0; i < 8; i++) {
			__u32 len = 8 + 3 * i;
			__u32 mask = bpf_htonl(~0u << (32 - len));
			struct lpm_key k = { len, ip->daddr & mask };
			__u32 val = len;
			bpf_map_update_elem(&routes, &k, &val, BPF_ANY);
			k.addr = (ip->daddr ^ bpf_htonl(1u << (32 - len))) & mask;
			bpf_map_update_elem(&routes, &k, &val, BPF_ANY);
		}
		hop = bpf_map_lookup_elem(&routes, &key);
		if (!hop)
			return XDP_DROP;
	}
	__u32 slot = *hop & 63;
	__u64 *n = bpf_map_lookup_elem(&hits, &slot);
	if (n)
		__sync_fetch_and_add(n, 1);
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
