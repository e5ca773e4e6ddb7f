// Golden outputs: the command scripts in testdata/cli/*.cmds run through tsbpf must print
// what bpftool 7.1 printed on the kernel for the same commands (testdata/cli/*.golden,
// written by `scripts/bpftool-vs-tsbpf.sh --golden`), after the volatile fields (ids,
// times, sizes, durations) are normalised by testdata/cli/normalize.sed. Where the kernel
// is available, the same scripts also run live against bpftool.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describeKernel, pinDir } from '../support/kernel.js';
import { bpftoolRunner, type Runner, tsbpfRunner } from './helpers.js';

const TD = resolve('testdata/cli');
const EX = resolve('examples');
const scripts = readdirSync(TD).filter((f) => f.endsWith('.cmds')).sort();


function commands(file: string): string[] {
  return readFileSync(join(TD, file), 'utf8').split('\n').filter((l) => l.trim() && !l.trim().startsWith('#'));
}

/** normalize.sed, then the script's own NAME.sed when there is one (fields only it has). */
function normalise(text: string, pin: string, file: string): string {
  const t = text.split(pin).join('$PIN').split(EX).join('$EX').split(TD).join('$TD');
  const own = join(TD, file.replace(/\.cmds$/, '.sed'));
  const scripts = ['-f', join(TD, 'normalize.sed'), ...(existsSync(own) ? ['-f', own] : [])];
  const r = spawnSync('sed', ['-E', ...scripts], { input: t, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`sed: ${r.stderr}`);
  return r.stdout;
}

async function transcript(file: string, pin: string, run: Runner): Promise<string> {
  let text = '';
  for (const line of commands(file)) {
    const cmd = line.replaceAll('$PIN', pin).replaceAll('$EX', EX).replaceAll('$TD', TD);
    const { rc, out, err } = await run(cmd.split(/\s+/).filter(Boolean));
    text += `$ ${line}\n${out}`;
    if (out && !out.endsWith('\n')) text += '\n';
    text += err.split('\n').filter((l, i, a) => !(l === '' && i === a.length - 1)).map((l) => `! ${l}\n`).join('');
    text += `[rc=${rc}]\n`;
  }
  return normalise(text, pin, file);
}


describe('bpftool golden outputs', () => {
  for (const file of scripts) {
    const golden = join(TD, file.replace(/\.cmds$/, '.golden'));
    it(`${file} matches ${file.replace(/\.cmds$/, '.golden')}`, async () => {
      const want = readFileSync(golden, 'utf8');
      const header = want.split('\n')[0]!;
      const ncpus = Number(/(\d+) CPUs/.exec(header)?.[1] ?? 2);
      const dir = mkdtempSync(join(tmpdir(), 'tsbpf-golden-'));
      try {
        const got = await transcript(file, join(dir, 'pins'), async (args) => {
          if (args[0] !== undefined) spawnSync('mkdir', ['-p', join(dir, 'pins')]);
          return tsbpfRunner(join(dir, 'state'), ncpus)(args);
        });
        expect(header + '\n' + got).toBe(want);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }, 240_000);
  }
});

describeKernel('bpftool live comparison', () => {
  for (const file of scripts) {
    it(`${file}: tsbpf prints what bpftool prints now`, async () => {
      const ncpus = Number(spawnSync('nproc', { encoding: 'utf8' }).stdout.trim()) || 1;
      const k = pinDir('golden');
      const dir = mkdtempSync(join(tmpdir(), 'tsbpf-live-'));
      try {
        const theirs = await transcript(file, k.path, bpftoolRunner);
        spawnSync('mkdir', ['-p', join(dir, 'pins')]);
        const ours = await transcript(file, join(dir, 'pins'), tsbpfRunner(join(dir, 'state'), ncpus));
        expect(ours).toBe(theirs);
      } finally {
        k.remove();
        rmSync(dir, { recursive: true, force: true });
      }
    }, 240_000);
  }
});
