// mapprobe: drive one kernel BPF map from a line-oriented script on stdin (for the maps
// module's kernel-differential tests of operations bpftool cannot express: batch
// operations, map_extra, lookups of bloom filters by value). Built at test time with
// `cc -o mapprobe mapprobe.c -lbpf`; the tests skip when that is not possible.
//
// Commands (hex byte strings, "-" for none), one result line each:
//   create TYPE KEY_SIZE VALUE_SIZE MAX_ENTRIES FLAGS MAP_EXTRA   -> ok | err ERRNO
//   update KEY VALUE FLAGS | lookup KEY FLAGS | delete KEY | next KEY
//   lookupv VALUE   (lookup with the value buffer as input: bloom filter peek)
//   push VALUE FLAGS | pop | ldel KEY FLAGS (lookup and delete)
//   lbatch IN COUNT | ldbatch IN COUNT   -> ret ERRNO count N out HEX keys K,.. vals V,..
//                                           (other errors than ENOENT/ENOSPC: ret ERRNO)
//   ubatch FLAGS K V [K V ...] | dbatch K [K ...]   -> ret ERRNO count N
//   inner TYPE KEY_SIZE VALUE_SIZE MAX_ENTRIES FLAGS   (another map; the newest one is the
//                                                      template of map-in-map creates)
//   updatem KEY INNER_INDEX FLAGS | lookupm KEY       (map-in-map values; ids are not printed,
//                                                      batch values of map-in-map print as "(ids)")
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int fd = -1;
static int inners[64], ninner;
static unsigned ks, vs, vsz, mtype;

static int unhex(const char *s, unsigned char *out, unsigned max) {
	if (!strcmp(s, "-")) return 0;
	unsigned n = strlen(s) / 2;
	if (n > max) n = max;
	for (unsigned i = 0; i < n; i++) sscanf(s + 2 * i, "%2hhx", &out[i]);
	return n;
}

static void hex(const unsigned char *b, unsigned n) {
	if (!n) { printf("-"); return; }
	for (unsigned i = 0; i < n; i++) printf("%02x", b[i]);
}

static void res(int r) {
	if (r) printf("err %d\n", errno); else printf("ok\n");
}

int main(void) {
	char line[65536];
	setvbuf(stdout, NULL, _IOLBF, 0);
	static unsigned char k[4096], v[1 << 20], keys[1 << 20], vals[1 << 22], in[64], out[64];
	while (fgets(line, sizeof line, stdin)) {
		char *argv[512]; int argc = 0;
		for (char *t = strtok(line, " \n"); t && argc < 512; t = strtok(NULL, " \n")) argv[argc++] = t;
		if (!argc) continue;
		const char *c = argv[0];
		if (!strcmp(c, "create") && argc >= 7) {
			LIBBPF_OPTS(bpf_map_create_opts, o, .map_flags = strtoul(argv[5], 0, 0), .map_extra = strtoull(argv[6], 0, 0));
			ks = strtoul(argv[2], 0, 0); vs = strtoul(argv[3], 0, 0);
			int type = strtoul(argv[1], 0, 0);
			mtype = type;
			if ((type == 12 || type == 13) && ninner) o.inner_map_fd = inners[ninner - 1];
			int ncpu = libbpf_num_possible_cpus();
			vsz = (type == 5 || type == 6 || type == 10) ? ((vs + 7) & ~7u) * ncpu : vs;
			if (fd >= 0) close(fd);
			fd = bpf_map_create(type, "probe", ks, vs, strtoul(argv[4], 0, 0), &o);
			if (fd < 0) printf("err %d\n", errno); else printf("ok\n");
		} else if (!strcmp(c, "inner") && argc >= 6 && ninner < 64) {
			int f = bpf_map_create(strtoul(argv[1], 0, 0), "inner", strtoul(argv[2], 0, 0), strtoul(argv[3], 0, 0), strtoul(argv[4], 0, 0), &(struct bpf_map_create_opts){ .sz = sizeof(struct bpf_map_create_opts), .map_flags = strtoul(argv[5], 0, 0) });
			if (f < 0) printf("err %d\n", errno); else { inners[ninner++] = f; printf("ok\n"); }
		} else if (!strcmp(c, "updatem") && argc >= 4) {
			unhex(argv[1], k, sizeof k);
			int idx = strtoul(argv[2], 0, 0);
			__u32 f = idx < ninner ? (__u32)inners[idx] : 9999;
			res(bpf_map_update_elem(fd, k, &f, strtoull(argv[3], 0, 0)));
		} else if (!strcmp(c, "lookupm") && argc >= 2) {
			unhex(argv[1], k, sizeof k);
			res(bpf_map_lookup_elem(fd, k, v));
		} else if (!strcmp(c, "update") && argc >= 4) {
			unhex(argv[1], k, sizeof k); unhex(argv[2], v, sizeof v);
			res(bpf_map_update_elem(fd, k, v, strtoull(argv[3], 0, 0)));
		} else if (!strcmp(c, "push") && argc >= 3) {
			unhex(argv[1], v, sizeof v);
			res(bpf_map_update_elem(fd, NULL, v, strtoull(argv[2], 0, 0)));
		} else if (!strcmp(c, "lookup") && argc >= 3) {
			int has = unhex(argv[1], k, sizeof k);
			memset(v, 0, vsz);
			if (bpf_map_lookup_elem_flags(fd, has ? k : NULL, v, strtoull(argv[2], 0, 0))) printf("err %d\n", errno);
			else { printf("ok "); hex(v, vsz); printf("\n"); }
		} else if (!strcmp(c, "lookupv") && argc >= 2) {
			unhex(argv[1], v, sizeof v);
			res(bpf_map_lookup_elem(fd, NULL, v));
		} else if (!strcmp(c, "pop")) {
			if (bpf_map_lookup_and_delete_elem(fd, NULL, v)) printf("err %d\n", errno);
			else { printf("ok "); hex(v, vsz); printf("\n"); }
		} else if (!strcmp(c, "ldel") && argc >= 3) {
			int has = unhex(argv[1], k, sizeof k);
			memset(v, 0, vsz);
			if (bpf_map_lookup_and_delete_elem_flags(fd, has ? k : NULL, v, strtoull(argv[2], 0, 0))) printf("err %d\n", errno);
			else { printf("ok "); hex(v, vsz); printf("\n"); }
		} else if (!strcmp(c, "delete") && argc >= 2) {
			int has = unhex(argv[1], k, sizeof k);
			res(bpf_map_delete_elem(fd, has ? k : NULL));
		} else if (!strcmp(c, "next") && argc >= 2) {
			int has = unhex(argv[1], k, sizeof k);
			if (bpf_map_get_next_key(fd, has ? k : NULL, out)) printf("err %d\n", errno);
			else { printf("ok "); hex(out, ks); printf("\n"); }
		} else if ((!strcmp(c, "lbatch") || !strcmp(c, "ldbatch")) && argc >= 3) {
			int has = unhex(argv[1], in, sizeof in);
			__u32 count = strtoul(argv[2], 0, 0);
			memset(out, 0, sizeof out);
			int r = (!strcmp(c, "lbatch") ? bpf_map_lookup_batch : bpf_map_lookup_and_delete_batch)(fd, has ? in : NULL, out, keys, vals, &count, NULL);
			if (r && errno != ENOENT && errno != ENOSPC) { printf("ret %d\n", errno); continue; }
			printf("ret %d count %u out ", r ? errno : 0, count);
			hex(out, ks > 4 ? ks : 4);
			printf(" keys ");
			for (__u32 i = 0; i < count; i++) { if (i) printf(","); hex(keys + i * ks, ks); }
			printf(" vals ");
			if (mtype == 12 || mtype == 13) printf("(ids)"); /* map ids differ between runtimes */
			else for (__u32 i = 0; i < count; i++) { if (i) printf(","); hex(vals + i * vsz, vsz); }
			printf("\n");
		} else if (!strcmp(c, "ubatch") && argc >= 2) {
			__u32 n = (argc - 2) / 2;
			for (__u32 i = 0; i < n; i++) { unhex(argv[2 + 2 * i], keys + i * ks, ks); unhex(argv[3 + 2 * i], vals + i * vsz, vsz); }
			LIBBPF_OPTS(bpf_map_batch_opts, o, .elem_flags = strtoull(argv[1], 0, 0));
			int r = bpf_map_update_batch(fd, keys, vals, &n, &o);
			printf("ret %d count %u\n", r ? errno : 0, n);
		} else if (!strcmp(c, "dbatch")) {
			__u32 n = argc - 1;
			for (__u32 i = 0; i < n; i++) unhex(argv[1 + i], keys + i * ks, ks);
			int r = bpf_map_delete_batch(fd, keys, &n, NULL);
			printf("ret %d count %u\n", r ? errno : 0, n);
		} else {
			printf("bad command\n");
		}
	}
	return 0;
}
