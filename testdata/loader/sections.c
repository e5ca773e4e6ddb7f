// One trivial program per interesting section name of libbpf's table (section → program
// type / expected attach type / flags). Not all are loadable by the kernel or by older
// libbpf versions; the loader tests only parse this one.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

/* pinning by name: libbpf would pin this under /sys/fs/bpf when loading */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 128);
	__uint(key_size, 4);
	__uint(value_size, 8);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__uint(numa_node, 0);
} pinned_lru SEC(".maps");

#define P(sec, fn) SEC(sec) int fn(void *ctx) { return 0; }

P("socket", s_socket)
P("xdp", s_xdp)
P("xdp.frags", s_xdp_frags)
P("xdp/devmap", s_xdp_devmap)
P("xdp.frags/cpumap", s_xdp_frags_cpumap)
P("tc", s_tc)
P("tc/ingress", s_tc_ingress)
P("tcx/egress", s_tcx_egress)
P("classifier", s_classifier)
P("action", s_action)
P("cgroup_skb/ingress", s_cgroup_skb_ingress)
P("cgroup/skb", s_cgroup_skb)
P("sk_skb/stream_verdict", s_sk_skb_verdict)
P("sk_msg", s_sk_msg)
P("sockops", s_sockops)
P("flow_dissector", s_flow_dissector)
P("lwt_in", s_lwt_in)
P("lwt_xmit", s_lwt_xmit)
P("kprobe/do_sys_open", s_kprobe)
P("kretprobe/do_sys_open", s_kretprobe)
P("uprobe.s/bin/true:main", s_uprobe_s)
P("tracepoint/sched/sched_switch", s_tracepoint)
P("tp/sched/sched_switch", s_tp)
P("raw_tp/sched_switch", s_raw_tp)
P("raw_tracepoint.w/foo", s_raw_tp_w)
P("perf_event", s_perf_event)
P("fentry/do_unlinkat", s_fentry)
P("fexit/do_unlinkat", s_fexit)
P("lsm.s/file_open", s_lsm_s)
P("iter/task", s_iter)
P("cgroup/connect4", s_connect4)
P("sk_lookup", s_sk_lookup)
P("syscall", s_syscall)
P("?xdp", s_optional)

char LICENSE[] SEC("license") = "GPL";
