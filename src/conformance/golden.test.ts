// Our golden engine cases (testdata/golden/*.data, bpf_conformance format): every case on
// the interpreter in checked and unchecked mode, and on the real kernel where available.

import { afterAll, describe, expect, it, beforeAll } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describeKernel, pinDir } from '../../test/support/kernel.js';
import { caseProgram, DataFileError, formatDataFile, parseDataFile, type DataCase } from './data.js';
import { outcomeMatches, runCase } from './run.js';
import { runCaseOnKernel } from './kernel.js';
import { decode } from '../isa/insn.js';
import { Cls } from '../isa/opcodes.js';

const DIR = fileURLToPath(new URL('../../testdata/golden/', import.meta.url));
const cases: DataCase[] = readdirSync(DIR).filter((f) => f.endsWith('.data')).sort()
  .map((f) => parseDataFile(readFileSync(DIR + f, 'utf8'), f));

describe('.data format', () => {
  it('parses the sections of the suite', () => {
    const c = parseDataFile([
      '# comment', '-- asm', 'mov %r0, 1 # trailing', 'exit', '-- mem', '00 01', 'ff', '-- no register offset', 'text', '-- result', '0x1',
    ].join('\n'), 't.data');
    expect([...c.mem]).toEqual([0, 1, 255]);
    expect(c.result).toBe(1n);
    expect(c.noRegisterOffset).toBe(true);
    expect(caseProgram(c).length).toBe(16);
    const raw = parseDataFile('-- raw\n0x5566778800000018\n0x1122334400000000\n0x0000000000000095\n-- result\n0x1122334455667788\n');
    expect(runCase(raw)).toMatchObject({ ok: true, r0: 0x1122334455667788n });
    const e = parseDataFile('-- asm\nexit\n-- error\nwhatever\n');
    expect(e.error).toBe('whatever');
    expect(parseDataFile(formatDataFile(c)).result).toBe(1n);
  });
  it('rejects malformed files naming the line', () => {
    const bad: Array<[string, RegExp]> = [
      ['-- asm\nexit\n-- mem\n0g\n-- result\n0', /x.data:4: bad memory byte '0g'/],
      ['-- asm\nexit\n-- result\nzz\n', /x.data:4: bad result 'zz'/],
      ['-- asm\nexit\n', /no -- result or -- error section/],
      ['-- frob\n', /x.data:1: unknown section/],
      ['mov %r0, 1\n-- asm\nexit\n-- result\n0', /x.data:1: text before the first section/],
    ];
    for (const [text, re] of bad) expect(() => parseDataFile(text, 'x.data')).toThrow(re);
    expect(() => parseDataFile('-- asm\nexit\n', 'x.data')).toThrow(DataFileError);
  });
});

describe('golden cases on the interpreter', () => {
  it('cover every instruction class', () => {
    const classes = new Set<number>();
    for (const c of cases) {
      try { for (const i of decode(caseProgram(c))) classes.add(i.opcode & 7); } catch { /* error cases */ }
    }
    expect([...classes].sort()).toEqual([Cls.LD, Cls.LDX, Cls.ST, Cls.STX, Cls.ALU, Cls.JMP, Cls.JMP32, Cls.ALU64].sort());
    expect(cases.length).toBeGreaterThan(40);
  });
  for (const checked of [true, false]) {
    for (const c of cases) {
      it(`${c.name} (${checked ? 'checked' : 'unchecked'})`, () => {
        const o = runCase(c, { checked });
        if (c.error !== undefined) expect(o.ok, JSON.stringify(o, (_, v) => (typeof v === 'bigint' ? `0x${v.toString(16)}` : v))).toBe(false);
        else {
          expect(o.ok ? `0x${o.r0.toString(16)}` : o.error).toBe(`0x${c.result!.toString(16)}`);
          expect(outcomeMatches(c, o)).toBe(true);
        }
      });
    }
  }
});

describeKernel('golden cases on the kernel (bpftool prog run)', () => {
  // created when the tests run (not when they are collected, which happens when skipped too)
  let pins: ReturnType<typeof pinDir>;
  beforeAll(() => { pins = pinDir('golden'); });
  afterAll(() => pins?.remove());
  for (const c of cases) {
    it(c.name, (ctx) => {
      const k = runCaseOnKernel(c, pins.path);
      if ('skip' in k) { ctx.skip(k.skip); return; }
      if (c.error !== undefined) { expect(k.ok, `kernel accepted ${c.name}`).toBe(false); return; }
      expect(k.ok ? `0x${k.r0.toString(16)}` : `kernel error: ${k.error}`).toBe(`0x${c.result!.toString(16)}`);
    });
  }
});
