// Helpers whose values depend on the machine (clocks, random numbers, CPU), checked through
// properties that hold on any machine, plus perf_event_output / redirect_map / percpu lookups
// on empty maps: the results array must match the kernel's.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __s64);
} props SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
	__uint(max_entries, 4);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u32);
} devs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} pcpu SEC(".maps");

static __always_inline void put(__u32 k, __s64 v)
{
	bpf_map_update_elem(&props, &k, &v, BPF_ANY);
}

SEC("xdp")
int misc(struct xdp_md *ctx)
{
	__u64 t1 = bpf_ktime_get_ns(), t2 = bpf_ktime_get_ns();
	__u64 b1 = bpf_ktime_get_boot_ns();
	__u64 c1 = bpf_ktime_get_coarse_ns();
	__u64 j = bpf_jiffies64();
	__u32 r1 = bpf_get_prandom_u32(), r2 = bpf_get_prandom_u32(), r3 = bpf_get_prandom_u32();
	put(0, t2 >= t1);
	put(1, b1 >= t1);
	put(2, c1 <= bpf_ktime_get_ns() && c1 > 0);
	put(3, j > 0);
	put(4, r1 != r2 || r2 != r3);
	put(5, bpf_get_smp_processor_id() < 4096);
	__u64 x = 7;
	put(6, bpf_perf_event_output(ctx, &events, BPF_F_CURRENT_CPU, &x, sizeof(x)));
	put(7, bpf_perf_event_output(ctx, &events, 9, &x, sizeof(x)));
	put(8, bpf_perf_event_output(ctx, &events, 1ULL << 60, &x, sizeof(x)));
	put(9, bpf_redirect_map(&devs, 0, XDP_PASS));
	put(10, bpf_redirect_map(&devs, 100, XDP_DROP));
	put(11, bpf_redirect_map(&devs, 0, 1ULL << 40));
	__u32 k = 1;
	__u64 *v = bpf_map_lookup_elem(&pcpu, &k);
	if (v) *v += 5;
	put(12, bpf_map_lookup_percpu_elem(&pcpu, &k, 100000) == 0);
	__u64 *w = bpf_map_lookup_percpu_elem(&pcpu, &k, bpf_get_smp_processor_id());
	put(13, w ? (*w > 0 && *w % 5 == 0) : -1);
	put(14, bpf_xdp_get_buff_len(ctx));
	return bpf_redirect(1, 5);
}

char _license[] SEC("license") = "GPL";
