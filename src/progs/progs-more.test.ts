// The program types probed by testdata/runtime/probe/ctx-more.py (socket, cgroup, lwt,
// sk_skb, flow_dissector, sk_lookup, sk_reuseport hooks, per expected attach type) against
// what tsbpf describes: every (offset, size) load / store / immediate store, the register
// type a load yields, the return values accepted, the helpers allowed, direct packet access
// and LD_ABS. The JSON is the kernel's answer, recorded once (needs root to re-record).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { progTypeInfo } from './index.js';
import type { CtxValueType } from './types.js';
import { makeInsn, type Insn } from '../isa/insn.js';
import { Op } from '../isa/opcodes.js';
import type { ProgramSpec } from '../loader/types.js';
import { loadProgram } from '../runtime/collection.js';
import { TestRunError } from '../runtime/errors.js';
import { Runtime } from '../runtime/runtime.js';
import { kernelVerifier } from '../runtime/verify.js';
import { flowKeysAccess, sockPtrAccess, type SockPtrKind } from './sockptr.js';

interface Case {
  type: number; attach: number; probed: number; reads: Record<string, string>; writes: string[]; stores: string[];
  ret: number[]; helpers: number[]; packet: 'none' | 'read' | 'write'; ldAbs: boolean;
  /** errno of BPF_PROG_TEST_RUN with 64 bytes of data_in (0: it ran). */
  testRun: number | null;
}
const kctx = JSON.parse(readFileSync(new URL('../../testdata/runtime/kernel-ctx-more.json', import.meta.url), 'utf8')) as
  { kernel: string; cases: Record<string, Case>; ldAbs: Record<string, boolean>; attach: Record<string, number[]> };
const MAX_HELPER = 212;

/** How the kernel's verifier log spells what a ctx load of this kind yields. */
const KERNEL_REG: Record<CtxValueType, string> = {
  scalar: 'scalar', pkt: 'pkt', pkt_meta: 'pkt_meta', pkt_end: 'pkt_end', sock_common_or_null: 'sock_common_or_null',
  socket_or_null: 'sock_or_null', socket: 'sock', flow_keys: 'flow_keys', btf_id: 'ptr_',
};

export function ctxDiffs(c: Case): string[] {
  const info = progTypeInfo(c.type)!;
  const writes = new Set(c.writes);
  const stores = new Set(c.stores);
  const diffs: string[] = [];
  for (const size of [1, 2, 4, 8]) {
    for (let off = 0; off < c.probed; off++) {
      const key = `${off}:${size}`;
      const r = info.ctxAccess(off, size, false, c.attach);
      const kr = c.reads[key];
      if (r.ok !== (kr !== undefined)) diffs.push(`read ${key}: ours ${r.ok}`);
      else if (r.ok && KERNEL_REG[r.type] !== kr) diffs.push(`read ${key}: ours ${r.type}, kernel ${kr}`);
      const w = info.ctxAccess(off, size, true, c.attach).ok;
      if (w !== writes.has(key)) diffs.push(`write ${key}: ours ${w}`);
      if (w !== stores.has(key)) diffs.push(`store ${key}: ours ${w}`);
    }
  }
  return diffs;
}

describe(`more program types match the kernel (kernel-ctx-more.json, ${kctx.kernel})`, () => {
  for (const [name, c] of Object.entries(kctx.cases)) {
    describe(name, () => {
      const info = progTypeInfo(c.type)!;
      it('is described', () => expect(info).toBeDefined());
      it('context access', () => expect(ctxDiffs(c)).toEqual([]));
      it('return values', () => {
        const range = info.retRange?.(c.attach);
        const ours = [-1, 0, 1, 2, 3, 4].filter((k) => !range || (k >= range[0] && k <= range[1]));
        expect(ours).toEqual(c.ret);
      });
      it('helpers', () => {
        const ours = [];
        for (let id = 1; id <= MAX_HELPER; id++) if (info.helperAllowed(id, c.attach)) ours.push(id);
        expect(ours).toEqual(c.helpers);
      });
      it('test run: refused with ENOTSUPP exactly where the kernel has no test_run', () => {
        expect(info.testRunErrno === 524).toBe(c.testRun === 524);
      });
      it('packet access and LD_ABS', () => {
        expect(info.packetAccess).toBe(c.packet);
        expect(info.ldAbs).toBe(c.ldAbs);
      });
    });
  }
});

const I = makeInsn;
function spec(type: number, attach: number, insns: Insn[]): ProgramSpec {
  insns.forEach((x, pc) => { x.pc = pc; });
  return {
    name: 'hand', section: 'x', type: type as ProgramSpec['type'], expectedAttachType: attach as ProgramSpec['expectedAttachType'],
    attachTo: '', flags: 0, license: 'GPL', kernelVersion: 0, insns, mapRefs: [], lineInfo: [], funcInfo: [], btfFuncId: 0,
  };
}

describe('loading and running the new types', () => {
  const rt = new Runtime();
  const load = (type: number, attach: number, insns: Insn[]) => loadProgram(rt, spec(type, attach, insns), { verify: kernelVerifier, logLevel: 1 });
  it('cgroup/sock loads verified and refuses test runs with ENOTSUPP (524), as the kernel', () => {
    // r0 = ctx->family; r0 = 1; exit
    const p = load(9, 2, [I(Op.LDX_W, 0, 1, 4, 0), I(Op.MOV64_K, 0, 0, 0, 1), I(Op.EXIT, 0, 0, 0, 0)]);
    let err: unknown;
    try { p.run({ data: new Uint8Array(64) }); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(TestRunError);
    expect((err as TestRunError).errno).toBe(524);
  });
  it('bpf_sock_addr: sk loads, recvmsg must return 1, IPv4 fields only in IPv4 hooks', () => {
    // r2 = ctx->sk; r0 = 1; exit — and the return range of recvmsg4 is [1, 1]
    const ok = [I(Op.LDX_DW, 2, 1, 64, 0), I(Op.MOV64_K, 0, 0, 0, 1), I(Op.EXIT, 0, 0, 0, 0)];
    expect(() => load(18, 19, ok)).not.toThrow();
    expect(() => load(18, 19, [I(Op.MOV64_K, 0, 0, 0, 0), I(Op.EXIT, 0, 0, 0, 0)])).toThrow(/should have been in \[1, 1\]/);
    // user_ip4 is not part of the context of an IPv6 hook
    expect(() => load(18, 11, [I(Op.LDX_W, 0, 1, 4, 0), I(Op.MOV64_K, 0, 0, 0, 1), I(Op.EXIT, 0, 0, 0, 0)]))
      .toThrow('invalid bpf_context access off=4 size=4');
  });
  it('bpf_sock_ops.sk may be NULL', () => {
    // r2 = ctx->sk; r0 = *(u32 *)(r2 + 4) without a NULL check
    expect(() => load(13, 0, [I(Op.LDX_DW, 2, 1, 184, 0), I(Op.LDX_W, 0, 2, 4, 0), I(Op.MOV64_K, 0, 0, 0, 1), I(Op.EXIT, 0, 0, 0, 0)]))
      .toThrow(/invalid mem access 'sock_or_null'/);
  });
  it('fields read through ctx->sk, as the kernel allows them', () => {
    // cgroup/connect4: r2 = ctx->sk (never NULL); r0 = sk->family (u16 at its start); r0 = 1
    expect(() => load(18, 10, [I(Op.LDX_DW, 2, 1, 64, 0), I(Op.LDX_H, 0, 2, 4, 0), I(Op.MOV64_K, 0, 0, 0, 1), I(Op.EXIT, 0, 0, 0, 0)])).not.toThrow();
    expect(() => load(18, 10, [I(Op.LDX_DW, 2, 1, 64, 0), I(Op.LDX_H, 0, 2, 6, 0), I(Op.MOV64_K, 0, 0, 0, 1), I(Op.EXIT, 0, 0, 0, 0)]))
      .toThrow('R2 invalid sock access off=6 size=2');
    expect(() => load(18, 10, [I(Op.LDX_DW, 2, 1, 64, 0), I(Op.STX_W, 2, 1, 16, 0), I(Op.MOV64_K, 0, 0, 0, 1), I(Op.EXIT, 0, 0, 0, 0)]))
      .toThrow('R2 cannot write into sock');
    // sock_ops: NULL-checked sk, then its state
    expect(() => load(13, 0, [I(Op.LDX_DW, 2, 1, 184, 0), I(Op.MOV64_K, 0, 0, 0, 1), I(Op.JEQ_K, 2, 0, 1, 0), I(Op.LDX_W, 3, 2, 72, 0), I(Op.EXIT, 0, 0, 0, 0)])).not.toThrow();
  });
  it('flow keys are read and written anywhere inside the struct', () => {
    expect(() => load(22, 17, [I(Op.LDX_DW, 2, 1, 144, 0), I(Op.ST_B, 2, 0, 55, 1), I(Op.LDX_DW, 0, 2, 48, 0), I(Op.MOV64_K, 0, 0, 0, 0), I(Op.EXIT, 0, 0, 0, 0)])).not.toThrow();
    expect(() => load(22, 17, [I(Op.LDX_DW, 2, 1, 144, 0), I(Op.LDX_DW, 0, 2, 52, 0), I(Op.MOV64_K, 0, 0, 0, 0), I(Op.EXIT, 0, 0, 0, 0)]))
      .toThrow('invalid access to flow keys off=52 size=8');
  });
  it('an expected attach type the type does not take fails the load with EINVAL', () => {
    const prog = () => [I(Op.MOV64_K, 0, 0, 0, 1), I(Op.EXIT, 0, 0, 0, 0)];
    expect(() => load(18, 0, prog())).toThrow('expected attach type 0 is not valid for cgroup_sock_addr programs');
    expect(() => load(9, 8, prog())).toThrow(/not valid for cgroup_sock/);
    expect(() => load(9, 0, prog())).not.toThrow();
    expect(() => load(30, 36, prog())).not.toThrow();
  });
  it('bpf_bind only from connect hooks', () => {
    const call = [I(Op.MOV64_K, 2, 0, 0, 0), I(Op.MOV64_K, 3, 0, 0, 0), I(Op.CALL, 0, 0, 0, 64), I(Op.MOV64_K, 0, 0, 0, 1), I(Op.EXIT, 0, 0, 0, 0)];
    expect(() => load(18, 8, call.map((x) => ({ ...x })))).toThrow(/cannot use helper bpf_bind#64/);
  });
});

it('LD_ABS / LD_IND: exactly the types the kernel allows them in', () => {
  for (const [t, ok] of Object.entries(kctx.ldAbs)) {
    const info = progTypeInfo(Number(t));
    if (info) expect(info.ldAbs, info.name).toBe(ok);
  }
});

it('expected attach types each type loads with (0..60)', () => {
  for (const [t, ok] of Object.entries(kctx.attach)) {
    const info = progTypeInfo(Number(t));
    if (!info) continue;
    const ours = Array.from({ length: 61 }, (_, a) => a).filter((a) => !info.attachTypes || info.attachTypes.includes(a));
    expect(ours, info.name).toEqual(ok);
  }
});

describe('loads through socket pointers and flow keys match the kernel (kernel-ptr-more.json)', () => {
  const kptr = JSON.parse(readFileSync(new URL('../../testdata/runtime/kernel-ptr-more.json', import.meta.url), 'utf8')) as
    { kinds: Record<string, { probed: number; reads: string[]; writes: string[] }> };
  for (const [kind, k] of Object.entries(kptr.kinds)) {
    it(kind, () => {
      const reads = new Set(k.reads);
      const writes = new Set(k.writes);
      const diffs: string[] = [];
      for (const size of [1, 2, 4, 8]) {
        for (let off = 0; off < k.probed; off++) {
          const key = `${off}:${size}`;
          const r = kind === 'flow_keys' ? flowKeysAccess(off, size) : sockPtrAccess(kind as SockPtrKind, off, size);
          const w = kind === 'flow_keys' ? flowKeysAccess(off, size) : false;
          if (r !== reads.has(key)) diffs.push(`read ${key}: ours ${r}`);
          if (w !== writes.has(key)) diffs.push(`write ${key}: ours ${w}`);
        }
      }
      expect(diffs).toEqual([]);
    });
  }
});
