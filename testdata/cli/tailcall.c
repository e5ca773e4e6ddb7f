// SPDX-License-Identifier: MIT
// Test object for `map update MAP key K value { pinned FILE | id N }` on prog arrays and
// maps of maps: `tc_entry` tail-calls slot 0 of `jmp` (left empty by the object, filled
// from the command line) and returns XDP_DROP when the slot is empty; `tc_target` counts
// its runs in `hits` and returns XDP_TX; `mim_read` returns the u32 at key 0 of the inner
// map in slot 0 of `outer` (XDP_ABORTED when either is missing); `tc_init_entry` tail-calls
// slot 1 of `jmp_init`, which the object fills with `tc_target`, and returns XDP_PASS
// when that slot is empty.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 4);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} jmp SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} hits SEC(".maps");

struct inner {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 2);
	__type(key, __u32);
	__array(values, struct inner);
} outer SEC(".maps");

SEC("xdp")
int tc_entry(struct xdp_md *ctx)
{
	bpf_tail_call(ctx, &jmp, 0);
	return XDP_DROP;
}

SEC("xdp")
int tc_target(struct xdp_md *ctx)
{
	__u32 k = 0;
	__u64 *n = bpf_map_lookup_elem(&hits, &k);

	if (n)
		__sync_fetch_and_add(n, 1);
	return XDP_TX;
}

SEC("xdp")
int mim_read(struct xdp_md *ctx)
{
	__u32 k = 0;
	void *in = bpf_map_lookup_elem(&outer, &k);
	__u32 *v;

	if (!in)
		return XDP_ABORTED;
	v = bpf_map_lookup_elem(in, &k);
	if (!v)
		return XDP_ABORTED;
	return *v;
}

/* A prog array filled by the object itself (libbpf's .values initialiser). */
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 2);
	__uint(key_size, sizeof(__u32));
	__array(values, int (void *));
} jmp_init SEC(".maps") = {
	.values = { [1] = (void *)&tc_target },
};

SEC("xdp")
int tc_init_entry(struct xdp_md *ctx)
{
	bpf_tail_call(ctx, &jmp_init, 1);
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
