// npm run bench: nanoseconds per run of a few XDP programs in our interpreter (checked and
// unchecked) and in the kernel (its JIT, through `bpftool prog run ... repeat N`), measured
// side by side in one run, with the ratios. The kernel column says n/a without root/bpftool.
//
//   node dist/bench/main.js [--quick] [--json]

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { availableParallelism, release } from 'node:os';
import { decode } from '../isa/insn.js';
import { kernelRun } from '../conformance/kernel.js';
import type { ProgramSpec } from '../loader/types.js';
import { loadProgram } from '../runtime/program.js';
import { Runtime } from '../runtime/runtime.js';
import { ProgType } from '../uapi/bpf.js';
import { BENCH_CASES, benchCode, benchPacket, referenceResult } from './programs.js';
import { mapCaseRows } from './map-cases.js';
import { bigProgramRows, verifyRows, type VerifyRow } from './verify-cases.js';

interface Row {
  name: string;
  insns: number;
  checkedNs: number;
  uncheckedNs: number;
  kernelNs?: number;
  retval: number;
  kernelRetval?: number;
  reference: number;
}

function kernelAvailable(): string | undefined {
  if (process.env.TSBPF_NO_KERNEL) return 'TSBPF_NO_KERNEL is set';
  if (process.platform !== 'linux') return 'not Linux';
  if (process.getuid?.() !== 0) return 'not root';
  const v = spawnSync('bpftool', ['version'], { encoding: 'utf8' });
  if (v.error || v.status !== 0) return 'no bpftool';
  if (!existsSync('/sys/fs/bpf')) return 'no bpffs';
  return undefined;
}

/**
 * ns per run. The machine may be shared, so: warm up, then many short batches (~`batchMs`
 * each) for about `totalMs`, and keep the fastest batch's average (the least disturbed one).
 */
function measure(runBatch: (n: number) => void, batchMs: number, totalMs: number): number {
  let n = 1;
  const warmEnd = Date.now() + Math.max(50, totalMs / 4);
  for (;;) {
    const t0 = process.hrtime.bigint();
    runBatch(n);
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (ms < batchMs / 2 && n < 1 << 24) { n *= 2; continue; }
    if (Date.now() >= warmEnd) break;
  }
  let best = Infinity;
  const end = Date.now() + totalMs;
  do {
    const t0 = process.hrtime.bigint();
    runBatch(n);
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / n);
  } while (Date.now() < end);
  return best;
}

function spec(name: string, code: Uint8Array): ProgramSpec {
  return {
    name, section: 'xdp', type: ProgType.XDP, expectedAttachType: 0, attachTo: '', flags: 0, license: 'GPL',
    kernelVersion: 0, insns: decode(code), mapRefs: [], lineInfo: [], funcInfo: [], btfFuncId: 0,
  } as ProgramSpec;
}

function fmtNs(v: number | undefined): string {
  if (v === undefined) return 'n/a';
  return v >= 100 ? `${v.toFixed(0)} ns` : `${v.toFixed(1)} ns`;
}

function ratio(a: number, b: number | undefined): string {
  return b === undefined || b <= 0 ? 'n/a' : `${(a / b).toFixed(1)}x`;
}

function table(head: string[], body: string[][]): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)];
}

function main(argv: string[]): number {
  const quick = argv.includes('--quick');
  const json = argv.includes('--json');
  const batchMs = 5;
  const totalMs = quick ? 300 : 1500;
  const trials = quick ? 2 : 5;
  const packet = benchPacket();
  const noKernel = kernelAvailable();
  let pinRoot: string | undefined;
  if (!noKernel) {
    pinRoot = `/sys/fs/bpf/tsbpf-bench-${process.pid}`;
    mkdirSync(pinRoot, { recursive: true });
  }
  const rows: Row[] = [];
  let vrows: VerifyRow[] = [];
  let brows: VerifyRow[] = [];
  let kernelNote = noKernel;
  try {
    for (const c of BENCH_CASES) {
      const code = benchCode(c);
      const rt = new Runtime();
      const p = loadProgram(rt, spec(c.name.replace(/\W+/g, '_'), code));
      const first = p.run({ data: packet, checked: true });
      const insns = rt.cpu.executed;
      const checkedNs = measure((n) => p.run({ data: packet, repeat: n, checked: true }), batchMs, totalMs);
      const uncheckedNs = measure((n) => p.run({ data: packet, repeat: n, checked: false }), batchMs, totalMs);
      const row: Row = { name: c.name, insns, checkedNs, uncheckedNs, retval: first.retval, reference: referenceResult(c.name, packet) >>> 0 };
      if (pinRoot) {
        // calibrate the repeat count on a short run, then measure ~batchMs
        const probe = kernelRun(code, 'xdp', packet, pinRoot, 1000);
        if (!probe.ok) kernelNote = `kernel refused ${c.name}: ${probe.error}`;
        else {
          const repeat = Math.min(50_000_000, Math.max(1000, Math.round((totalMs / 10 * 1e6) / Math.max(1, probe.duration))));
          let best = Infinity;
          for (let t = 0; t < Math.min(trials, 3); t++) {
            const r = kernelRun(code, 'xdp', packet, pinRoot, repeat);
            if (r.ok) { best = Math.min(best, r.duration); row.kernelRetval = r.retval; }
          }
          if (best !== Infinity) row.kernelNs = best;
        }
      }
      rows.push(row);
    }
    // map-heavy cases (hash, LPM): objects with their maps, src/bench/map-cases.ts
    rows.push(...mapCaseRows({ packet, pinRoot, totalMs, trials, measure: (f) => measure(f, batchMs, totalMs), kernelNote: (n) => { kernelNote ??= n; } }));
    vrows = verifyRows({ ...(pinRoot ? { pinRoot } : {}), totalMs: quick ? 200 : 800, trials });
    if (!quick) brows = bigProgramRows({ kernel: !!pinRoot });
  } finally {
    if (pinRoot) rmSync(pinRoot, { recursive: true, force: true });
  }

  if (json) {
    process.stdout.write(JSON.stringify({ node: process.version, kernel: release(), kernelNote: kernelNote ?? null, rows, verification: vrows, bigPrograms: brows }, null, 2) + '\n');
    return 0;
  }
  const head = ['case', 'insns/run', 'interp checked', 'interp unchecked', 'kernel JIT', 'checked/kernel', 'unchecked/kernel', 'retval'];
  const body = rows.map((r) => {
    const agree = r.retval === r.reference && (r.kernelRetval === undefined || r.kernelRetval === r.retval);
    return [r.name, String(r.insns), fmtNs(r.checkedNs), fmtNs(r.uncheckedNs), fmtNs(r.kernelNs), ratio(r.checkedNs, r.kernelNs),
      ratio(r.uncheckedNs, r.kernelNs), `${r.retval} ${agree ? 'ok' : 'MISMATCH'}`];
  });
  const out = [
    `tsbpf bench: node ${process.version}, kernel ${release()}, ${availableParallelism()} CPUs; ns per run (fastest of many batches)`,
    '',
    ...table(head, body),
    '',
    kernelNote ? `kernel column: ${kernelNote}` : 'kernel column: bpftool prog run ... repeat N (XDP, JIT), duration as the kernel reports it',
    'retval: ok when interpreter, kernel and an independent TypeScript computation agree',
    '',
    'verification time per object (all its programs): src/verifier vs the kernel (`verification time` of BPF_PROG_LOAD, via bpftool -d)',
    '',
    ...table(['object', 'progs', 'processed', 'tsbpf', 'kernel', 'tsbpf/kernel'],
      vrows.map((v) => [v.object, String(v.programs), String(v.processed), `${v.oursUs.toFixed(0)} us`,
        v.kernelUs === undefined ? 'n/a' : `${v.kernelUs} us`, ratio(v.oursUs, v.kernelUs)])),
    ...(brows.length ? [
      '',
      'big real-world programs (Cilium, from .corpus/ebpf-samples: sh scripts/corpus/ebpf-samples.sh), one verification each',
      '',
      ...table(['program', 'processed', 'kernel processed', 'tsbpf', 'kernel', 'tsbpf/kernel'],
        brows.map((v) => [v.object, String(v.processed), v.kernelProcessed === undefined ? 'n/a' : String(v.kernelProcessed),
          `${(v.oursUs / 1000).toFixed(0)} ms`, v.kernelUs === undefined ? 'n/a' : `${(v.kernelUs / 1000).toFixed(1)} ms`, ratio(v.oursUs, v.kernelUs)])),
    ] : ['', 'big real-world programs: no rows (fetch the corpus: sh scripts/corpus/ebpf-samples.sh)']),
  ];
  process.stdout.write(out.join('\n') + '\n');
  return rows.every((r) => r.retval === r.reference && (r.kernelRetval === undefined || r.kernelRetval === r.retval)) ? 0 : 1;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (e) {
  process.stderr.write(`bench: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
}
