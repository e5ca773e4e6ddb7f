// `tsbpf asm` and `tsbpf disasm` through the CLI entry (main() with captured output).

import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../cli/main.js';

async function cli(args: string[], cwd: string): Promise<{ rc: number; out: string; err: string }> {
  let out = '', err = '';
  const rc = await main(args, { out: (t) => { out += t; }, err: (t) => { err += t; }, cwd, isTTY: false });
  return { rc, out, err };
}

const PROG = `
; count to three
  r0 = 0
loop:
  r0 += 1
  if r0 < 3 goto loop
  exit
`;

describe('tsbpf asm / disasm', () => {
  let dir = '';
  beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'tsbpf-asm-cli-')); writeFileSync(join(dir, 'p.s'), PROG); });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('asm prints hex without -o, writes raw bytecode and ELF objects', async () => {
    const r = await cli(['asm', 'p.s'], dir);
    expect(r.rc).toBe(0);
    expect(r.out).toBe('b7 00 00 00 00 00 00 00\n07 00 00 00 01 00 00 00\na5 00 fe ff 03 00 00 00\n95 00 00 00 00 00 00 00\n');
    expect((await cli(['asm', 'p.s', '-o', 'p.bin'], dir)).rc).toBe(0);
    expect(readFileSync(join(dir, 'p.bin')).length).toBe(32);
    expect((await cli(['asm', 'p.s', '-o', 'p.o', 'section', 'socket'], dir)).rc).toBe(0);
    expect(readFileSync(join(dir, 'p.o')).subarray(0, 4)).toEqual(Buffer.from([0x7f, 0x45, 0x4c, 0x46]));
  });

  it('disasm of raw bytecode in the three syntaxes, and back', async () => {
    const llvm = await cli(['disasm', 'p.bin'], dir);
    expect(llvm.out).toBe([
      '       0:\tb7 00 00 00 00 00 00 00\tr0 = 0x0',
      '       1:\t07 00 00 00 01 00 00 00\tr0 += 0x1',
      '       2:\ta5 00 fe ff 03 00 00 00\tif r0 < 0x3 goto -0x2',
      '       3:\t95 00 00 00 00 00 00 00\texit',
      '',
    ].join('\n'));
    expect((await cli(['disasm', 'p.bin', 'decimal'], dir)).out).toContain('if r0 < 3 goto -2');
    expect((await cli(['disasm', 'p.bin', 'syntax', 'kernel'], dir)).out).toContain('   2: (a5) if r0 < 0x3 goto pc-2\n');
    const conf = await cli(['disasm', 'p.bin', 'syntax', 'conformance'], dir);
    expect(conf.out).toBe('mov %r0, 0\nadd %r0, 1\njlt %r0, 3, -2\nexit\n');
    expect((await cli(['disasm', 'p.bin', 'syntax', 'conformance', 'labels'], dir)).out).toBe('mov %r0, 0\nL1:\nadd %r0, 1\njlt %r0, 3, L1\nexit\n');
    writeFileSync(join(dir, 'c.s'), conf.out);
    writeFileSync(join(dir, 'l.s'), llvm.out);
    for (const f of ['c.s', 'l.s']) {
      expect((await cli(['asm', f, '-o', `${f}.bin`], dir)).rc).toBe(0);
      expect(readFileSync(join(dir, `${f}.bin`))).toEqual(readFileSync(join(dir, 'p.bin')));
    }
  });

  it('disasm of an ELF object prints what llvm-objdump prints', async () => {
    const r = await cli(['disasm', 'p.o'], dir);
    expect(r.rc).toBe(0);
    const want = '\np.o:\tfile format elf64-bpf\n\nDisassembly of section socket:\n\n0000000000000000 <prog>:\n' +
      '       0:\tb7 00 00 00 00 00 00 00\tr0 = 0x0\n' +
      '       1:\t07 00 00 00 01 00 00 00\tr0 += 0x1\n' +
      '       2:\ta5 00 fe ff 03 00 00 00\tif r0 < 0x3 goto -0x2 <prog+0x8>\n' +
      '       3:\t95 00 00 00 00 00 00 00\texit\n';
    expect(r.out).toBe(want);
    const llvm = '/usr/lib/llvm-19/bin/llvm-objdump';
    if (existsSync(llvm)) expect(spawnSync(llvm, ['-d', 'p.o'], { cwd: dir, encoding: 'utf8' }).stdout).toBe(want);
    expect((await cli(['disasm', 'p.o', 'section', 'socket', 'syntax', 'kernel'], dir)).out).toBe(
      'section socket:\nprog:\n   0: (b7) r0 = 0\n   1: (07) r0 += 1\n   2: (a5) if r0 < 0x3 goto pc-2\n   3: (95) exit\n');
  });

  it('exact: llvm spelling that keeps every field', async () => {
    writeFileSync(join(dir, 'calls.s'), 'call local 1\nexit\nr0 = 1\nexit\n');
    expect((await cli(['asm', 'calls.s', '-o', 'calls.bin'], dir)).rc).toBe(0);
    expect((await cli(['disasm', 'calls.bin'], dir)).out).toContain('\tcall 0x1\n');
    const exact = await cli(['disasm', 'calls.bin', 'exact'], dir);
    expect(exact.out).toContain('\tcall local 0x1\n');
    writeFileSync(join(dir, 'calls2.s'), exact.out);
    expect((await cli(['asm', 'calls2.s', '-o', 'calls2.bin'], dir)).rc).toBe(0);
    expect(readFileSync(join(dir, 'calls2.bin'))).toEqual(readFileSync(join(dir, 'calls.bin')));
  });

  it('asm takes a bpf_conformance .data file', async () => {
    writeFileSync(join(dir, 't.data'), '-- asm\nmov %r0, 1\nexit\n-- result\n0x1\n');
    const r = await cli(['asm', 't.data'], dir);
    expect(r.out).toBe('b7 00 00 00 01 00 00 00\n95 00 00 00 00 00 00 00\n');
    writeFileSync(join(dir, 'bad.data'), '-- asm\nmov %r0, 1\n-- mem\nzz\n-- result\n0x1\n');
    expect((await cli(['asm', 'bad.data'], dir)).err).toBe("Error: bad.data:4: bad memory byte 'zz' (two hex digits expected)\n");
  });

  it('errors are reported, not thrown', async () => {
    writeFileSync(join(dir, 'bad.s'), 'r0 = 0\nr0 = frob\n');
    const r = await cli(['asm', 'bad.s'], dir);
    expect(r.rc).not.toBe(0);
    expect(r.err).toBe("Error: bad.s:2:6: unexpected 'frob'\n");
    expect((await cli(['disasm', 'missing.bin'], dir)).err).toMatch(/^Error: can't read missing.bin: No such file or directory\n$/);
    writeFileSync(join(dir, 'odd.bin'), Buffer.alloc(12));
    expect((await cli(['disasm', 'odd.bin'], dir)).err).toMatch(/not a whole number of instructions/);
    expect((await cli(['disasm', 'p.o', 'section', 'nope'], dir)).err).toMatch(/no code section 'nope' in p.o \(have: socket\)/);
    expect((await cli(['asm', 'p.s', 'syntax', 'klingon'], dir)).err).toMatch(/unknown syntax/);
  });
});
