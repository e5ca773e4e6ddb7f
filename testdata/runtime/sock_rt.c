// Socket filter, cgroup_skb and raw tracepoint programs for the runtime's tests.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

unsigned long long load_byte(void *skb, unsigned long long off) asm("llvm.bpf.load.byte");
unsigned long long load_half(void *skb, unsigned long long off) asm("llvm.bpf.load.half");
unsigned long long load_word(void *skb, unsigned long long off) asm("llvm.bpf.load.word");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u64);
} bytes_by_proto SEC(".maps");

/* keep IPv4 UDP (first 64 bytes), drop the rest: LD_ABS on the test-run view (network header at 0) */
SEC("socket")
int sf_udp(struct __sk_buff *skb)
{
	if (load_byte(skb, 9) != 17) return 0;
	return 64;
}

/* LD_ABS word and half, returned through the ctx */
SEC("socket")
int sf_ldabs(struct __sk_buff *skb)
{
	__u32 w = load_word(skb, 12);
	__u32 h = load_half(skb, 2);
	return (w ^ h) & 0xffff;
}

/* len / protocol / mark as a socket filter sees them, accumulated in a hash map */
SEC("socket")
int sf_account(struct __sk_buff *skb)
{
	__u32 key = load_byte(skb, 9);
	__u64 len = skb->len, *v = bpf_map_lookup_elem(&bytes_by_proto, &key);
	if (v) *v += len;
	else bpf_map_update_elem(&bytes_by_proto, &key, &len, BPF_NOEXIST);
	return skb->len;
}

SEC("cgroup_skb/ingress")
int cg_in(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	struct iphdr *ip = data;
	if ((void *)(ip + 1) > end) return 0;
	skb->mark = ip->ttl;
	skb->cb[0] = skb->family;
	asm volatile("" ::: "memory");
	skb->cb[1] = skb->remote_ip4;
	asm volatile("" ::: "memory");
	skb->cb[2] = skb->local_ip4;
	return ip->protocol == 17;
}

/* egress may also return 2 and 3 (drop / allow with congestion notification) */
SEC("cgroup_skb/egress")
int cg_out(struct __sk_buff *skb)
{
	skb->priority = 6;
	return skb->len > 40 ? 3 : 1;
}

SEC("raw_tracepoint/sys_enter")
int rtp(struct bpf_raw_tracepoint_args *ctx)
{
	return ctx->args[0] + ctx->args[1] * 2;
}

char _license[] SEC("license") = "GPL";
