// strtol / strtoul / strncmp edge cases: overflow, signs, bases, prefixes, whitespace.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 40);
	__type(key, __u32);
	__type(value, __s64);
} sres SEC(".maps");

static __always_inline void put(__u32 k, __s64 v)
{
	bpf_map_update_elem(&sres, &k, &v, BPF_ANY);
}

#define L(i, s, base) do { char b[] = s; long r = 0; put(i, bpf_strtol(b, sizeof(b) - 1, base, &r)); put(i + 1, r); } while (0)
#define U(i, s, base) do { char b[] = s; unsigned long r = 0; put(i, bpf_strtoul(b, sizeof(b) - 1, base, &r)); put(i + 1, r); } while (0)

SEC("xdp")
int strs(struct xdp_md *ctx)
{
	L(0, "9223372036854775807", 10);
	L(2, "9223372036854775808", 10);
	L(4, "-9223372036854775808", 0);
	L(6, "99999999999999999999", 0);
	U(8, "18446744073709551615", 0);
	U(10, "18446744073709551616", 0);
	L(12, "0777", 0);
	L(14, "0x", 0);
	L(16, "0xZ", 16);
	U(18, " \t\n42 ", 10);
	L(20, "--5", 10);
	L(22, "   ", 10);
	U(24, "ff", 16);
	U(26, "0XFF", 16);
	L(28, "12", 7);
	L(30, "08", 0);
	char a[] = "abc";
	put(32, bpf_strncmp(a, 3, "abd"));
	put(33, bpf_strncmp(a, 2, "abd"));
	put(34, bpf_strncmp(a, 4, "ab"));
	put(35, bpf_strncmp(a, 1, "b"));
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
