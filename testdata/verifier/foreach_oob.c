// Rejected: the for_each_map_elem callback reads past the end of the 8-byte map value.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} vals SEC(".maps");

static long visit(struct bpf_map *map, __u32 *key, __u64 *val, void *c)
{
	__u64 *sum = c;
	*sum += val[*key & 1 ? 1 : 0];
	return 0;
}

SEC("xdp")
int foreach_oob(struct xdp_md *ctx)
{
	__u64 sum = 0;
	bpf_for_each_map_elem(&vals, visit, &sum, 0);
	return sum > 100 ? XDP_DROP : XDP_PASS;
}

char _license[] SEC("license") = "GPL";
