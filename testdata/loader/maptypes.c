// One BTF-defined map per type, all with BTF key/value types where the type takes them:
// which of them keep BTF in the kernel (map_check_btf) decides whether bpftool formats
// their dumps with BTF.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define MAP(name, t, k, v, n)                \
	struct {                              \
		__uint(type, t);              \
		__uint(max_entries, n);       \
		__type(key, k);               \
		__type(value, v);             \
	} name SEC(".maps")

MAP(m_hash, BPF_MAP_TYPE_HASH, __u32, __u64, 4);
MAP(m_array, BPF_MAP_TYPE_ARRAY, __u32, __u64, 4);
MAP(m_percpu_hash, BPF_MAP_TYPE_PERCPU_HASH, __u32, __u64, 4);
MAP(m_percpu_array, BPF_MAP_TYPE_PERCPU_ARRAY, __u32, __u64, 4);
MAP(m_lru_hash, BPF_MAP_TYPE_LRU_HASH, __u32, __u64, 4);
MAP(m_lru_pcpu_hash, BPF_MAP_TYPE_LRU_PERCPU_HASH, __u32, __u64, 4);
MAP(m_perf_array, BPF_MAP_TYPE_PERF_EVENT_ARRAY, __u32, __u32, 4);
MAP(m_cgroup_array, BPF_MAP_TYPE_CGROUP_ARRAY, __u32, __u32, 4);
MAP(m_stack_trace, BPF_MAP_TYPE_STACK_TRACE, __u32, __u64[8], 4);
MAP(m_devmap, BPF_MAP_TYPE_DEVMAP, __u32, __u32, 4);
MAP(m_devmap_hash, BPF_MAP_TYPE_DEVMAP_HASH, __u32, __u32, 4);
MAP(m_cpumap, BPF_MAP_TYPE_CPUMAP, __u32, __u32, 4);
MAP(m_xskmap, BPF_MAP_TYPE_XSKMAP, __u32, __u32, 4);
MAP(m_sockmap, BPF_MAP_TYPE_SOCKMAP, __u32, __u32, 4);
MAP(m_sockhash, BPF_MAP_TYPE_SOCKHASH, __u32, __u32, 4);
MAP(m_reuseport, BPF_MAP_TYPE_REUSEPORT_SOCKARRAY, __u32, __u32, 4);

struct lpm_key {
	__u32 prefixlen;
	__u32 addr;
};

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 16);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct lpm_key);
	__type(value, __u32);
} m_lpm SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, 4);
	__type(value, __u64);
} m_queue SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK);
	__uint(max_entries, 4);
	__type(value, __u64);
} m_stack SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_BLOOM_FILTER);
	__uint(max_entries, 16);
	__type(value, __u32);
} m_bloom SEC(".maps");

SEC("socket")
int uses_nothing(void *ctx)
{
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
