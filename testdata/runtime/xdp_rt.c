// XDP programs for the runtime's differential tests.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, __u64);
} proto_cnt SEC(".maps");

SEC("xdp")
int xdp_pass(struct xdp_md *ctx) { return XDP_PASS; }

/* swap the MAC addresses and bounce the frame */
SEC("xdp")
int xdp_swap(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	unsigned char tmp[ETH_ALEN];
	if ((void *)(eth + 1) > end) return XDP_DROP;
	__builtin_memcpy(tmp, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, tmp, ETH_ALEN);
	return XDP_TX;
}

/* count frames per IP protocol; drop non-IP */
SEC("xdp")
int xdp_count(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = data + sizeof(*eth);
	if ((void *)(ip + 1) > end) return XDP_ABORTED;
	if (eth->h_proto != bpf_htons(ETH_P_IP)) return XDP_DROP;
	__u32 key = ip->protocol;
	__u64 *v = bpf_map_lookup_elem(&proto_cnt, &key);
	if (v) __sync_fetch_and_add(v, 1);
	return XDP_PASS;
}

/* push a 4-byte tag in front of the frame */
SEC("xdp")
int xdp_head(struct xdp_md *ctx)
{
	if (bpf_xdp_adjust_head(ctx, -4)) return XDP_ABORTED;
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	if (data + 4 > end) return XDP_ABORTED;
	*(__u32 *)data = bpf_htonl(0xdeadbeef);
	return XDP_PASS;
}

/* strip the Ethernet header */
SEC("xdp")
int xdp_pop(struct xdp_md *ctx)
{
	if (bpf_xdp_adjust_head(ctx, ETH_HLEN)) return XDP_ABORTED;
	return XDP_PASS;
}

/* trim 4 bytes, then grow by 8 (grown bytes are zero) */
SEC("xdp")
int xdp_tail(struct xdp_md *ctx)
{
	if (bpf_xdp_adjust_tail(ctx, -4)) return XDP_ABORTED;
	if (bpf_xdp_adjust_tail(ctx, 8)) return XDP_DROP;
	return XDP_PASS;
}

/* 8 bytes of metadata before the frame */
SEC("xdp")
int xdp_meta(struct xdp_md *ctx)
{
	if (bpf_xdp_adjust_meta(ctx, -8)) return XDP_ABORTED;
	void *meta = (void *)(long)ctx->data_meta, *data = (void *)(long)ctx->data;
	if (meta + 8 > data) return XDP_ABORTED;
	*(__u64 *)meta = 0x1122334455667788ULL;
	return ctx->ingress_ifindex == 1 ? XDP_PASS : XDP_DROP;
}

SEC("xdp")
int xdp_redir(struct xdp_md *ctx) { return bpf_redirect(7, 0); }

/* reads the ctx fields into the frame */
SEC("xdp")
int xdp_fields(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	if (data + 16 > end) return XDP_ABORTED;
	((__u32 *)data)[0] = ctx->ingress_ifindex;
	((__u32 *)data)[1] = ctx->rx_queue_index;
	((__u32 *)data)[2] = (__u32)(end - data);
	((__u32 *)data)[3] = bpf_xdp_get_buff_len(ctx);
	return XDP_PASS;
}

/* xdp_load_bytes / store_bytes */
SEC("xdp")
int xdp_bytes(struct xdp_md *ctx)
{
	__u8 buf[6];
	if (bpf_xdp_load_bytes(ctx, 6, buf, 6)) return XDP_ABORTED;
	if (bpf_xdp_store_bytes(ctx, 0, buf, 6)) return XDP_ABORTED;
	if (bpf_xdp_load_bytes(ctx, 100000, buf, 6) != -22) return XDP_DROP;
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
