// `tsbpf btf dump file` against bpftool v7.1: golden files (testdata/loader/btf, captured by
// testdata/loader/build.sh) and, where bpftool is installed, a live comparison.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { main } from '../main.js';

const dir = fileURLToPath(new URL('../../../testdata/loader/', import.meta.url));
const golden = (f: string) => readFileSync(`${dir}btf/${f}`, 'utf8');

async function run(args: string[]): Promise<{ rc: number; out: string; err: string }> {
  let out = '', err = '';
  const rc = await main(args, { out: (t) => { out += t; }, err: (t) => { err += t; }, cwd: dir, isTTY: false });
  return { rc, out, err };
}

const OBJECTS = ['xdp_counter', 'xdp_counter.bpfeb', 'multi', 'legacy', 'core'];
const haveBpftool = spawnSync('bpftool', ['version']).status === 0;

describe('tsbpf btf dump file', () => {
  for (const o of OBJECTS) {
    it(`${o}.o: raw, -j, -p and format c as bpftool prints them`, async () => {
      const raw = await run(['btf', 'dump', 'file', `${o}.o`]);
      expect(raw.rc).toBe(0);
      expect(raw.out).toBe(golden(`${o}.raw.txt`));
      expect((await run(['btf', 'dump', 'file', `${o}.o`, 'format', 'raw'])).out).toBe(golden(`${o}.raw.txt`));
      const j = await run(['-j', 'btf', 'dump', 'file', `${o}.o`]);
      expect(j.out).toBe(golden(`${o}.raw.json`));
      const p = await run(['-p', 'btf', 'd', 'f', `${o}.o`]);
      expect(JSON.parse(p.out)).toEqual(JSON.parse(golden(`${o}.raw.json`)));
      const c = await run(['btf', 'dump', 'file', `${o}.o`, 'format', 'c']);
      expect(c.out).toBe(golden(`${o}.c.txt`));
    });
  }
  it('errors as bpftool reports them', async () => {
    const missing = await run(['btf', 'dump', 'file', 'nonexist.o']);
    expect(missing).toMatchObject({ rc: 254, err: 'Error: failed to load BTF from nonexist.o: No such file or directory\n' });
    expect((await run(['-j', 'btf', 'dump', 'file', 'xdp_counter.o', 'format', 'c'])).out)
      .toBe('{"error":"JSON output for C-syntax dump is not supported"}\n');
    expect(await run(['btf', 'dump', 'file', 'xdp_counter.o', 'format', 'x']))
      .toMatchObject({ rc: 234, err: "Error: unrecognized format specifier: 'x', possible values: raw, c\n" });
    expect(await run(['btf', 'dump', 'file', 'xdp_counter.o', 'extra'])).toMatchObject({ rc: 234, err: "Error: unrecognized option: 'extra'\n" });
    expect(await run(['btf', 'dump', 'xyz', '1'])).toMatchObject({ rc: 255, err: "Error: unrecognized BTF source specifier: 'xyz'\n" });
    expect(await run(['btf', 'dump', 'file'])).toMatchObject({ rc: 255, err: "Error: 'dump' needs at least 2 arguments, 1 found\n" });
    expect(await run(['btf', 'dump', 'file', 'legacy.nobtf.o']))
      .toMatchObject({ rc: 254, err: 'Error: failed to load BTF from legacy.nobtf.o: No such file or directory\n' });
    const bad = await run(['btf', 'dump', 'file', 'build.sh']);
    expect(bad.rc).not.toBe(0);
    expect(bad.err).toMatch(/^Error: failed to load BTF from build\.sh: /);
  });
  it('reports malformed BTF with its location', async () => {
    const bytes = new Uint8Array(readFileSync(`${dir}xdp_counter.o`));
    // raw BTF cut short: write it to a temp file through the CLI's cwd is not needed, use the loader helper
    const { loadBtfFile } = await import('./btf.js');
    const sec = (await import('../../elf/index.js')).parseElf(bytes).sectionBytes('.BTF');
    expect(loadBtfFile('raw.btf', sec).typeCount).toBeGreaterThan(10);
    expect(() => loadBtfFile('raw.btf', sec.subarray(0, 40))).toThrowError(/failed to load BTF from raw\.btf: BTF: section 'raw\.btf'/);
  });
});

describe.skipIf(!haveBpftool)('tsbpf btf dump file vs live bpftool', () => {
  for (const o of [...OBJECTS, 'multi.v4', 'sections', 'calls']) {
    it(`${o}.o`, async () => {
      for (const extra of [[], ['format', 'c']]) {
        const want = spawnSync('bpftool', ['btf', 'dump', 'file', `${dir}${o}.o`, ...extra], { encoding: 'utf8' });
        expect((await run(['btf', 'dump', 'file', `${o}.o`, ...extra])).out).toBe(want.stdout);
      }
    });
  }
});
