import { readFileSync } from 'node:fs';
import { it } from 'vitest';
import { parseObject } from './index.js';
import { parseBtf } from '../btf/index.js';
it('t', () => {
  const vm = parseBtf(new Uint8Array(readFileSync('/sys/kernel/btf/vmlinux')));
  for (const f of ['core.o', 'vmlinux_xdp.o']) {
    const b = new Uint8Array(readFileSync('testdata/loader/' + f));
    const a = parseObject(b);
    const self = parseObject(b, { coreTarget: a.btf });
    const k = parseObject(b, { coreTarget: vm });
    for (const [i, p] of a.programs.entries()) {
      console.log(f, p.name, 'self-identical', JSON.stringify(self.programs[i]!.insns) === JSON.stringify(p.insns));
      p.insns.forEach((x, n) => { const y = k.programs[i]!.insns[n]!; if (x.imm !== y.imm || x.off !== y.off || x.opcode !== y.opcode) console.log('  pc', x.pc, 'op', x.opcode.toString(16), '->', y.opcode.toString(16), 'imm', x.imm, '->', y.imm, 'off', x.off, '->', y.off); });
    }
  }
});
