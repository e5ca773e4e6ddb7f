// Accepted: a bounded loop, a bpf_loop callback, and a static subprogram.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct ctx_acc { __u64 sum; };

static long add_one(__u64 i, void *c)
{
	struct ctx_acc *a = c;
	a->sum += i;
	return 0;
}

static __attribute__((noinline)) int mix(int x)
{
	return (x * 7) & 0xff;
}

SEC("xdp")
int loops(struct xdp_md *ctx)
{
	struct ctx_acc a = { 0 };
	int s = 0;
	for (int i = 0; i < 64; i++)
		s += i ^ ctx->rx_queue_index;
	bpf_loop(16, add_one, &a, 0);
	return mix(s + (int)a.sum) > 300 ? XDP_DROP : XDP_PASS;
}

char _license[] SEC("license") = "GPL";
