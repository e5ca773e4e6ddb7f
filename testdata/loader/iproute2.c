// iproute2's map definition (struct bpf_elf_map, 36 bytes) in the legacy `maps` section and
// tc's `classifier`/`action` sections, as `tc filter add ... bpf obj` takes them.
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

struct bpf_elf_map {
	__u32 type;
	__u32 size_key;
	__u32 size_value;
	__u32 max_elem;
	__u32 flags;
	__u32 id;
	__u32 pinning;
	__u32 inner_id;
	__u32 inner_idx;
};

#define PIN_GLOBAL_NS 2

struct bpf_elf_map SEC("maps") tc_stats = {
	.type = BPF_MAP_TYPE_ARRAY,
	.size_key = sizeof(__u32),
	.size_value = sizeof(__u64),
	.max_elem = 2,
	.pinning = PIN_GLOBAL_NS,
};

SEC("classifier")
int tc_count(struct __sk_buff *skb)
{
	__u32 k = skb->protocol == 8;
	__u64 *v = bpf_map_lookup_elem(&tc_stats, &k);

	if (v)
		__sync_fetch_and_add(v, 1);
	return TC_ACT_OK;
}

SEC("action")
int tc_act(struct __sk_buff *skb)
{
	return TC_ACT_PIPE;
}

char __license[] SEC("license") = "GPL";
