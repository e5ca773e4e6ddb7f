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

enum task_state { TASK_RUNNING = 0, TASK_DEAD = 128 };

SEC("kprobe/do_exit")
int core_read(struct task_struct *t)
{
	int ppid = BPF_CORE_READ(t, parent, tgid);

	if (bpf_core_field_exists(t->pid))
		ppid += bpf_core_field_size(t->pid);
	if (bpf_core_type_exists(struct task_struct))
		ppid += 1;
	ppid += bpf_core_enum_value(enum task_state, TASK_DEAD);
	return ppid;
}

char LICENSE[] SEC("license") = "GPL";
