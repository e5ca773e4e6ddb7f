// SPDX-License-Identifier: MIT
// Socket filter: keeps only TCP segments to or from port 80 or 443 (IPv4, no options
// assumed beyond IHL), truncated to the first 96 bytes; drops everything else (returns 0).
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define SNAP 96

static __always_inline int web_port(__u16 p)
{
	return p == 80 || p == 443;
}

SEC("socket")
int web_only(struct __sk_buff *skb)
{
	struct iphdr ip;
	__u16 ports[2];

	if (skb->protocol != bpf_htons(ETH_P_IP))
		return 0;
	if (bpf_skb_load_bytes_relative(skb, 0, &ip, sizeof(ip), BPF_HDR_START_NET))
		return 0;
	if (ip.protocol != IPPROTO_TCP)
		return 0;
	if (bpf_skb_load_bytes_relative(skb, ip.ihl * 4, ports, sizeof(ports), BPF_HDR_START_NET))
		return 0;
	if (!web_port(bpf_ntohs(ports[0])) && !web_port(bpf_ntohs(ports[1])))
		return 0;
	return skb->len < SNAP ? skb->len : SNAP;
}

char _license[] SEC("license") = "GPL";
