// C test objects (testdata/verifier/*.c, rebuilt by build.sh): tsbpf's verdict and error
// text, the log's source lines, and (with a kernel) the kernel's own verdict through bpftool.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { parseObject } from '../loader/index.js';
import type { MapSpec } from '../maps/types.js';
import { explain, verifyProgram } from './index.js';
import { kernelAvailable } from './testing.js';

const OBJECTS: Array<{ file: string; ok: boolean; msg?: string; line?: string }> = [
  { file: 'xdp_parse', ok: true },
  { file: 'loops', ok: true },
  { file: 'bad_pkt', ok: false, msg: 'invalid access to packet, off=14 size=1, R2(id=0,off=14,r=14)\nR2 offset is outside of the packet', line: 'return data[14] == 8 ? XDP_DROP : XDP_PASS;' },
  { file: 'foreach_cb', ok: true },
  { file: 'foreach_oob', ok: false, msg: 'invalid access to map value, value_size=8 off=8 size=8\nR3 max value is outside of the allowed memory range', line: '*sum += val[*key & 1 ? 1 : 0];' },
  { file: 'map_in_map', ok: true },
  { file: 'mim_no_null', ok: false, msg: 'R1 type=map_value_or_null expected=map_ptr', line: '__u64 *v = bpf_map_lookup_elem(inner, &k);' },
  { file: 'spin_lock', ok: true },
  { file: 'spin_no_unlock', ok: false, msg: 'BPF_EXIT instruction in main prog cannot be used inside bpf_spin_lock-ed region', line: '}' },
  { file: 'spin_direct', ok: false, msg: 'bpf_spin_lock cannot be accessed directly by load/store', line: 'v->cnt += *(volatile __u32 *)&v->l;' },
  { file: 'no_null_check', ok: false, msg: "R0 invalid mem access 'map_value_or_null'", line: 'return *v ? XDP_DROP : XDP_PASS;' },
];

function load(file: string) {
  const spec = parseObject(new Uint8Array(readFileSync(new URL(`../../testdata/verifier/${file}.o`, import.meta.url))), { name: file });
  const maps = new Map<string, MapSpec>(spec.maps.map((m) => [m.name, m]));
  return { prog: spec.programs[0]!, maps };
}

describe('verifier on C objects', () => {
  for (const o of OBJECTS) {
    test(o.file, () => {
      const { prog, maps } = load(o.file);
      const r = verifyProgram(prog, maps, { logLevel: 2 });
      expect(r.ok, r.log).toBe(o.ok);
      expect(r.log).toContain(`.c:`);
      if (!o.ok) {
        expect(r.error!.message).toBe(o.msg);
        const x = explain(prog, maps);
        expect(x.ok).toBe(false);
        expect(x.source).toContain(o.line!);
        expect(x.hint).toBeTruthy();
        expect(x.text).toContain('fix:');
      }
    });
  }
});

describe.skipIf(!kernelAvailable())('kernel verdicts on the C objects (bpftool)', () => {
  for (const o of OBJECTS) {
    test(o.file, () => {
      const pin = `/sys/fs/bpf/tsbpf-verifier-${process.pid}-${o.file}`;
      const r = spawnSync('bpftool', ['-d', 'prog', 'load', new URL(`../../testdata/verifier/${o.file}.o`, import.meta.url).pathname, pin], { encoding: 'utf8' });
      rmSync(pin, { force: true });
      expect(r.status === 0).toBe(o.ok);
      if (!o.ok) {
        const lines = (r.stdout + r.stderr).split('\n');
        const end = lines.findIndex((l) => l.startsWith('verification time') || l.startsWith('processed '));
        const last = o.msg!.split('\n').pop()!;
        expect(lines.slice(0, end).join('\n')).toContain(last);
      }
    });
  }
});
