// Accepted: bpf_spin_lock / bpf_spin_unlock around an update of a map value holding a lock.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct locked { struct bpf_spin_lock l; __u32 pad; __u64 cnt; };

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct locked);
} locks SEC(".maps");

SEC("tc")
int spin_lock(struct __sk_buff *skb)
{
	__u32 k = 0;
	struct locked *v = bpf_map_lookup_elem(&locks, &k);
	if (!v)
		return 0;
	bpf_spin_lock(&v->l);
	v->cnt += 1;
	bpf_spin_unlock(&v->l);
	return 0;
}

char _license[] SEC("license") = "GPL";
