// A BTF-defined map with a pinning value libbpf refuses (Cilium's CILIUM_PIN_REPLACE = 1 << 4,
// which Cilium's own loader handles): parseObject fails like libbpf unless
// allowUnknownPinning is given, which keeps the value as metadata.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define CILIUM_PIN_REPLACE (1 << 4)

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
	__uint(pinning, CILIUM_PIN_REPLACE);
	__uint(max_entries, 4);
} calls SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__uint(max_entries, 8);
} counts SEC(".maps");

SEC("xdp")
int pin_prog(struct xdp_md *ctx)
{
	bpf_tail_call(ctx, &calls, 0);
	__u32 k = 0;
	__u64 *v = bpf_map_lookup_elem(&counts, &k);
	if (v)
		__sync_fetch_and_add(v, 1);
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
