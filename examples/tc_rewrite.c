// SPDX-License-Identifier: MIT
// tc rewriter (SCHED_CLS): sets the IPv4 TTL to 64 and the DSCP to AF21 (18) on every IPv4
// packet, fixing the header checksum with bpf_l3_csum_replace; counts rewritten packets.
// Returns TC_ACT_OK (0).
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/pkt_cls.h>
#include <stddef.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define NEW_TTL 64
#define NEW_DSCP 18
#define IP_OFF sizeof(struct ethhdr)

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} rewritten SEC(".maps");

SEC("tc")
int tc_rewrite(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip;

	if ((void *)(eth + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return TC_ACT_OK;
	ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > data_end)
		return TC_ACT_OK;

	/* TTL and protocol share a 16-bit word; TOS and version/IHL share the first. */
	__u16 old_ttl_word = *(__u16 *)&ip->ttl;
	__u16 old_tos_word = *(__u16 *)ip;
	__u8 new_tos = (NEW_DSCP << 2) | (ip->tos & 3);
	__u8 ttl = NEW_TTL;

	bpf_skb_store_bytes(skb, IP_OFF + offsetof(struct iphdr, ttl), &ttl, 1, 0);
	bpf_skb_store_bytes(skb, IP_OFF + offsetof(struct iphdr, tos), &new_tos, 1, 0);

	data = (void *)(long)skb->data;
	data_end = (void *)(long)skb->data_end;
	ip = data + IP_OFF;
	if ((void *)(ip + 1) > data_end)
		return TC_ACT_OK;
	__u16 new_ttl_word = *(__u16 *)&ip->ttl;
	__u16 new_tos_word = *(__u16 *)ip;
	bpf_l3_csum_replace(skb, IP_OFF + offsetof(struct iphdr, check), old_ttl_word, new_ttl_word, 2);
	bpf_l3_csum_replace(skb, IP_OFF + offsetof(struct iphdr, check), old_tos_word, new_tos_word, 2);

	__u32 k = 0;
	__u64 *n = bpf_map_lookup_elem(&rewritten, &k);
	if (n)
		__sync_fetch_and_add(n, 1);
	return TC_ACT_OK;
}

char _license[] SEC("license") = "GPL";
