// Load-only programs of the socket / cgroup types with helpers that take sockets
// (bpf_sk_storage_get, bpf_sk_lookup_tcp, bpf_sk_assign of a sockmap lookup, bpf_bind,
// bpf_get/setsockopt, sockmap / sockhash / reuseport redirects, sysctl and retval helpers):
// src/progs/testrun-more.kernel.test.ts checks that the kernel's verifier (bpftool) and
// tsbpf's both accept every program.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct { __uint(type, BPF_MAP_TYPE_SK_STORAGE); __uint(map_flags, BPF_F_NO_PREALLOC); __type(key, int); __type(value, __u64); } sk_store SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_SOCKMAP); __uint(max_entries, 4); __type(key, __u32); __type(value, __u64); } sock_map SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_SOCKHASH); __uint(max_entries, 4); __type(key, __u32); __type(value, __u64); } sock_hash SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_REUSEPORT_SOCKARRAY); __uint(max_entries, 4); __type(key, __u32); __type(value, __u64); } reuse_map SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 1); __type(key, __u32); __type(value, __u64); } cnt SEC(".maps");

SEC("cgroup/connect4")
int c4_storage(struct bpf_sock_addr *ctx)
{
	__u64 *v = bpf_sk_storage_get(&sk_store, ctx->sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (v)
		*v += bpf_get_socket_cookie(ctx);
	return 1;
}

SEC("cgroup/connect4")
int c4_lookup(struct bpf_sock_addr *ctx)
{
	struct bpf_sock_tuple t = {};
	struct bpf_sock *sk;
	t.ipv4.daddr = ctx->user_ip4;
	t.ipv4.dport = ctx->user_port;
	sk = bpf_sk_lookup_tcp(ctx, &t, sizeof(t.ipv4), BPF_F_CURRENT_NETNS, 0);
	if (!sk)
		return 1;
	if (sk->state == 10)
		ctx->user_port = 0;
	bpf_sk_release(sk);
	return 1;
}

SEC("cgroup/connect6")
int c6_sockopt(struct bpf_sock_addr *ctx)
{
	int v = 0;
	struct sockaddr_in sa = {};
	bpf_getsockopt(ctx, 1, 7, &v, sizeof(v));
	if (v > 1000)
		bpf_bind(ctx, (struct sockaddr *)&sa, sizeof(sa));
	return 1;
}

SEC("sockops")
int ops_setsockopt(struct bpf_sock_ops *ops)
{
	int v = 1;
	if (ops->op == BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB) {
		bpf_setsockopt(ops, 6, 1, &v, sizeof(v));
		bpf_sock_hash_update(ops, &sock_hash, &v, BPF_NOEXIST);
	}
	return 1;
}

SEC("sk_msg")
int msg_redir(struct sk_msg_md *msg)
{
	__u32 k = 0;
	bpf_msg_pull_data(msg, 0, 4, 0);
	if (msg->data + 4 > msg->data_end)
		return SK_PASS;
	bpf_msg_apply_bytes(msg, 100);
	return bpf_msg_redirect_map(msg, &sock_map, k, BPF_F_INGRESS);
}

SEC("sk_skb/stream_verdict")
int skb_redir(struct __sk_buff *skb)
{
	__u32 k = skb->len & 3;
	return bpf_sk_redirect_map(skb, &sock_map, k, 0);
}

SEC("sk_lookup")
int lookup_assign(struct bpf_sk_lookup *ctx)
{
	__u32 k = 0;
	struct bpf_sock *sk;
	long err;
	if (ctx->local_port != 7007)
		return SK_PASS;
	sk = bpf_map_lookup_elem(&sock_map, &k);
	if (!sk)
		return SK_DROP;
	err = bpf_sk_assign(ctx, sk, 0);
	bpf_sk_release(sk);
	return err ? SK_DROP : SK_PASS;
}

SEC("sk_reuseport")
int reuse_select(struct sk_reuseport_md *md)
{
	__u32 k = md->hash & 3;
	if (bpf_sk_select_reuseport(md, &reuse_map, &k, 0))
		return SK_DROP;
	return SK_PASS;
}

SEC("cgroup/sysctl")
int sysctl_rw(struct bpf_sysctl *ctx)
{
	char buf[16] = {};
	unsigned long v;
	if (bpf_sysctl_get_new_value(ctx, buf, sizeof(buf)) < 0)
		return 1;
	if (bpf_strtoul(buf, sizeof(buf), 10, &v) < 0)
		return 0;
	if (v > 100)
		bpf_sysctl_set_new_value(ctx, "100", 4);
	return 1;
}

SEC("cgroup/getsockopt")
int sockopt_retval(struct bpf_sockopt *ctx)
{
	if (bpf_get_retval() < 0)
		bpf_set_retval(0);
	return 1;
}

SEC("flow_dissector")
int flow_tail(struct __sk_buff *skb)
{
	__u32 k = 0;
	__u64 *c = bpf_map_lookup_elem(&cnt, &k);
	if (c)
		__sync_fetch_and_add(c, 1);
	return BPF_OK;
}

SEC("cgroup/sock_create")
int sock_storage(struct bpf_sock *sk)
{
	__u64 *v = bpf_sk_storage_get(&sk_store, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (v)
		*v = bpf_get_current_pid_tgid();
	return 1;
}

char LICENSE[] SEC("license") = "GPL";
