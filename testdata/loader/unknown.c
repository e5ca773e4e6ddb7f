// A program in a section libbpf's table does not know (needs an explicit override).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("my_custom/hook")
int custom_prog(void *ctx)
{
	return 1;
}

char LICENSE[] SEC("license") = "GPL";
