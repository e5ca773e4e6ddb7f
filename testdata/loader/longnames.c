// Map names that are only unique past the 15 characters the kernel keeps (as in Cilium's
// cilium_lb6_maglev_* or samples/bpf's percpu_hash_map*): libbpf accepts them.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct bpf_map_def_legacy {
	unsigned int type;
	unsigned int key_size;
	unsigned int value_size;
	unsigned int max_entries;
	unsigned int map_flags;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 4);
} percpu_hash_map_v4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u32);
	__uint(max_entries, 2);
} percpu_hash_map_v6 SEC(".maps");

struct bpf_map_def_legacy SEC("maps") legacy_counter_one = {
	.type = BPF_MAP_TYPE_ARRAY,
	.key_size = sizeof(__u32),
	.value_size = sizeof(__u64),
	.max_entries = 1,
};

struct bpf_map_def_legacy SEC("maps") legacy_counter_two = {
	.type = BPF_MAP_TYPE_ARRAY,
	.key_size = sizeof(__u32),
	.value_size = sizeof(__u32),
	.max_entries = 3,
};

SEC("xdp")
int long_names(struct xdp_md *ctx)
{
	__u32 k = 0;
	__u64 *a = bpf_map_lookup_elem(&percpu_hash_map_v4, &k);
	__u32 *b = bpf_map_lookup_elem(&percpu_hash_map_v6, &k);
	__u64 *c = bpf_map_lookup_elem(&legacy_counter_one, &k);
	__u32 *d = bpf_map_lookup_elem(&legacy_counter_two, &k);
	return (a ? 1 : 0) + (b ? 2 : 0) + (c ? 4 : 0) + (d ? 8 : 0);
}

char _license[] SEC("license") = "GPL";
