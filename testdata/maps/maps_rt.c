// Program-side map semantics, run by the kernel (bpftool prog run) and by tsbpf on the same
// packets, then results and map dumps compared (src/maps/programs.kernel.test.ts).
// Each program reads an operation from the first bytes of the packet:
//   data[0] = op, data[1] = key, data[2] = value, data[3] = update flags, data[4..] = extra.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct bpf_map;

char LICENSE[] SEC("license") = "GPL";

struct lpm_key {
	__u32 prefixlen;
	__u8 addr[4];
};

struct { __uint(type, BPF_MAP_TYPE_LRU_HASH); __uint(max_entries, 16); __type(key, __u32); __type(value, __u32); __uint(map_flags, BPF_F_ZERO_SEED); } lru SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 8); __type(key, __u32); __type(value, __u64); __uint(map_flags, BPF_F_ZERO_SEED); } hash SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_LPM_TRIE); __uint(max_entries, 16); __type(key, struct lpm_key); __type(value, __u32); __uint(map_flags, BPF_F_NO_PREALLOC); } lpm SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 16); __type(key, __u32); __type(value, __u32); } order SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_QUEUE); __uint(max_entries, 4); __type(value, __u32); } q SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_STACK); __uint(max_entries, 4); __type(value, __u32); } st SEC(".maps");

#define OPS(ctx, n)                                                   \
	__u8 *d = (void *)(long)(ctx)->data;                          \
	if ((void *)(d + (n)) > (void *)(long)(ctx)->data_end)        \
		return 0xeeee;

SEC("xdp")
int lru_op(struct xdp_md *ctx)
{
	OPS(ctx, 4);
	__u32 k = d[1], v = d[2];
	if (d[0] == 0) {
		__u32 *p = bpf_map_lookup_elem(&lru, &k); /* sets the reference bit */
		return p ? *p : 0xffff;
	}
	if (d[0] == 1)
		return bpf_map_update_elem(&lru, &k, &v, d[3]);
	return bpf_map_delete_elem(&lru, &k);
}

SEC("xdp")
int hash_op(struct xdp_md *ctx)
{
	OPS(ctx, 4);
	__u32 k = d[1];
	__u64 v = d[2];
	if (d[0] == 0) {
		__u64 *p = bpf_map_lookup_elem(&hash, &k);
		if (!p)
			return 0xffff;
		*p += 100; /* written through the pointer */
		return *p;
	}
	if (d[0] == 1)
		return bpf_map_update_elem(&hash, &k, &v, d[3]);
	return bpf_map_delete_elem(&hash, &k);
}

SEC("xdp")
int lpm_op(struct xdp_md *ctx)
{
	OPS(ctx, 8);
	struct lpm_key key = { .prefixlen = d[1] };
	__u32 v = d[2];
	key.addr[0] = d[4]; key.addr[1] = d[5]; key.addr[2] = d[6]; key.addr[3] = d[7];
	if (d[0] == 0) {
		__u32 *p = bpf_map_lookup_elem(&lpm, &key);
		return p ? *p : 0xffff;
	}
	if (d[0] == 1)
		return bpf_map_update_elem(&lpm, &key, &v, d[3]);
	return bpf_map_delete_elem(&lpm, &key);
}

struct walk_ctx { __u32 n; };

static long record(struct bpf_map *map, __u32 *key, __u64 *val, struct walk_ctx *c)
{
	__u32 i = c->n++;
	__u32 k = *key;
	bpf_map_update_elem(&order, &i, &k, BPF_ANY);
	return *key == 0xff; /* stop at key 255 */
}

SEC("xdp")
int walk(struct xdp_md *ctx)
{
	struct walk_ctx c = { 0 };
	long n = bpf_for_each_map_elem(&hash, record, &c, 0);
	return n * 1000 + c.n;
}

SEC("xdp")
int queue_op(struct xdp_md *ctx)
{
	OPS(ctx, 4);
	__u32 v = d[2];
	void *m = d[1] ? (void *)&st : (void *)&q;
	if (d[0] == 0)
		return bpf_map_push_elem(m, &v, d[3]);
	if (d[0] == 1) {
		long r = bpf_map_pop_elem(m, &v);
		return r ? r : v;
	}
	long r = bpf_map_peek_elem(m, &v);
	return r ? r : v;
}

struct { __uint(type, BPF_MAP_TYPE_RINGBUF); __uint(max_entries, 4096); } rb SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY); __uint(max_entries, 4); __type(key, __u32); __type(value, __u32); } pcpu SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_PERCPU_HASH); __uint(max_entries, 4); __type(key, __u32); __type(value, __u64); __uint(map_flags, BPF_F_ZERO_SEED); } pch SEC(".maps");

/* ring buffer accounting without a consumer: output / reserve+submit|discard / query */
SEC("xdp")
int rb_op(struct xdp_md *ctx)
{
	OPS(ctx, 4);
	if (d[0] == 0) {
		__u8 buf[64] = {};
		__u32 n = d[1] & 63;
		buf[0] = d[2];
		return bpf_ringbuf_output(&rb, buf, n, d[3]);
	}
	if (d[0] == 1) {
		__u8 *p = bpf_ringbuf_reserve(&rb, 1000, 0);
		if (!p)
			return 0xcccc;
		p[0] = d[1];
		if (d[2])
			bpf_ringbuf_discard(p, 0);
		else
			bpf_ringbuf_submit(p, 0);
		return 1;
	}
	return bpf_ringbuf_query(&rb, d[1]);
}

/* per-CPU maps from a program on CPU 0: increment, then read another CPU's slot */
SEC("xdp")
int pcpu_op(struct xdp_md *ctx)
{
	OPS(ctx, 4);
	__u32 k = d[1] & 3;
	if (d[0] == 0) {
		__u32 *p = bpf_map_lookup_elem(&pcpu, &k);
		if (!p)
			return 0xffff;
		*p += d[2];
		return *p;
	}
	if (d[0] == 1) {
		__u32 *p = bpf_map_lookup_percpu_elem(&pcpu, &k, d[2]);
		return p ? *p : 0xffff;
	}
	if (d[0] == 2) {
		__u64 v = d[2];
		return bpf_map_update_elem(&pch, &k, &v, d[3]);
	}
	__u64 *p = bpf_map_lookup_percpu_elem(&pch, &k, d[2]);
	return p ? (__u32)*p : 0xffff;
}

/* map-in-map: array of maps and hash of maps initialised with inner maps (libbpf .values) */
struct inner_map {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u32);
};
struct inner_map in0 SEC(".maps"), in1 SEC(".maps");
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 3);
	__type(key, __u32);
	__array(values, struct inner_map);
} outer SEC(".maps") = { .values = { &in0, &in1 } };
struct {
	__uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
	__uint(max_entries, 4);
	__type(key, __u32);
	__uint(map_flags, BPF_F_ZERO_SEED);
	__array(values, struct inner_map);
} outer_h SEC(".maps") = { .values = { [2] = &in1 } };

SEC("xdp")
int mim_op(struct xdp_md *ctx)
{
	OPS(ctx, 4);
	__u32 o = d[1], k = d[2];
	void *inner = d[0] ? bpf_map_lookup_elem(&outer_h, &o) : bpf_map_lookup_elem(&outer, &o);
	if (!inner)
		return 0xffff;
	__u32 *p = bpf_map_lookup_elem(inner, &k);
	if (!p)
		return 0xfffe;
	*p += d[3];
	return *p;
}
