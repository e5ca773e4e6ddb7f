// The verifier on the socket / cgroup program types, differential against the kernel
// (src/verifier/testing.ts kernelLoad: the same bytecode and maps through BPF_PROG_LOAD):
// socket pointers from ctx->sk, sockmap lookups (a referenced socket once NULL-checked),
// bpf_sk_storage_get's socket argument (the ctx itself in cgroup/sock programs), return
// ranges per attach type. Verdicts must agree; messages too where marked. The kernel part
// skips cleanly without a kernel.
import { describe, expect, it } from 'vitest';
import { kernel } from '../../test/support/kernel.js';
import { verifyProgram } from '../verifier/index.js';
import { asmProgram, kernelErrorText, kernelLoad, mapSpec } from '../verifier/testing.js';

const SOCKMAP = () => mapSpec('socks', 15, 4, 8, 4);
const STORAGE = () => mapSpec('store', 24, 4, 8, 0, 1); // sk_storage, BPF_F_NO_PREALLOC

interface Case { name: string; type: number; attach: number; asm: string; maps?: () => ReturnType<typeof mapSpec>[]; ok: boolean; msg?: string }

const LOOKUP = `r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map[socks] ll
call 1
`;

const CASES: Case[] = [
  { name: 'sk_lookup: a sockmap lookup holds a reference', type: 30, attach: 36, maps: () => [SOCKMAP()], ok: false,
    msg: 'Unreleased reference id=2 alloc_insn=6\nBPF_EXIT instruction in main prog would lead to reference leak', asm: `${LOOKUP}r0 = 1\nexit` },
  { name: 'sk_lookup: NULL-checked, read, assigned and released', type: 30, attach: 36, maps: () => [SOCKMAP()], ok: true, asm: `r6 = r1
${LOOKUP}if r0 == 0 goto out
r7 = r0
r1 = *(u32 *)(r7 + 4)
r1 = r6
r2 = r7
r3 = 0
call 124
r1 = r7
call 86
out:
r0 = 1
exit` },
  { name: 'sk_lookup: a released socket is gone', type: 30, attach: 36, maps: () => [SOCKMAP()], ok: false, asm: `${LOOKUP}if r0 == 0 goto out
r7 = r0
r1 = r0
call 86
r0 = *(u32 *)(r7 + 4)
out:
r0 = 1
exit` },
  { name: 'connect4: bpf_sk_storage_get(ctx->sk)', type: 18, attach: 10, maps: () => [STORAGE()], ok: true, asm: `r2 = *(u64 *)(r1 + 64)
r1 = map[store] ll
r3 = 0
r4 = 0
call 107
r0 = 1
exit` },
  { name: 'connect4: bpf_sk_storage_get(ctx) is refused', type: 18, attach: 10, maps: () => [STORAGE()], ok: false, asm: `r2 = r1
r1 = map[store] ll
r3 = 0
r4 = 0
call 107
r0 = 1
exit` },
  { name: 'cgroup/sock: bpf_sk_storage_get(ctx)', type: 9, attach: 2, maps: () => [STORAGE()], ok: true, asm: `r2 = r1
r1 = map[store] ll
r3 = 0
r4 = 0
call 107
r0 = 1
exit` },
  { name: 'sock_ops: ctx->sk needs a NULL check', type: 13, attach: 0, ok: false, msg: "R2 invalid mem access 'sock_or_null'", asm: `r2 = *(u64 *)(r1 + 184)
r0 = *(u32 *)(r2 + 4)
r0 = 1
exit` },
  { name: 'sock_ops: bpf_tcp_sock(ctx->sk) fields', type: 13, attach: 0, ok: true, asm: `r1 = *(u64 *)(r1 + 184)
if r1 == 0 goto out
call 96
if r0 == 0 goto out
r1 = *(u64 *)(r0 + 88)
out:
r0 = 1
exit` },
  { name: 'sock_ops: narrow tcp_sock load', type: 13, attach: 0, ok: false, msg: 'R0 invalid tcp_sock access off=0 size=2', asm: `r1 = *(u64 *)(r1 + 184)
if r1 == 0 goto out
call 96
if r0 == 0 goto out
r1 = *(u16 *)(r0 + 0)
out:
r0 = 1
exit` },
  { name: 'sendmsg4 may not return 2', type: 18, attach: 14, ok: false, msg: 'At program exit the register R0 has smin=2 smax=2 should have been in [0, 1]', asm: 'r0 = 2\nexit' },
  { name: 'bind4 may return 3', type: 18, attach: 8, ok: true, asm: 'r0 = 3\nexit' },
  { name: 'recvmsg4 must return 1', type: 18, attach: 19, ok: false, msg: 'At program exit the register R0 has smin=0 smax=0 should have been in [1, 1]', asm: 'r0 = 0\nexit' },
  { name: 'connect4 cannot write user_ip6', type: 18, attach: 10, ok: false, msg: 'invalid bpf_context access off=8 size=4', asm: 'r0 = 0\n*(u32 *)(r1 + 8) = r0\nr0 = 1\nexit' },
  { name: 'sendmsg6 writes msg_src_ip6 in 8 bytes', type: 18, attach: 15, ok: true, asm: 'r0 = 0\n*(u64 *)(r1 + 48) = r0\nr0 = 1\nexit' },
  { name: 'getsockopt writes the optval packet', type: 25, attach: 21, ok: true, asm: `r2 = *(u64 *)(r1 + 8)
r3 = *(u64 *)(r1 + 16)
r4 = r2
r4 += 1
if r4 > r3 goto out
r0 = 1
*(u8 *)(r2 + 0) = r0
out:
r0 = 1
exit` },
  { name: 'sockmap delete from sk_skb is refused (may_update_sockmap)', type: 14, attach: 0, maps: () => [SOCKMAP()], ok: false,
    msg: 'cannot update sockmap in this context\ncannot pass map_type 15 into func bpf_map_delete_elem#3',
    asm: 'r1 = 0\n*(u32 *)(r10 - 4) = r1\nr2 = r10\nr2 += -4\nr1 = map[socks] ll\ncall 3\nr0 = 1\nexit' },
  { name: 'sockmap delete from sock_ops', type: 13, attach: 0, maps: () => [SOCKMAP()], ok: true,
    asm: 'r1 = 0\n*(u32 *)(r10 - 4) = r1\nr2 = r10\nr2 += -4\nr1 = map[socks] ll\ncall 3\nr0 = 1\nexit' },
  { name: 'sockmap update takes a socket, not stack memory', type: 3, attach: 0, maps: () => [SOCKMAP()], ok: false,
    msg: 'R3 type=fp expected=sock_common, sock, tcp_sock, xdp_sock, ptr_, trusted_ptr_',
    asm: 'r1 = 0\n*(u32 *)(r10 - 4) = r1\n*(u64 *)(r10 - 16) = r1\nr2 = r10\nr2 += -4\nr3 = r10\nr3 += -16\nr1 = map[socks] ll\nr4 = 0\ncall 2\nr0 = 1\nexit' },
  { name: 'sockmap update with skb->sk', type: 3, attach: 0, maps: () => [SOCKMAP()], ok: true, asm: `r3 = *(u64 *)(r1 + 168)
if r3 == 0 goto out
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
r1 = map[socks] ll
r4 = 0
call 2
out:
r0 = 1
exit` },
  { name: 'sk_storage maps only through their helpers', type: 3, attach: 0, maps: () => [STORAGE()], ok: false,
    msg: 'cannot pass map_type 24 into func bpf_map_lookup_elem#1',
    asm: 'r1 = 0\n*(u32 *)(r10 - 4) = r1\nr2 = r10\nr2 += -4\nr1 = map[store] ll\ncall 1\nr0 = 1\nexit' },
  { name: 'sk_msg: ctx->sk is never NULL', type: 16, attach: 7, ok: true, asm: 'r2 = *(u64 *)(r1 + 72)\nr0 = *(u32 *)(r2 + 4)\nr0 = 1\nexit' },
];

describe('verifier on the socket and cgroup types', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const { prog, maps } = asmProgram(c.asm, { type: c.type, expectedAttachType: c.attach, maps: c.maps?.() ?? [] });
      const ours = verifyProgram(prog, maps, { logLevel: 1 });
      expect(ours.ok, ours.log.slice(-600)).toBe(c.ok);
      if (c.msg) expect(ours.error?.message).toBe(c.msg);
      if (!kernel.available) return;
      const k = kernelLoad(prog, maps, 1);
      expect(k, 'kernel harness').toBeDefined();
      // sk_storage maps need BTF, which the harness does not create: those verdicts are checked
      // with the same programs in testdata/runtime/more_rt.o (loaded by bpftool)
      if ((k as { stage?: string }).stage === 'map_create') return;
      expect(k!.ok, k!.log.slice(-600)).toBe(c.ok);
      if (c.msg) expect(kernelErrorText(k!.log)).toBe(c.msg);
    });
  }
});
