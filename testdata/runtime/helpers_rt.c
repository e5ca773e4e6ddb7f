// Helper programs for the runtime's tests: every result lands in the `results` array so the
// kernel and tsbpf can be compared through a map dump.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 32);
	__type(key, __u32);
	__type(value, __u64);
} results SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, char[64]);
} strbuf SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u64);
} arr SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, 4);
	__type(value, __u32);
} queue SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} rb SEC(".maps");

struct locked { struct bpf_spin_lock l; __u32 pad; __u64 cnt; };
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct locked);
} locks SEC(".maps");

static __always_inline void put(__u32 k, __u64 v)
{
	bpf_map_update_elem(&results, &k, &v, BPF_ANY);
}

static __always_inline void add(__u32 k, __u64 v)
{
	__u64 *p = bpf_map_lookup_elem(&results, &k);
	if (p) *p += v;
}

SEC("xdp")
int h_tail_target(struct xdp_md *ctx)
{
	add(0, 1);
	return XDP_TX;
}

SEC("xdp")
int h_chain(struct xdp_md *ctx);

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 4);
	__uint(key_size, sizeof(__u32));
	__array(values, int (void *));
} jmp_table SEC(".maps") = {
	.values = { [0] = (void *)&h_tail_target, [1] = (void *)&h_chain },
};

SEC("xdp")
int h_tail(struct xdp_md *ctx)
{
	bpf_tail_call(ctx, &jmp_table, 0);
	return XDP_DROP;
}

SEC("xdp")
int h_tail_miss(struct xdp_md *ctx)
{
	bpf_tail_call(ctx, &jmp_table, 3);
	bpf_tail_call(ctx, &jmp_table, 100);
	return XDP_PASS;
}

SEC("xdp")
int h_chain(struct xdp_md *ctx)
{
	add(1, 1);
	bpf_tail_call(ctx, &jmp_table, 1);
	return XDP_PASS;
}

struct loop_ctx { __u64 sum; __u32 stop; };

static long loop_cb(__u64 i, void *data)
{
	struct loop_ctx *c = data;
	c->sum += i * i;
	return i == c->stop ? 1 : 0;
}

SEC("xdp")
int h_loop(struct xdp_md *ctx)
{
	struct loop_ctx c = { .sum = 0, .stop = 1000 };
	long n = bpf_loop(10, loop_cb, &c, 0);
	put(2, c.sum);
	put(3, n);
	c.sum = 0; c.stop = 4;
	n = bpf_loop(10, loop_cb, &c, 0);
	put(4, c.sum);
	put(5, n);
	put(6, bpf_loop(10, loop_cb, &c, 1));
	return XDP_PASS;
}

static long each_cb(void *map, __u32 *key, __u64 *val, void *data)
{
	__u64 *sum = data;
	*sum += *val * (*key + 1);
	*val += 1;
	return *key == 5 ? 1 : 0;
}

SEC("xdp")
int h_foreach(struct xdp_md *ctx)
{
	for (__u32 k = 0; k < 8; k++) {
		__u64 v = k * 10;
		bpf_map_update_elem(&arr, &k, &v, BPF_ANY);
	}
	__u64 sum = 0;
	long n = bpf_for_each_map_elem(&arr, each_cb, &sum, 0);
	put(7, sum);
	put(8, n);
	return XDP_PASS;
}

SEC("xdp")
int h_str(struct xdp_md *ctx)
{
	char a[] = "  -123abc";
	char b[] = "0x1f";
	char c[] = "777";
	char d[] = "-5";
	long r = 0;
	unsigned long u = 0;
	put(9, bpf_strtol(a, sizeof(a), 0, &r));
	put(10, r);
	put(11, bpf_strtoul(b, sizeof(b), 0, &u));
	put(12, u);
	put(13, bpf_strtoul(c, sizeof(c), 8, &u));
	put(14, u);
	put(15, bpf_strtoul(d, sizeof(d), 10, &u));
	put(16, bpf_strtol(b, sizeof(b), 3, &r));
	put(17, bpf_strncmp(a, 5, "  -12"));
	put(18, bpf_strncmp(b, 4, "0x2f"));
	return XDP_PASS;
}

static const char fmt1[] = "%d-%s-%x|%5u|%-4d|%llx";
static const char hi[] = "hi";

SEC("xdp")
int h_snprintf(struct xdp_md *ctx)
{
	__u32 k = 0;
	char *out = bpf_map_lookup_elem(&strbuf, &k);
	if (!out) return XDP_ABORTED;
	__u64 args[6] = { -42, (__u64)(long)hi, 0xbeef, 7, 3, 0x1122334455667788ULL };
	put(19, bpf_snprintf(out, 64, fmt1, args, sizeof(args)));
	k = 1;
	out = bpf_map_lookup_elem(&strbuf, &k);
	if (!out) return XDP_ABORTED;
	put(20, bpf_snprintf(out, 8, fmt1, args, sizeof(args)));
	return XDP_PASS;
}

SEC("xdp")
int h_queue(struct xdp_md *ctx)
{
	__u32 v;
	for (__u32 i = 1; i <= 5; i++) {
		v = i * 100;
		put(20 + i, bpf_map_push_elem(&queue, &v, 0));
	}
	v = 0;
	put(26, bpf_map_pop_elem(&queue, &v));
	put(27, v);
	v = 0;
	put(28, bpf_map_peek_elem(&queue, &v));
	put(29, v);
	return XDP_PASS;
}

SEC("xdp")
int h_ringbuf(struct xdp_md *ctx)
{
	__u64 x = 0xabcdef;
	put(30, bpf_ringbuf_output(&rb, &x, sizeof(x), 0));
	__u64 *r = bpf_ringbuf_reserve(&rb, 16, 0);
	if (!r) return XDP_ABORTED;
	r[0] = 1; r[1] = 2;
	bpf_ringbuf_submit(r, 0);
	put(31, bpf_ringbuf_query(&rb, BPF_RB_AVAIL_DATA));
	return XDP_PASS;
}

SEC("xdp")
int h_lock(struct xdp_md *ctx)
{
	__u32 k = 0;
	struct locked *l = bpf_map_lookup_elem(&locks, &k);
	if (!l) return XDP_ABORTED;
	bpf_spin_lock(&l->l);
	l->cnt += 3;
	bpf_spin_unlock(&l->l);
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
