// Tracing programs (kprobe, tracepoint, perf_event, raw_tracepoint) run on caller-supplied
// contexts: printk, current task, probe_read over caller memory, ctx reads.
#include <linux/bpf.h>
#include <linux/bpf_perf_event.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u64);
} out SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, char[32]);
} names SEC(".maps");

static __always_inline void put(__u32 k, __u64 v)
{
	bpf_map_update_elem(&out, &k, &v, BPF_ANY);
}

SEC("kprobe/do_nanosleep")
int kp(struct pt_regs *ctx)
{
	__u64 a = PT_REGS_PARM1(ctx), b = PT_REGS_PARM2(ctx);
	bpf_printk("arg %lu pid %d", a, (__u32)(bpf_get_current_pid_tgid() >> 32));
	__u64 v = 0;
	put(0, bpf_probe_read_kernel(&v, sizeof(v), (void *)a));
	put(1, v);
	__u32 k = 0;
	char *n = bpf_map_lookup_elem(&names, &k);
	if (n) {
		bpf_get_current_comm(n, 16);
		put(2, bpf_probe_read_kernel_str(n + 16, 16, (void *)b));
	}
	put(3, bpf_get_current_uid_gid());
	return a & 0xff;
}

struct sys_enter_args { __u64 common; long id; unsigned long args[6]; };

SEC("tracepoint/raw_syscalls/sys_enter")
int tp(struct sys_enter_args *ctx)
{
	put(4, ctx->id);
	return ctx->args[0] + ctx->args[1];
}

SEC("perf_event")
int pe(struct bpf_perf_event_data *ctx)
{
	put(5, ctx->sample_period);
	return ctx->regs.rip & 0xffff;
}

SEC("raw_tracepoint/sys_enter")
int rtp(struct bpf_raw_tracepoint_args *ctx)
{
	return ctx->args[0] + ctx->args[1] * 2;
}

char _license[] SEC("license") = "GPL";
