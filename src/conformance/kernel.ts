// Running `.data` cases on the real kernel (root, bpftool, bpffs), to check that our expected
// results are the kernel's.
//
// A case becomes an XDP program (a socket filter for `-- program_type socket_filter`):
//   prologue  r1 = packet data, r2 = length of mem; the packet is the case's memory, padded
//             to the 14 bytes the kernel's test-run wants, and bounds-checked once so the
//             verifier lets the case read and write it directly. Socket filters get r6 = ctx
//             (LD_ABS needs it) and the memory behind a 14-byte Ethernet header, since their
//             test-run skb starts at the network header.
//   epilogue  the test-run returns only 32 bits, so each case is loaded twice: as is (low
//             half of r0) and with its exits redirected to `r0 >>= 32; exit` (high half).
// Loading uses `bpftool prog load` (libbpf) on an object from src/asm/elf-writer.ts and
// `bpftool prog run`; everything pinned lives under /sys/fs/bpf/tsbpf-* and is removed.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assemble } from '../asm/assemble.js';
import { programObject } from '../asm/elf-writer.js';
import { decode, encode, type Insn } from '../isa/insn.js';
import { caseProgram, type DataCase } from './data.js';

export type KernelOutcome =
  | { ok: true; r0: bigint }
  | { ok: false; error: string }
  | { skip: string };

const ETH_HLEN = 14;
const BAD_BOUNDS = 0xbadbad;

function conf(text: string): Insn[] {
  return assemble(text, { dialect: 'conformance' }).insns;
}

export interface WrappedCase {
  code: Uint8Array;
  dataIn: Uint8Array;
  section: string;
  /** bpf-to-bpf callees, placed in `.text` (libbpf appends them to the program). */
  subprograms?: Array<{ name: string; code: Uint8Array }>;
  /** The main program's calls into them (relocated by libbpf). */
  calls?: Array<{ offset: number; target: string }>;
}

/** The program to load for one half of r0, and the packet to run it on. */
export function wrapCase(c: DataCase, half: 'lo' | 'hi'): WrappedCase | { skip: string } {
  let body: Insn[];
  try { body = decode(caseProgram(c)); } catch (e) { return { skip: `does not assemble: ${(e as Error).message}` }; }
  if (body.some((i) => i.form?.kind === 'callx')) return { skip: 'callx: the kernel does not have it' };
  if (body.some((i) => i.form?.id === 'call_helper' || i.form?.id === 'call_kfunc')) return { skip: 'calls test-suite helpers' };
  // bpf-to-bpf calls: every call target starts a function; the code from the first one on
  // goes to .text, one FUNC symbol per function.
  const targets = [...new Set(body.filter((i) => i.form?.id === 'call_local').map((i) => i.pc + 1 + i.imm))].sort((a, b) => a - b);
  const firstSub = targets.length ? targets[0]! : Infinity;
  let main = body.filter((i) => i.pc < firstSub);
  const subs = body.filter((i) => i.pc >= firstSub);
  if (main.some((i) => (i.form?.kind === 'jmp' || i.form?.kind === 'jcond') && i.pc + 1 + (i.form.id === 'ja32' ? i.imm : i.off) >= firstSub)) {
    return { skip: 'the main function jumps into a called function' };
  }
  const n = c.mem.length;
  let prologue: Insn[];
  let dataIn: Uint8Array;
  let section: string;
  if (c.programType === 'socket_filter') {
    section = 'socket';
    prologue = conf(`mov %r6, %r1\nmov %r1, 0\nmov %r2, ${n}`);
    dataIn = new Uint8Array(ETH_HLEN + n);
    dataIn.set(c.mem, ETH_HLEN);
  } else {
    section = 'xdp';
    prologue = n === 0 ? conf('mov %r1, 0\nmov %r2, 0') : conf([
      'ldxw %r2, [%r1+4]', 'ldxw %r1, [%r1]', 'mov %r3, %r1', `add %r3, ${n}`, 'jle %r3, %r2, +2',
      `mov %r0, ${BAD_BOUNDS}`, 'exit', `mov %r2, ${n}`,
    ].join('\n'));
    dataIn = new Uint8Array(Math.max(ETH_HLEN, n));
    dataIn.set(c.mem, 0);
  }
  if (half === 'hi') {
    // the main function's exits → ja to an epilogue appended after it (slot count unchanged)
    const slots = main.reduce((s, i) => s + (i.form?.slots ?? 1), 0);
    main = main.map((i) => (i.form?.kind === 'exit' ? { ...conf(`ja ${slots - (i.pc + 1) >= 0 ? '+' : ''}${slots - (i.pc + 1)}`)[0]!, pc: i.pc } : i));
    main = [...main, ...conf('rsh %r0, 32\nexit')];
  }
  const prologueSlots = prologue.reduce((s, i) => s + (i.form?.slots ?? 1), 0);
  const calls: Array<{ offset: number; target: string }> = [];
  main = main.map((i) => {
    if (i.form?.id !== 'call_local') return i;
    calls.push({ offset: (prologueSlots + i.pc) * 8, target: `f${i.pc + 1 + i.imm}` });
    return { ...i, imm: -1 };
  });
  const out: WrappedCase = { code: encode([...prologue, ...main]), dataIn, section };
  if (targets.length) {
    out.calls = calls;
    out.subprograms = targets.map((t, k) => {
      const end = k + 1 < targets.length ? targets[k + 1]! : Infinity;
      return { name: `f${t}`, code: encode(subs.filter((i) => i.pc >= t && i.pc < end)) };
    });
  }
  return out;
}

function bpftool(args: string[]): { status: number; stdout: string; stderr: string } {
  const r = spawnSync('bpftool', args, { encoding: 'utf8' });
  return { status: r.status ?? -1, stdout: r.stdout ?? '', stderr: (r.stderr ?? '') + (r.error ? String(r.error) : '') };
}

/**
 * Load and run one prepared program on the kernel: `{ retval, duration }` of
 * `bpftool prog run ... repeat N`, or the load error.
 */
export function kernelRun(code: Uint8Array, section: string, dataIn: Uint8Array, pinRoot: string, repeat = 1,
  extra: Pick<WrappedCase, 'subprograms' | 'calls'> = {}): { ok: true; retval: number; duration: number } | { ok: false; error: string } {
  const dir = mkdtempSync(join(tmpdir(), 'tsbpf-kr-'));
  const pin = `${pinRoot}/p${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  try {
    const obj = join(dir, 'p.o');
    const data = join(dir, 'data');
    writeFileSync(obj, programObject(code, { section, subprograms: extra.subprograms, calls: extra.calls }));
    writeFileSync(data, dataIn);
    const load = bpftool(['prog', 'load', obj, pin]);
    if (load.status !== 0) return { ok: false, error: (load.stderr || load.stdout).trim().split('\n').slice(-3).join(' | ') };
    const r = bpftool(['-j', 'prog', 'run', 'pinned', pin, 'data_in', data, 'repeat', String(repeat)]);
    if (r.status !== 0) return { ok: false, error: (r.stderr || r.stdout).trim() };
    const j = JSON.parse(r.stdout) as { retval: number; duration: number };
    return { ok: true, retval: j.retval >>> 0, duration: j.duration };
  } finally {
    rmSync(pin, { force: true });
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Run a case on the kernel: r0 from two runs (low and high halves). */
export function runCaseOnKernel(c: DataCase, pinRoot: string): KernelOutcome {
  const halves: number[] = [];
  for (const half of ['lo', 'hi'] as const) {
    const w = wrapCase(c, half);
    if ('skip' in w) return c.error !== undefined && w.skip.startsWith('does not assemble') ? { ok: false, error: w.skip } : w;
    const r = kernelRun(w.code, w.section, w.dataIn, pinRoot, 1, w);
    if (!r.ok) return { ok: false, error: r.error };
    if (half === 'lo' && r.retval === BAD_BOUNDS && c.programType !== 'socket_filter') return { ok: false, error: 'packet shorter than mem' };
    halves.push(r.retval);
  }
  return { ok: true, r0: (BigInt(halves[1]!) << 32n) | BigInt(halves[0]!) };
}
