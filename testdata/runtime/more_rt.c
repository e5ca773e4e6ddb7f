// Programs of the socket / cgroup / lwt types for the differential tests of
// src/progs/testrun-more.kernel.test.ts: lwt programs run (BPF_PROG_TEST_RUN) under both
// the kernel and tsbpf; the cgroup socket hooks and sock_ops load under both and refuse to
// test-run with ENOTSUPP.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

/* lwt_in: ctx fields in and out, direct packet reads (data starts at the IP header) */
SEC("lwt_in")
int lwt_fields(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	skb->mark = skb->mark + 3;
	skb->priority = skb->len;
	skb->cb[0] = skb->protocol;
	skb->cb[1] = skb->pkt_type;
	skb->cb[2] = skb->ifindex;
	skb->cb[3] = end - data;
	if (data + 1 > end)
		return BPF_DROP;
	skb->cb[4] = *(__u8 *)data;
	return BPF_OK;
}

/* lwt_out: reads the IPv4 protocol with bpf_skb_load_bytes */
SEC("lwt_out")
int lwt_proto(struct __sk_buff *skb)
{
	struct iphdr ip;
	if (bpf_skb_load_bytes(skb, 0, &ip, sizeof(ip)) < 0)
		return 100;
	skb->cb[0] = ip.protocol;
	return ip.protocol == IPPROTO_UDP ? BPF_OK : BPF_DROP;
}

/* lwt_xmit: writes the packet (the TOS byte) */
SEC("lwt_xmit")
int lwt_tos(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	struct iphdr *ip = data;
	if ((void *)(ip + 1) > end)
		return BPF_OK;
	ip->tos = 0x10;
	return skb->len;
}

/* the cgroup socket hooks cilium-style programs use: fields and ctx->sk */
SEC("cgroup/sock_create")
int sock_create(struct bpf_sock *sk)
{
	if (sk->family != 2 || sk->type != 1)
		return 1;
	sk->mark = 42;
	sk->priority = sk->protocol;
	return 1;
}

SEC("cgroup/post_bind4")
int post_bind4(struct bpf_sock *sk)
{
	return sk->src_port == 1 ? 0 : 1;
}

SEC("cgroup/connect4")
int connect4(struct bpf_sock_addr *ctx)
{
	struct bpf_sock *sk = ctx->sk;
	if (ctx->user_port == bpf_htons(81) && sk->protocol == IPPROTO_TCP) {
		ctx->user_ip4 = bpf_htonl(0x7f000001);
		ctx->user_port = bpf_htons(80);
	}
	return 1;
}

SEC("cgroup/recvmsg6")
int recvmsg6(struct bpf_sock_addr *ctx)
{
	if (ctx->user_ip6[3] == bpf_htonl(1))
		ctx->user_port = 0;
	return 1;
}

SEC("sockops")
int sock_ops_timeout(struct bpf_sock_ops *ops)
{
	struct bpf_sock *sk = ops->sk;
	if (ops->op == BPF_SOCK_OPS_TIMEOUT_INIT && sk && sk->state == 1)
		ops->reply = 10;
	return 1;
}

char LICENSE[] SEC("license") = "GPL";

/* flow_dissector: IPv4 parsing from keys->nhoff with direct packet reads */
SEC("flow_dissector")
int flow_ipv4(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	struct bpf_flow_keys *keys = skb->flow_keys;
	__u16 nhoff = keys->nhoff, thoff;
	struct iphdr *ip;
	__u16 *ports;
	if (keys->n_proto != bpf_htons(ETH_P_IP) || nhoff > 64)
		return BPF_DROP;
	ip = data + nhoff;
	if ((void *)(ip + 1) > end)
		return BPF_DROP;
	keys->addr_proto = ETH_P_IP;
	keys->ipv4_src = ip->saddr;
	keys->ipv4_dst = ip->daddr;
	keys->ip_proto = ip->protocol;
	thoff = nhoff + ip->ihl * 4;
	keys->thoff = thoff;
	ports = data + thoff;
	if ((void *)(ports + 2) > end)
		return BPF_OK;
	keys->sport = ports[0];
	keys->dport = ports[1];
	keys->flow_label = keys->flags;
	return BPF_OK;
}

/* flow_dissector: bpf_skb_load_bytes, and offsets out of range (clamped by the kernel) */
SEC("flow_dissector")
int flow_bytes(struct __sk_buff *skb)
{
	struct bpf_flow_keys *keys = skb->flow_keys;
	__u8 b[4];
	long r = bpf_skb_load_bytes(skb, 12, b, sizeof(b));
	keys->is_frag = r == 0;
	keys->ipv6_dst[3] = (b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3];
	keys->ipv6_src[0] = bpf_skb_load_bytes(skb, 4000, b, sizeof(b));
	keys->nhoff = 5;
	keys->thoff = 60000;
	return 7;
}

/* sk_lookup: the fields a test run fills from ctx_in, recorded in .bss */
__u32 seen[16];

SEC("sk_lookup")
int lookup_fields(struct bpf_sk_lookup *ctx)
{
	seen[0] = ctx->family;
	seen[1] = ctx->protocol;
	seen[2] = ctx->remote_ip4;
	seen[3] = ctx->remote_ip6[3];
	seen[4] = ctx->remote_port;
	seen[5] = ctx->local_ip4;
	seen[6] = ctx->local_ip6[0];
	seen[7] = ctx->local_port;
	seen[8] = ctx->ingress_ifindex;
	seen[9] = *(__u8 *)&ctx->local_ip4;
	seen[10] = *((__u16 *)&ctx->remote_port + 1);
	seen[11] = ctx->sk != 0;
	seen[12]++;
	if (ctx->local_port == 80)
		return SK_DROP;
	return SK_PASS;
}
