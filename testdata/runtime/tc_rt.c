// tc (sched_cls) programs for the runtime's differential tests.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

/* ctx fields in, ctx fields out */
SEC("tc")
int tc_fields(struct __sk_buff *skb)
{
	skb->mark = skb->mark + 1;
	skb->priority = skb->len;
	skb->cb[0] = skb->protocol;
	skb->cb[1] = skb->pkt_type;
	skb->cb[2] = skb->ifindex;
	skb->cb[3] = skb->wire_len;
	skb->cb[4] = skb->data_end - skb->data;
	skb->tc_index = 7;
	return TC_ACT_OK;
}

/* decrement the IPv4 TTL, fixing the checksum with l3_csum_replace */
SEC("tc")
int tc_ttl(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	struct iphdr *ip = data + ETH_HLEN;
	if ((void *)(ip + 1) > end) return TC_ACT_SHOT;
	__u16 old = *(__u16 *)&ip->ttl;
	__u8 ttl = ip->ttl - 1;
	__u16 new = (old & bpf_htons(0x00ff)) | ttl;
	new = bpf_htons((ttl << 8) | ip->protocol);
	if (bpf_skb_store_bytes(skb, ETH_HLEN + 8, &ttl, 1, 0)) return TC_ACT_SHOT;
	if (bpf_l3_csum_replace(skb, ETH_HLEN + 10, old, new, 2)) return TC_ACT_SHOT;
	return TC_ACT_OK;
}

/* rewrite the UDP destination port, fixing the L4 checksum with l4_csum_replace */
SEC("tc")
int tc_port(struct __sk_buff *skb)
{
	__u16 old, new = bpf_htons(5353);
	int off = ETH_HLEN + sizeof(struct iphdr) + 2;
	if (bpf_skb_load_bytes(skb, off, &old, 2)) return TC_ACT_SHOT;
	if (bpf_l4_csum_replace(skb, ETH_HLEN + sizeof(struct iphdr) + 6, old, new, BPF_F_PSEUDO_HDR * 0 | 2)) return TC_ACT_SHOT;
	if (bpf_skb_store_bytes(skb, off, &new, 2, 0)) return TC_ACT_SHOT;
	return TC_ACT_OK;
}

SEC("tc")
int tc_vlan(struct __sk_buff *skb)
{
	if (bpf_skb_vlan_push(skb, bpf_htons(ETH_P_8021Q), 42)) return TC_ACT_SHOT;
	return skb->vlan_present ? skb->vlan_tci : 1000;
}

SEC("tc")
int tc_tail(struct __sk_buff *skb)
{
	if (bpf_skb_change_tail(skb, skb->len + 6, 0)) return TC_ACT_SHOT;
	return skb->len;
}

SEC("tc")
int tc_head(struct __sk_buff *skb)
{
	if (bpf_skb_change_head(skb, 4, 0)) return TC_ACT_SHOT;
	return skb->len;
}

SEC("tc")
int tc_room(struct __sk_buff *skb)
{
	if (bpf_skb_adjust_room(skb, 8, BPF_ADJ_ROOM_NET, 0)) return TC_ACT_SHOT;
	return skb->len;
}

SEC("tc")
int tc_hash(struct __sk_buff *skb)
{
	__u32 h = bpf_get_hash_recalc(skb);
	skb->cb[0] = h;
	skb->cb[1] = skb->hash;
	return TC_ACT_OK;
}

SEC("tc")
int tc_csum_diff(struct __sk_buff *skb)
{
	__be32 a[2] = { bpf_htonl(0x01020304), bpf_htonl(0x05060708) };
	__be32 b[1] = { bpf_htonl(0x0a0b0c0d) };
	__s64 d = bpf_csum_diff(a, 8, b, 4, 0x1234);
	skb->cb[0] = (__u32)d;
	skb->cb[1] = (__u32)bpf_csum_diff(0, 0, b, 4, 0);
	return TC_ACT_OK;
}

SEC("tc")
int tc_redirect(struct __sk_buff *skb) { return bpf_redirect(1, BPF_F_INGRESS); }

/* a tc action (sched_act): same context, TC_ACT_* result */
SEC("action")
int act_mark(struct __sk_buff *skb)
{
	skb->mark = 0xace;
	skb->tc_classid = 0x10001;
	return skb->len > 50 ? TC_ACT_SHOT : TC_ACT_PIPE;
}

char _license[] SEC("license") = "GPL";
