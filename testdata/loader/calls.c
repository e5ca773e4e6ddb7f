// bpf-to-bpf calls beyond what libbpf accepts (parse-only; libbpf refuses calls into
// program sections): a global function in one program section called from another
// section, a static function placed in a program section and called pc-relative, and a
// chain .text → program section → .text.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

static __attribute__((noinline)) int text_leaf(int x)
{
	return x * 3;
}

/* static function in a program section: callable, not a program */
SEC("xdp") static __attribute__((noinline)) int xdp_static_helper(int x)
{
	return text_leaf(x) + 1;
}

/* global function in a program section: a program, and a subprogram of others */
SEC("xdp") __attribute__((noinline)) int xdp_shared(struct xdp_md *ctx)
{
	return xdp_static_helper(ctx->ingress_ifindex) & 3;
}

SEC("xdp")
int xdp_entry(struct xdp_md *ctx)
{
	return xdp_static_helper(2) + xdp_shared(ctx);
}

SEC("tc")
int tc_calls_xdp(struct __sk_buff *skb)
{
	return xdp_shared((struct xdp_md *)skb);
}

char LICENSE[] SEC("license") = "GPL";
