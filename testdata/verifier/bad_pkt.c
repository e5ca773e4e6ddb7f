// Rejected: reads byte 14 after checking only 14 bytes.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int bad_pkt(struct xdp_md *ctx)
{
	unsigned char *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	if (data + 14 > data_end)
		return XDP_PASS;
	return data[14] == 8 ? XDP_DROP : XDP_PASS;
}

char _license[] SEC("license") = "GPL";
