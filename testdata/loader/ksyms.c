// Uses a .ksyms extern (a typeless kernel symbol), which tsbpf cannot provide.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

extern const void bpf_prog_active __ksym;

SEC("socket")
int ksym(void *ctx)
{
	const void *p = &bpf_prog_active;

	asm volatile("" : "+r"(p));
	return p != 0;
}

char LICENSE[] SEC("license") = "GPL";
