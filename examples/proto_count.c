// SPDX-License-Identifier: MIT
// Protocol counter (XDP): counts frames and bytes per protocol class in an array map and
// passes every frame. Classes: 0 other (non-IP), 1 ARP, 2 ICMP, 3 TCP, 4 UDP, 5 ICMPv6,
// 6 other IPv4/IPv6 protocol.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

enum proto_class { P_OTHER, P_ARP, P_ICMP, P_TCP, P_UDP, P_ICMPV6, P_IP_OTHER, P_MAX };

struct counter {
	__u64 packets;
	__u64 bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, struct counter);
} proto_cnt SEC(".maps");

static __always_inline __u32 classify_l4(__u8 proto)
{
	switch (proto) {
	case IPPROTO_ICMP: return P_ICMP;
	case IPPROTO_TCP: return P_TCP;
	case IPPROTO_UDP: return P_UDP;
	case IPPROTO_ICMPV6: return P_ICMPV6;
	default: return P_IP_OTHER;
	}
}

SEC("xdp")
int count_proto(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	__u32 key = P_OTHER;

	if ((void *)(eth + 1) > data_end)
		goto count;
	if (eth->h_proto == bpf_htons(ETH_P_ARP)) {
		key = P_ARP;
	} else if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = (void *)(eth + 1);
		if ((void *)(ip + 1) > data_end)
			goto count;
		key = classify_l4(ip->protocol);
	} else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);
		if ((void *)(ip6 + 1) > data_end)
			goto count;
		key = classify_l4(ip6->nexthdr);
	}
count:;
	struct counter *c = bpf_map_lookup_elem(&proto_cnt, &key);
	if (c) {
		__sync_fetch_and_add(&c->packets, 1);
		__sync_fetch_and_add(&c->bytes, data_end - data);
	}
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
