// bpf_snprintf formats (the engine bpf_trace_printk shares): conversions, flags, widths,
// pointers, IP addresses (formats the kernel refuses are refused at load time, by the verifier). Each result's return value goes
// to `rets`, the text to `texts`.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define N 16

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, N);
	__type(key, __u32);
	__type(value, __s64);
} rets SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, N);
	__type(key, __u32);
	__type(value, char[96]);
} texts SEC(".maps");

static const char f0[] = "%d %i %u %x %X";
static const char f1[] = "%ld %lu %lld %llu %llx";
static const char f2[] = "[%5d] [%-5d] [%05d] [%+d] [% d]";
static const char f3[] = "%c%c%c %s|%10s|%-4s|";
static const char f4[] = "%pI4 %pi4 %pI6 %pi6";
static const char f5[] = "100%% %d";
static const char f7[] = "%d %d %d %d";
static const char f8[] = "%lx %llX";
static const char f10[] = "%5u|%-8x|%08llx";
static const char f11[] = "tab\there";
static const char s_hi[] = "hi";
static const unsigned char ip4[4] = { 192, 168, 1, 20 };
static const unsigned char ip6[16] = { 0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };

static __always_inline void one(__u32 k, const char *fmt, __u32 fmt_size, __u64 *args, __u32 nargs)
{
	char *out = bpf_map_lookup_elem(&texts, &k);
	if (!out) return;
	__s64 r = bpf_snprintf(out, 96, fmt, args, nargs * 8);
	bpf_map_update_elem(&rets, &k, &r, BPF_ANY);
}

SEC("xdp")
int fmt(struct xdp_md *ctx)
{
	__u64 a[6];
	a[0] = -5; a[1] = 0x80000000; a[2] = -1; a[3] = 0xabc; a[4] = 0xabc;
	one(0, f0, sizeof(f0), a, 5);
	a[0] = -5; a[1] = -1; a[2] = 1ULL << 40; a[3] = -2; a[4] = 0xdeadbeefcafeULL;
	one(1, f1, sizeof(f1), a, 5);
	a[0] = 42; a[1] = 42; a[2] = -42; a[3] = 7; a[4] = 7;
	one(2, f2, sizeof(f2), a, 5);
	a[0] = 'a'; a[1] = 'b' + 256; a[2] = '!'; a[3] = (__u64)(long)s_hi; a[4] = (__u64)(long)s_hi; a[5] = (__u64)(long)s_hi;
	one(3, f3, sizeof(f3), a, 6);
	a[0] = (__u64)(long)ip4; a[1] = (__u64)(long)ip4; a[2] = (__u64)(long)ip6; a[3] = (__u64)(long)ip6;
	one(4, f4, sizeof(f4), a, 4);
	a[0] = 3;
	one(5, f5, sizeof(f5), a, 1);
	a[0] = 1; a[1] = 2; a[2] = 3; a[3] = 4;
	one(7, f7, sizeof(f7), a, 4);
	a[0] = 0xfff; a[1] = 0xabcdef;
	one(8, f8, sizeof(f8), a, 2);
	a[0] = 9; a[1] = 0xbeef; a[2] = 0x1234;
	one(10, f10, sizeof(f10), a, 3);
	one(11, f11, sizeof(f11), a, 0);
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
