// Several programs per section and per object, subprograms in .text called from several
// sections, a callback (bpf_loop), a prog array and a map-in-map
// initialised with `values`, custom .data.* / .rodata.* sections, kprobe and tracepoint.
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

struct inner {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u32);
} inner_a SEC(".maps"), inner_b SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 4);
	__type(key, __u32);
	__array(values, struct inner);
} outer SEC(".maps") = {
	.values = { [0] = &inner_a, [2] = &inner_b },
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
	__uint(max_entries, 8);
	__type(key, __u32);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__array(values, struct {
		__uint(type, BPF_MAP_TYPE_HASH);
		__uint(max_entries, 16);
		__type(key, __u64);
		__type(value, __u64);
	});
} outer_hash SEC(".maps");

int xdp_tail(struct xdp_md *ctx);
int xdp_tail2(struct xdp_md *ctx);

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 3);
	__uint(key_size, sizeof(__u32));
	__array(values, int (void *));
} jmp_table SEC(".maps") = {
	.values = { [1] = (void *)&xdp_tail, [2] = (void *)&xdp_tail2 },
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 5000); /* libbpf rounds up to 8192 */
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 128);
	__uint(key_size, 4);
	__uint(value_size, 8);
} lru SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_BLOOM_FILTER);
	__uint(max_entries, 64);
	__uint(value_size, 4);
	__uint(map_extra, 3);
} bloom SEC(".maps");

/* longer than the kernel's 15 characters: kept as `a_map_with_a_lo` */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u64);
} a_map_with_a_long_name SEC(".maps");

__u32 custom_counter SEC(".data.custom") = 7;
volatile const char custom_msg[8] SEC(".rodata.custom") = "custom!";
__u64 seen_bss;

static __attribute__((noinline)) int add_one(int x)
{
	return x + 1;
}

__attribute__((noinline)) int twice(int x)
{
	return add_one(x) + add_one(x);
}

static int loop_cb(__u32 i, void *data)
{
	*(__u64 *)data += i;
	return 0;
}

SEC("xdp")
int xdp_tail(struct xdp_md *ctx)
{
	return twice(1) == 4 ? XDP_PASS : XDP_DROP;
}

SEC("xdp")
int xdp_tail2(struct xdp_md *ctx)
{
	return XDP_TX;
}

SEC("xdp")
int xdp_main(struct xdp_md *ctx)
{
	__u64 sum = 0;
	__u32 k = 0;
	void *in;

	bpf_loop(4, loop_cb, &sum, 0);
	seen_bss += sum + custom_counter + custom_msg[1];
	in = bpf_map_lookup_elem(&outer, &k);
	if (in)
		bpf_map_lookup_elem(in, &k);
	bpf_tail_call(ctx, &jmp_table, 1);
	return twice(0) ? XDP_PASS : XDP_DROP;
}

SEC("tc")
int tc_one(struct __sk_buff *skb)
{
	return twice(skb->len) > 100 ? TC_ACT_SHOT : TC_ACT_OK;
}

SEC("tc")
int tc_two(struct __sk_buff *skb)
{
	__u64 *v = bpf_ringbuf_reserve(&events, 8, 0);

	if (v) {
		*v = skb->len;
		bpf_ringbuf_submit(v, 0);
	}
	return TC_ACT_OK;
}

SEC("classifier")
int cls_main(struct __sk_buff *skb)
{
	__u32 k = skb->mark;
	__u64 val = 1;

	bpf_map_update_elem(&lru, &k, &val, BPF_ANY);
	bpf_map_push_elem(&bloom, &k, 0);
	return add_one(0);
}

SEC("socket")
int sock_filter(struct __sk_buff *skb)
{
	return skb->len > 64 ? 0 : -1;
}

SEC("kprobe/do_unlinkat")
int kp_unlink(void *ctx)
{
	__u32 k = 1;

	bpf_map_update_elem(&a_map_with_a_long_name, &k, &seen_bss, BPF_ANY);
	seen_bss++;
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_openat")
int tp_openat(void *ctx)
{
	return twice(2);
}

char LICENSE[] SEC("license") = "GPL";
