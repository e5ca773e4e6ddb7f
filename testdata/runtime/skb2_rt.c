// More socket-buffer helpers and their error paths, for differential tests: every helper's
// return value lands in cb[] (reported in ctx_out) or in the return value.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

SEC("tc")
int t_relative(struct __sk_buff *skb)
{
	__u32 a = 0, b = 0;
	skb->cb[0] = bpf_skb_load_bytes_relative(skb, 0, &a, 4, BPF_HDR_START_MAC);
	skb->cb[1] = a;
	skb->cb[2] = bpf_skb_load_bytes_relative(skb, 12, &b, 4, BPF_HDR_START_NET);
	skb->cb[3] = b;
	skb->cb[4] = bpf_skb_load_bytes_relative(skb, 4000, &b, 4, BPF_HDR_START_NET) + 1000 * bpf_skb_load_bytes_relative(skb, 0, &b, 4, 7);
	return b;
}

SEC("tc")
int t_load_err(struct __sk_buff *skb)
{
	__u8 buf[8] = { 1, 1, 1, 1, 1, 1, 1, 1 };
	skb->cb[0] = bpf_skb_load_bytes(skb, skb->len - 4, buf, 8);
	skb->cb[1] = buf[0] + buf[7];
	skb->cb[2] = bpf_skb_store_bytes(skb, skb->len - 2, buf, 4, 0);
	skb->cb[3] = bpf_skb_store_bytes(skb, 0, buf, 4, 8);
	skb->cb[4] = bpf_skb_store_bytes(skb, 2, buf, 4, BPF_F_INVALIDATE_HASH);
	return TC_ACT_OK;
}

SEC("tc")
int t_csum_err(struct __sk_buff *skb)
{
	skb->cb[0] = bpf_l3_csum_replace(skb, 25, 0, 1, 2);
	skb->cb[1] = bpf_l3_csum_replace(skb, 24, 0, 1, 3);
	skb->cb[2] = bpf_l3_csum_replace(skb, 24, 5, 1, 0);
	skb->cb[3] = bpf_l4_csum_replace(skb, 40, 0x1234, 0x4321, BPF_F_PSEUDO_HDR | 2);
	skb->cb[4] = bpf_l4_csum_replace(skb, 40, 0, 0x77, BPF_F_MARK_MANGLED_0 | 4) + 100 * bpf_l3_csum_replace(skb, 24, 0, 0x10, 0);
	return TC_ACT_OK;
}

SEC("tc")
int t_vlan_pop(struct __sk_buff *skb)
{
	skb->cb[0] = bpf_skb_vlan_pop(skb);
	skb->cb[1] = skb->protocol;
	skb->cb[2] = skb->vlan_present;
	skb->cb[3] = bpf_skb_vlan_push(skb, bpf_htons(0x88a8), 7);
	skb->cb[4] = bpf_skb_vlan_pop(skb) * 10 + skb->vlan_present;
	return skb->len;
}

SEC("tc")
int t_shrink(struct __sk_buff *skb)
{
	skb->cb[0] = bpf_skb_change_tail(skb, skb->len - 5, 0);
	skb->cb[1] = bpf_skb_change_tail(skb, 10, 0);
	skb->cb[2] = bpf_skb_change_tail(skb, 100, 1);
	skb->cb[3] = bpf_skb_adjust_room(skb, -4, BPF_ADJ_ROOM_MAC, 0);
	skb->cb[4] = bpf_skb_adjust_room(skb, -4000, BPF_ADJ_ROOM_NET, 0) * 100 + bpf_skb_adjust_room(skb, 4, 5, 0);
	return skb->len;
}

SEC("tc")
int t_room_mac(struct __sk_buff *skb)
{
	skb->cb[0] = bpf_skb_adjust_room(skb, 6, BPF_ADJ_ROOM_MAC, 0);
	skb->cb[1] = bpf_skb_pull_data(skb, 20);
	skb->cb[2] = bpf_skb_pull_data(skb, 5000);
	skb->cb[3] = bpf_skb_change_head(skb, 2, 0);
	skb->cb[4] = bpf_skb_change_head(skb, 2, 1);
	return skb->len;
}

SEC("tc")
int t_hash(struct __sk_buff *skb)
{
	skb->cb[0] = bpf_set_hash(skb, 0x12345678);
	skb->cb[1] = skb->hash;
	skb->cb[2] = bpf_get_hash_recalc(skb);
	bpf_set_hash_invalid(skb);
	skb->cb[3] = skb->hash;
	__be32 w[2] = { 0x01020304, 0xa0b0c0d0 };
	skb->cb[4] = bpf_csum_diff(0, 0, 0, 0, 0x1234) + bpf_csum_diff(w, 8, 0, 0, 0);
	return TC_ACT_OK;
}

/* DNAT: rewrite the IPv4 destination, fixing the IP checksum (4-byte l3 replace) and the
 * TCP/UDP checksum (4-byte l4 replace over the pseudo header) */
SEC("tc")
int t_nat(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	struct iphdr *ip = data + ETH_HLEN;
	if ((void *)(ip + 1) > end || ip->version != 4) return TC_ACT_OK;
	__be32 old = ip->daddr, new = bpf_htonl(0xc0a80063);
	__u8 proto = ip->protocol;
	int l4csum = proto == 6 ? 16 : proto == 17 ? 6 : -1;
	long a = bpf_l3_csum_replace(skb, ETH_HLEN + 10, old, new, 4);
	long b = l4csum < 0 ? 0 : bpf_l4_csum_replace(skb, ETH_HLEN + 20 + l4csum, old, new, BPF_F_PSEUDO_HDR | 4 | (proto == 17 ? BPF_F_MARK_MANGLED_0 : 0));
	long c = bpf_skb_store_bytes(skb, ETH_HLEN + 16, &new, 4, 0);
	skb->cb[0] = a; skb->cb[1] = b; skb->cb[2] = c;
	return TC_ACT_OK;
}

/* NAT64 plumbing: change the protocol (room for the other IP header), then back */
SEC("tc")
int t_proto(struct __sk_buff *skb)
{
	skb->cb[0] = bpf_skb_change_proto(skb, bpf_htons(ETH_P_IPV6), 0);
	skb->cb[1] = skb->protocol;
	skb->cb[2] = skb->len;
	skb->cb[3] = bpf_skb_change_proto(skb, bpf_htons(ETH_P_IP), 1);
	skb->cb[4] = bpf_skb_change_proto(skb, bpf_htons(0x0806), 0);
	return skb->len;
}

SEC("tc")
int t_proto_back(struct __sk_buff *skb)
{
	long r = bpf_skb_change_proto(skb, bpf_htons(ETH_P_IP), 0);
	skb->cb[0] = r;
	skb->cb[1] = skb->protocol;
	return skb->len;
}

SEC("xdp")
int x_bounds(struct xdp_md *ctx)
{
	long a = bpf_xdp_adjust_head(ctx, -300);
	long b = bpf_xdp_adjust_head(ctx, 4000);
	long c = bpf_xdp_adjust_meta(ctx, -6);
	long d = bpf_xdp_adjust_meta(ctx, -36);
	long e = bpf_xdp_adjust_tail(ctx, 4000);
	long f = bpf_xdp_adjust_tail(ctx, -4000);
	long g = bpf_xdp_adjust_tail(ctx, 200);
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	if (data + 8 > end) return 99;
	((__u8 *)data)[0] = -a; ((__u8 *)data)[1] = -b; ((__u8 *)data)[2] = -c; ((__u8 *)data)[3] = -d;
	((__u8 *)data)[4] = -e; ((__u8 *)data)[5] = -f; ((__u8 *)data)[6] = -g;
	return XDP_PASS;
}

SEC("xdp")
int x_head_max(struct xdp_md *ctx)
{
	long n = 0;
	while (n < 64 && bpf_xdp_adjust_head(ctx, -4) == 0) n++;
	return n;
}

char _license[] SEC("license") = "GPL";
