// bpf_fib_lookup forwarding (the xdp_fwd pattern): look the IPv4 destination up, rewrite the
// MACs and bounce the frame out of the chosen interface.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} fib_out SEC(".maps");

SEC("xdp")
int xdp_fwd(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = data + sizeof(*eth);
	struct bpf_fib_lookup p = {};
	if ((void *)(ip + 1) > end) return XDP_PASS;
	if (eth->h_proto != bpf_htons(ETH_P_IP)) return XDP_PASS;
	p.family = 2;
	p.tos = ip->tos;
	p.l4_protocol = ip->protocol;
	p.tot_len = bpf_ntohs(ip->tot_len);
	p.ipv4_src = ip->saddr;
	p.ipv4_dst = ip->daddr;
	p.ifindex = ctx->ingress_ifindex;
	long rc = bpf_fib_lookup(ctx, &p, sizeof(p), 0);
	__u32 k = 0;
	__u64 v = rc;
	bpf_map_update_elem(&fib_out, &k, &v, BPF_ANY);
	k = 1; v = p.ifindex;
	bpf_map_update_elem(&fib_out, &k, &v, BPF_ANY);
	k = 2; v = p.ipv4_dst;
	bpf_map_update_elem(&fib_out, &k, &v, BPF_ANY);
	if (rc != BPF_FIB_LKUP_RET_SUCCESS) return XDP_PASS;
	__builtin_memcpy(eth->h_dest, p.dmac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, p.smac, ETH_ALEN);
	return bpf_redirect(p.ifindex, 0);
}

char _license[] SEC("license") = "GPL";

SEC("xdp")
int xdp_mtu(struct xdp_md *ctx)
{
	__u32 mtu = 0;
	long a = bpf_check_mtu(ctx, 0, &mtu, 0, 0);
	__u32 m2 = 0;
	long b = bpf_check_mtu(ctx, 0, &m2, 70000, 0);
	__u32 m3 = 1500;
	long c = bpf_check_mtu(ctx, 1, &m3, 0, 0);
	__u32 m4 = 0;
	long d = bpf_check_mtu(ctx, 12345, &m4, 0, 0);
	__u32 m5 = 0;
	long e = bpf_check_mtu(ctx, 0, &m5, 0, 1);
	return (a & 0xf) | (b & 0xf) << 4 | (c & 0xf) << 8 | ((-d) & 0xff) << 12 | ((-e) & 0xff) << 20 | (mtu == 65536) << 28 | (m3 == 65536) << 29;
}

SEC("tc")
int tc_mtu(struct __sk_buff *skb)
{
	__u32 mtu = 0;
	long a = bpf_check_mtu(skb, 0, &mtu, 0, 0);
	__u32 m2 = 0;
	long b = bpf_check_mtu(skb, 0, &m2, 70000, 0);
	__u32 m3 = 0;
	long c = bpf_check_mtu(skb, 0, &m3, 0, 4);
	return (a & 0xf) | (b & 0xf) << 4 | ((-c) & 0xff) << 8 | (mtu == 65536) << 28;
}
