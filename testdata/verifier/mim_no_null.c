// Rejected: the inner map pointer from an ARRAY_OF_MAPS lookup is used without a null check.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct inner {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} in0 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__array(values, struct inner);
} outer SEC(".maps") = { .values = { &in0 } };

SEC("xdp")
int mim_no_null(struct xdp_md *ctx)
{
	__u32 k = 0;
	void *inner = bpf_map_lookup_elem(&outer, &k);
	__u64 *v = bpf_map_lookup_elem(inner, &k);
	if (!v)
		return XDP_PASS;
	*v += 1;
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
