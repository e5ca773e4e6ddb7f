// Uses a .kconfig extern, which tsbpf cannot provide: parsing must say so clearly.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

extern unsigned int LINUX_KERNEL_VERSION __kconfig;

SEC("socket")
int kver(void *ctx)
{
	return LINUX_KERNEL_VERSION > 0x050000;
}

char LICENSE[] SEC("license") = "GPL";
