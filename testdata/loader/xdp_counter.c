// XDP packet counter: BTF-defined maps (hash, per-CPU array), global data in .data, .bss,
// .rodata and .rodata.str1.1, static and global subprograms in .text.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct proto_stats {
	__u64 packets;
	__u64 bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __u16);
	__type(value, struct proto_stats);
} proto_cnt SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} verdicts SEC(".maps");

__u64 total_packets = 0;          /* .bss */
__u32 drop_proto = 0x86dd;        /* .data */
volatile const __u32 min_len = 14; /* .rodata */

static __attribute__((noinline)) int count(__u16 proto, __u64 len)
{
	struct proto_stats *s, init = { 1, len };

	s = bpf_map_lookup_elem(&proto_cnt, &proto);
	if (s) {
		__sync_fetch_and_add(&s->packets, 1);
		__sync_fetch_and_add(&s->bytes, len);
	} else {
		bpf_map_update_elem(&proto_cnt, &proto, &init, BPF_ANY);
	}
	return 0;
}

__attribute__((noinline)) int classify(__u16 proto)
{
	if (proto == drop_proto)
		return XDP_DROP;
	return XDP_PASS;
}

SEC("xdp")
int count_proto(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	__u32 key;
	__u64 *v;
	int verdict;

	if (data + sizeof(*eth) > data_end || data_end - data < min_len) {
		bpf_trace_printk("short packet\n", sizeof("short packet\n"));
		return XDP_ABORTED;
	}
	total_packets++;
	count(bpf_ntohs(eth->h_proto), data_end - data);
	verdict = classify(bpf_ntohs(eth->h_proto));
	key = verdict;
	v = bpf_map_lookup_elem(&verdicts, &key);
	if (v)
		*v += 1;
	return verdict;
}

char LICENSE[] SEC("license") = "GPL";
