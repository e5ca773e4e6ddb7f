// Programs of the socket / cgroup / lwt types for the differential tests of
// src/progs/testrun-more.kernel.test.ts: lwt, flow_dissector and sk_lookup programs run
// (BPF_PROG_TEST_RUN) under both the kernel and tsbpf; the other types load under both (both
// verifiers accept them) and refuse to test-run with ENOTSUPP.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include <linux/tcp.h>

#ifndef SOL_SOCKET
#define SOL_SOCKET 1
#endif

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

/* load-only programs of the types without a test run: the verifiers of both must accept them */
SEC("sk_msg")
int msg_verdict(struct sk_msg_md *msg)
{
	void *data = msg->data, *end = msg->data_end;
	struct bpf_sock *sk = msg->sk;
	if (data + 1 > end)
		return SK_PASS;
	if (*(__u8 *)data == 'x' && msg->family == 2 && sk->state == 1 && msg->local_port == 80)
		return SK_DROP;
	return SK_PASS;
}

SEC("sk_skb/stream_parser")
int skb_parser(struct __sk_buff *skb)
{
	return skb->len;
}

SEC("sk_skb/stream_verdict")
int skb_verdict(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	if (data + 2 > end)
		return SK_PASS;
	skb->priority = *(__u16 *)data + skb->remote_port;
	skb->tc_index = skb->local_ip4 >> 24;
	return SK_PASS;
}

SEC("sockops")
int sock_ops_tcp(struct bpf_sock_ops *ops)
{
	struct bpf_sock *sk = ops->sk;
	struct bpf_tcp_sock *tp;
	if (!sk)
		return 1;
	tp = bpf_tcp_sock(sk);
	if (!tp)
		return 1;
	if (tp->snd_cwnd < 10 && ops->family == 2)
		bpf_sock_ops_cb_flags_set(ops, BPF_SOCK_OPS_RTT_CB_FLAG);
	ops->sk_txhash = tp->bytes_acked;
	return 1;
}

SEC("cgroup/getsockopt")
int getsockopt_prog(struct bpf_sockopt *ctx)
{
	__u8 *optval = ctx->optval, *end = ctx->optval_end;
	if (ctx->level != SOL_SOCKET || optval + 1 > end)
		return 1;
	optval[0] = 1;
	ctx->optlen = 1;
	asm volatile("" ::: "memory"); /* two 4-byte stores, not one 8-byte store */
	ctx->retval = 0;
	return 1;
}

SEC("cgroup/setsockopt")
int setsockopt_prog(struct bpf_sockopt *ctx)
{
	if (ctx->level == SOL_SOCKET && ctx->optname == 99) {
		ctx->optlen = -1;
		return 1;
	}
	if (ctx->sk->family == 10)
		ctx->optname = 100;
	return 1;
}

SEC("cgroup/sysctl")
int sysctl_prog(struct bpf_sysctl *ctx)
{
	char name[32];
	if (!ctx->write)
		return 1;
	if (bpf_sysctl_get_name(ctx, name, sizeof(name), 0) < 0)
		return 0;
	return name[0] == 'n' ? 0 : 1;
}

SEC("cgroup/dev")
int dev_prog(struct bpf_cgroup_dev_ctx *ctx)
{
	__u16 type = ctx->access_type & 0xffff;
	if (type == BPF_DEVCG_DEV_CHAR && ctx->major == 1 && ctx->minor == 3)
		return 1;
	return 0;
}

SEC("sk_reuseport")
int reuseport_prog(struct sk_reuseport_md *md)
{
	void *data = md->data, *end = md->data_end;
	if (data + 1 > end)
		return SK_PASS;
	if (md->eth_protocol == bpf_htons(ETH_P_IP) && md->ip_protocol == IPPROTO_UDP && md->len > 100)
		return SK_DROP;
	return SK_PASS;
}

SEC("cgroup/sendmsg6")
int sendmsg6(struct bpf_sock_addr *ctx)
{
	if (ctx->user_port == bpf_htons(53)) {
		ctx->user_ip6[0] = bpf_htonl(0xfd000000);
		ctx->user_ip6[3] = bpf_htonl(1);
		ctx->msg_src_ip6[3] = 0;
	}
	return 1;
}

SEC("cgroup/bind4")
int bind4(struct bpf_sock_addr *ctx)
{
	if (ctx->user_port == bpf_htons(80))
		return 3;
	return 1;
}

SEC("lwt_seg6local")
int seg6_prog(struct __sk_buff *skb)
{
	return skb->len > 100 ? BPF_DROP : BPF_OK;
}

char LICENSE[] SEC("license") = "GPL";
