// Strict alignment of atomics (check_ptr_alignment with strict_alignment_once): atomic RMW,
// load-acquire and store-release must be aligned to their size on every pointer type; found by
// the PREVAIL corpus. Verdicts and messages as the 6.18 kernel gives them (re-checked live).

import { describe, expect, test } from 'vitest';
import { MapType, ProgType } from '../uapi/bpf.js';
import { verifyProgram } from './index.js';
import { asmProgram, kernelAvailable, kernelErrorText, kernelLoad, mapSpec } from './testing.js';

const maps = [mapSpec('arr', MapType.ARRAY, 4, 16, 1)];
const CASES: Array<[string, string, string]> = [
  ['atomic add on a map value +2', 'r2 = map_value[arr]+2 ll\nr1 = 1\nlock *(u32 *)(r2 + 0) += r1', 'misaligned value access off 0+2+0 size 4'],
  ['load-acquire on a map value +2', 'r2 = map_value[arr]+2 ll\nw0 = load_acquire((u32 *)(r2 + 0))', 'misaligned value access off 0+2+0 size 4'],
  ['store-release on a map value +2', 'r2 = map_value[arr]+2 ll\nr1 = 1\nstore_release((u32 *)(r2 + 0), w1)', 'misaligned value access off 0+2+0 size 4'],
  ['load-acquire on a packet (NET_IP_ALIGN counts)', 'r2 = *(u32 *)(r1 + 76)\nr3 = *(u32 *)(r1 + 80)\nr4 = r2\nr4 += 8\nif r4 > r3 goto +1\nw0 = load_acquire((u32 *)(r2 + 0))', 'misaligned packet access off 2+0+0+0 size 4'],
  ['atomic add through an unknown scalar', 'r2 = *(u32 *)(r1 + 0)\nr1 = 1\nlock *(u32 *)(r2 + 0) += r1', 'misaligned access off (0x0; 0xffffffff)+0+0 size 4'],
  ['aligned load-acquire', 'r2 = map_value[arr]+4 ll\nw0 = load_acquire((u32 *)(r2 + 0))', ''],
  ['unaligned plain load is fine', 'r2 = map_value[arr]+2 ll\nr0 = *(u32 *)(r2 + 0)', ''],
];

describe('strict alignment of atomics', () => {
  for (const [name, asm, msg] of CASES) {
    test(name, () => {
      const a = asmProgram(`${asm}\nr0 = 0\nexit`, { type: ProgType.SCHED_CLS, maps });
      const r = verifyProgram(a.prog, a.maps);
      expect(r.ok).toBe(msg === '');
      if (msg) expect(r.error?.message).toBe(msg);
      if (kernelAvailable()) {
        const k = kernelLoad(a.prog, a.maps, 1)!;
        expect(k.ok).toBe(msg === '');
        if (msg) expect(kernelErrorText(k.log).split('\n')[0]).toBe(msg);
      }
    });
  }
});
