// The section table against the real libbpf (libbpf_prog_type_by_name in the installed
// libbpf.so.1, called through python3 ctypes); skips without them. The installed libbpf is
// 1.1: names added to libbpf later must be the only disagreements.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { SECTION_DEFS, findSectionDef } from './index.js';

const PY = `
import ctypes, json, sys
l = ctypes.CDLL('libbpf.so.1')
t = ctypes.c_int(); a = ctypes.c_int()
out = {}
for n in json.load(sys.stdin):
    r = l.libbpf_prog_type_by_name(n.encode(), ctypes.byref(t), ctypes.byref(a))
    out[n] = [t.value, a.value] if r == 0 else None
print(json.dumps(out))
`;

function libbpf(names: string[]): Record<string, [number, number] | null> | undefined {
  const r = spawnSync('python3', ['-c', PY], { input: JSON.stringify(names), encoding: 'utf8' });
  if (r.status !== 0) return undefined;
  return JSON.parse(r.stdout) as Record<string, [number, number] | null>;
}

const probe = libbpf(['xdp']);

/** Section patterns libbpf gained after 1.1 (not known to the installed library). */
const NEWER = new Set([
  'kprobe.session+', 'uprobe.session+', 'uprobe.session.s+', 'uprobe.multi+', 'uretprobe.multi+', 'uprobe.multi.s+', 'uretprobe.multi.s+',
  'tc/ingress', 'tc/egress', 'tcx/ingress', 'tcx/egress', 'netkit/primary', 'netkit/peer',
  'fsession+', 'fsession.s+', 'fsession.multi+', 'fsession.multi.s+', 'fentry.multi+', 'fexit.multi+', 'fentry.multi.s+', 'fexit.multi.s+',
  'sk_skb/verdict', 'cgroup/connect_unix', 'cgroup/sendmsg_unix', 'cgroup/recvmsg_unix', 'cgroup/getpeername_unix',
  'cgroup/getsockname_unix', 'netfilter', 'lsm_cgroup+',
  'usdt.s+', 'tracepoint.s+', 'tp.s+', 'raw_tracepoint.s+', 'raw_tp.s+', 'tp_btf.s+', 'struct_ops.s+',
]);

describe.skipIf(!probe)('section names: our table vs libbpf_prog_type_by_name (libbpf.so.1)', () => {
  it('agrees on every entry (and on near misses)', () => {
    const names: string[] = [];
    for (const d of SECTION_DEFS) {
      const stem = d.sec.replace(/[+/]$/, '');
      names.push(stem, `${stem}/foo`, `${stem}x`);
    }
    names.push('socket1', 'xdp_foo', 'tc/other', 'kprobe', 'classifier/x', '');
    const theirs = libbpf(names)!;
    let compared = 0;
    const newer: string[] = [];
    const diffs: string[] = [];
    for (const n of names) {
      const def = findSectionDef(n);
      const t = theirs[n] ?? null;
      if (t === null && def && NEWER.has(def.sec)) { newer.push(n); continue; }
      const ours = def ? [def.type, def.expectedAttachType] : null;
      if (JSON.stringify(ours) !== JSON.stringify(t)) diffs.push(`'${n}' (${def?.sec}): ours ${JSON.stringify(ours)}, libbpf ${JSON.stringify(t)}`);
      compared++;
    }
    expect(diffs).toEqual([]);
    expect(compared).toBeGreaterThan(150);
    expect(newer.length).toBeLessThan(60);
  });
});
