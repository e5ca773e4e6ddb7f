// Context pointers through bpf-to-bpf calls, callbacks and stack spills: the runtime must find
// and rewrite those ctx loads as the kernel's verifier does.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>

static __noinline int frame_len(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	return end - data;
}

static __noinline int first_byte(struct xdp_md *ctx, int off)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	if (data + off + 1 > end) return -1;
	return ((__u8 *)data)[off];
}

SEC("xdp")
int sub_len(struct xdp_md *ctx)
{
	return frame_len(ctx) * 1000 + first_byte(ctx, 12) + first_byte(ctx, 5000);
}

static __noinline int tc_len(struct __sk_buff *skb)
{
	return skb->len + skb->protocol;
}

SEC("tc")
int sub_tc(struct __sk_buff *skb)
{
	volatile struct __sk_buff *saved = skb;
	void *data = (void *)(long)saved->data, *end = (void *)(long)saved->data_end;
	if (data + 14 > end) return 0;
	skb->mark = tc_len(skb);
	return ((__u8 *)data)[13] + tc_len(skb);
}

char _license[] SEC("license") = "GPL";
