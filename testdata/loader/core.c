// CO-RE relocations (BPF_CORE_READ, field/type existence, sizes, enum values) recorded in
// .BTF.ext. tsbpf decodes them; it does not apply them (instructions keep the values clang
// computed from these local type definitions).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

struct task_struct {
	int pid;
	int tgid;
	struct task_struct *parent;
} __attribute__((preserve_access_index));

/* a bitfield, read through CO-RE (byte size, shifts, signedness from the target) */
struct sk_buff {
	__u8 pkt_type:3;
} __attribute__((preserve_access_index));

/* a flavour of the kernel's enum xdp_action with different values: CO-RE gives the kernel's */
enum xdp_action___local { XDP_ABORTED___local = 100, XDP_PASS___local = 102 };
/* a type the kernel does not have */
struct no_such_kernel_struct { int x; } __attribute__((preserve_access_index));

SEC("kprobe/kfree_skb")
int core_bitfield(struct sk_buff *skb)
{
	return BPF_CORE_READ_BITFIELD_PROBED(skb, pkt_type);
}

SEC("kprobe/do_exit")
int core_read(struct task_struct *t)
{
	int ppid = BPF_CORE_READ(t, parent, tgid);

	if (bpf_core_field_exists(t->pid))
		ppid += bpf_core_field_size(t->pid);
	if (bpf_core_type_exists(struct task_struct))
		ppid += 1;
	ppid += bpf_core_enum_value(enum xdp_action___local, XDP_PASS___local);
	if (bpf_core_type_exists(struct no_such_kernel_struct))
		ppid += 1000;
	return ppid;
}

char LICENSE[] SEC("license") = "GPL";
