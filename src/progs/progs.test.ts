import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { progTypeInfo, supportedProgTypes } from './index.js';
import { KERNEL_GPL_ONLY } from './helper-access.js';
import { parseRanges } from './ctx.js';
import { HELPER_PROTOS } from '../helpers/protos.js';
import { makeInsn } from '../isa/insn.js';
import { Op } from '../isa/opcodes.js';

interface Case { type: number; attach: number; reads: Record<string, string>; writes: Record<string, string>; stores: Record<string, string> }
const kctx = JSON.parse(readFileSync(new URL('../../testdata/runtime/kernel-ctx.json', import.meta.url), 'utf8')) as { cases: Record<string, Case> };
const khelpers = JSON.parse(readFileSync(new URL('../../testdata/runtime/kernel-helpers.json', import.meta.url), 'utf8')) as
  { maxId: number; types: Record<string, { allowed: number[] }> };
const PROBED: Record<string, number> = {
  xdp: 32, xdp_devmap: 32, socket_filter: 200, sched_cls: 200, sched_act: 200, cgroup_skb_ingress: 200,
  cgroup_skb_egress: 200, kprobe: 176, tracepoint: 64, raw_tracepoint: 104, perf_event: 192,
};

describe('context access rules match the kernel (kernel-ctx.json)', () => {
  for (const [name, c] of Object.entries(kctx.cases)) {
    it(name, () => {
      const info = progTypeInfo(c.type)!;
      expect(info).toBeDefined();
      const diffs: string[] = [];
      for (const size of [1, 2, 4, 8]) {
        for (let off = 0; off < PROBED[name]!; off++) {
          const key = `${off}:${size}`;
          const r = info.ctxAccess(off, size, false, c.attach).ok;
          if (r !== key in c.reads) diffs.push(`read ${key}: ours ${r}`);
          const w = info.ctxAccess(off, size, true, c.attach).ok;
          if (w !== key in c.writes) diffs.push(`write ${key}: ours ${w}`);
          if (w !== key in c.stores) diffs.push(`store ${key}: ours ${w}`);
        }
      }
      expect(diffs).toEqual([]);
    });
  }
});

// the expected attach type helpers.py loads each type with (0 otherwise)
const HELPER_PROBE_ATTACH: Record<number, number> = { 18: 8, 25: 21, 30: 36 };

describe('helper access matches the kernel (kernel-helpers.json)', () => {
  for (const info of supportedProgTypes()) {
    it(info.name, () => {
      const allowed = new Set(khelpers.types[String(info.type)]!.allowed);
      const attach = HELPER_PROBE_ATTACH[info.type];
      for (let id = 0; id <= khelpers.maxId + 2; id++) expect(info.helperAllowed(id, attach), `helper ${id}`).toBe(allowed.has(id));
    });
  }
  it('gpl_only flags of prototypes match the kernel', () => {
    const gpl = parseRanges(KERNEL_GPL_ONLY);
    const allowedAnywhere = new Set(Object.values(khelpers.types).flatMap((t) => t.allowed));
    for (const p of HELPER_PROTOS) if (allowedAnywhere.has(p.id)) expect(p.gplOnly, p.name).toBe(gpl.has(p.id));
  });
});

describe('program type facts', () => {
  it('pointer loads are rewritten to 64-bit loads of internal slots', () => {
    const xdp = progTypeInfo(6)!;
    const acc = xdp.ctxAccess(4, 4, false);
    expect(acc.ok && acc.type).toBe('pkt_end');
    if (!acc.ok) return;
    const out = xdp.rewriteCtxAccess!(makeInsn(Op.LDX_W, 2, 1, 4, 0), acc.field)!;
    expect(out).toHaveLength(1);
    expect(out[0]!.opcode).toBe(Op.LDX_DW);
    expect(out[0]!.off).toBe(xdp.ptrSlots!.data_end);
    const scalar = xdp.ctxAccess(12, 4, false);
    expect(scalar.ok && xdp.rewriteCtxAccess!(makeInsn(Op.LDX_W, 2, 1, 12, 0), scalar.field)).toBeUndefined();
  });
  it('return ranges', () => {
    expect(progTypeInfo(8)!.retRange!(0)).toEqual([0, 1]);
    expect(progTypeInfo(8)!.retRange!(1)).toEqual([0, 3]);
    expect(progTypeInfo(6)!.retRange!()).toBeUndefined();
    expect(progTypeInfo(26)).toBeUndefined();
  });
  it('packet access and LD_ABS', () => {
    expect(progTypeInfo(1)!.packetAccess).toBe('none');
    expect(progTypeInfo(1)!.ldAbs).toBe(true);
    expect(progTypeInfo(3)!.packetAccess).toBe('write');
    expect(progTypeInfo(8)!.packetAccess).toBe('read');
    expect(progTypeInfo(6)!.ldAbs).toBe(false);
  });
});
