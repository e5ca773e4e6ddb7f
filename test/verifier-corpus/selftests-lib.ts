// The kernel's verifier selftests (tools/testing/selftests/bpf/progs/verifier_*.c, Linux
// 6.12) as a labeled corpus: the expected verdict and messages of each program are read
// from its BTF decl tags (`comment:test_expect_*`, bpf_misc.h's __success/__failure/__msg/
// __flag/__log_level...), as the selftests' test_loader reads them; the running kernel's
// verdict comes from scripts/selftests-kload.py (libbpf, loading one program at a time like
// test_loader); tsbpf's from src/verifier. Objects are built by scripts/corpus/selftests.sh
// into ${TSBPF_CORPUS_DIR:-.corpus}/selftests (never committed).

import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BtfKind, parseBtf, type Btf } from '../../src/btf/index.js';
import { parseElf } from '../../src/elf/elf.js';
import { parseObject } from '../../src/loader/index.js';
import type { ObjectSpec } from '../../src/loader/types.js';
import { verifyProgram } from '../../src/verifier/index.js';
import { kernelErrorText } from '../../src/verifier/testing.js';

const HERE = dirname(fileURLToPath(import.meta.url));
export const CORPUS_DIR = join(process.env.TSBPF_CORPUS_DIR ?? join(HERE, '../../.corpus'), 'selftests');
export const OBJ_DIR = join(CORPUS_DIR, 'obj');
export const LABELS_DIR = join(HERE, '../../testdata/verifier/corpus/selftests');

/** What the test's annotations say (privileged mode). */
export interface TestSpec {
  file: string;
  prog: string;
  section: string;
  /** 'success' / 'failure' in privileged mode; 'unpriv-only' when only _unpriv annotations are given. */
  expect: 'success' | 'failure' | 'unpriv-only';
  msgs: string[];
  flags: number;
  logLevel: number;
  auxiliary: boolean;
  retval?: string;
  description?: string;
}

const FLAG_NAMES: Record<string, number> = {
  BPF_F_STRICT_ALIGNMENT: 1, BPF_F_ANY_ALIGNMENT: 2, BPF_F_TEST_RND_HI32: 4, BPF_F_TEST_STATE_FREQ: 8,
  BPF_F_SLEEPABLE: 16, BPF_F_XDP_HAS_FRAGS: 32, BPF_F_TEST_REG_INVARIANTS: 128,
};

/** Programs of an object (FUNC symbols in executable sections other than .text), with their test specs. */
export function readSpecs(file: string, bytes: Uint8Array): TestSpec[] {
  const elf = parseElf(bytes);
  const btfSec = elf.section('.BTF');
  const btf: Btf | undefined = btfSec ? parseBtf(elf.sectionBytes('.BTF')) : undefined;
  const tags = new Map<number, string[]>();
  const funcIds = new Map<string, number>();
  if (btf) {
    btf.types.forEach((t, id) => {
      if (!t) return;
      if (t.kind === BtfKind.FUNC) funcIds.set(t.name, id);
      if (t.kind === BtfKind.DECL_TAG && t.componentIdx === -1) {
        const l = tags.get(t.type) ?? [];
        l.push(t.name);
        tags.set(t.type, l);
      }
    });
  }
  const out: TestSpec[] = [];
  for (const s of elf.symbols) {
    if (s.type !== 2 || !s.name) continue;
    const sec = elf.sections[s.shndx];
    if (!sec || !(sec.flags & 4) || sec.name === '.text') continue;
    const spec: TestSpec = { file, prog: s.name, section: sec.name, expect: 'success', msgs: [], flags: 0, logLevel: 0, auxiliary: false };
    let priv = false;
    let unpriv = false;
    let failure = false;
    // BTF lists the tags in declaration order; __msg keeps its __COUNTER__ for ordering
    const msgs: Array<[number, string]> = [];
    for (const tag of tags.get(funcIds.get(s.name) ?? -1) ?? []) {
      const dyn = (pfx: string): [number, string] | undefined => {
        if (!tag.startsWith(pfx)) return undefined;
        const rest = tag.slice(pfx.length);
        const eq = rest.indexOf('=');
        return eq < 0 ? undefined : [Number(rest.slice(0, eq)), rest.slice(eq + 1)];
      };
      let m: [number, string] | undefined;
      if (tag === 'comment:test_expect_failure') { failure = true; priv = true; }
      else if (tag === 'comment:test_expect_success') { failure = false; priv = true; }
      else if (tag === 'comment:test_expect_failure_unpriv' || tag === 'comment:test_expect_success_unpriv') unpriv = true;
      else if (tag === 'comment:test_auxiliary') { spec.auxiliary = true; priv = true; }
      else if (tag === 'comment:test_auxiliary_unpriv') { spec.auxiliary = true; unpriv = true; }
      else if ((m = dyn('comment:test_expect_msg='))) { msgs.push(m); priv = true; }
      else if (dyn('comment:test_expect_msg_unpriv=') || dyn('comment:test_expect_xlated_unpriv=') || tag.startsWith('comment:test_retval_unpriv=')) unpriv = true;
      else if (dyn('comment:test_expect_xlated=')) priv = true;
      else if (tag.startsWith('comment:test_retval=')) { spec.retval = tag.slice('comment:test_retval='.length); priv = true; }
      else if (tag.startsWith('comment:test_log_level=')) spec.logLevel = Number(tag.slice('comment:test_log_level='.length)) || 0;
      else if (tag.startsWith('comment:test_description=')) spec.description = tag.slice('comment:test_description='.length);
      else if (tag.startsWith('comment:test_prog_flags=')) {
        let v = tag.slice('comment:test_prog_flags='.length);
        const clear = v.startsWith('!');
        if (clear) v = v.slice(1);
        const f = FLAG_NAMES[v] ?? Number(v);
        spec.flags = clear ? spec.flags & ~f : spec.flags | f;
      }
    }
    msgs.sort((a, b) => a[0] - b[0]);
    spec.msgs = msgs.map((m) => m[1]);
    if (!priv && unpriv) spec.expect = 'unpriv-only';
    else spec.expect = failure ? 'failure' : 'success';
    out.push(spec);
  }
  return out;
}

/** test_loader's pattern: verbatim text with POSIX ERE in `{{...}}`. */
function patternRegex(p: string): RegExp {
  let src = '';
  let i = 0;
  while (i < p.length) {
    if (p.startsWith('{{', i)) {
      const end = p.indexOf('}}', i + 2);
      if (end < 0) { src += p.slice(i).replace(/[.*+?^${}()|[\]\\]/g, '\\$&'); break; }
      src += p.slice(i + 2, end);
      i = end + 2;
      continue;
    }
    src += p[i]!.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    i++;
  }
  return new RegExp(src, 'gm');
}

/** Do the expected messages appear in the log, in order (test_loader's validate_msgs)? */
export function msgsMatch(log: string, msgs: readonly string[]): boolean {
  let pos = 0;
  for (const m of msgs) {
    if (!m.includes('{{')) {
      const at = log.indexOf(m, pos);
      if (at < 0) return false;
      pos = at + m.length;
    } else {
      const re = patternRegex(m);
      re.lastIndex = pos;
      const r = re.exec(log);
      if (!r) return false;
      pos = r.index + r[0].length;
    }
  }
  return true;
}

export interface KernelLabel {
  /** 'n/a': the kernel (libbpf) refused before verifying: kfunc/BTF/attach target missing... */
  verdict: 'accept' | 'reject' | 'n/a';
  errno: number;
  /** The verifier's error text (kernel log lines after the last instruction), or why n/a. */
  msg: string;
  /** Do the __msg patterns appear in the kernel's log, in order? */
  msgsMatch: boolean;
}

export interface Label extends Omit<TestSpec, 'auxiliary'> {
  kernel: KernelLabel;
}

/** Kernel labels for one object (every non-auxiliary test with a privileged mode). */
export function kernelLabels(path: string, specs: TestSpec[]): Map<string, KernelLabel> {
  const lib = join(CORPUS_DIR, 'lib/libbpf.so');
  const aux = specs.filter((s) => s.auxiliary && s.expect !== 'unpriv-only').map((s) => s.prog);
  const tests = specs.filter((s) => !s.auxiliary && s.expect !== 'unpriv-only').map((s) => ({
    prog: s.prog, flags: s.flags | 128 /* BPF_F_TEST_REG_INVARIANTS, as testing_prog_flags() */,
    logLevel: (s.logLevel & 3) ? s.logLevel : (s.logLevel & 4) | 1, aux,
  }));
  const out = new Map<string, KernelLabel>();
  if (!tests.length) return out;
  const r = spawnSync('python3', [join(HERE, '../../scripts/selftests-kload.py')], {
    input: JSON.stringify({ lib, obj: path, tests }), encoding: 'utf8', maxBuffer: 1 << 30,
  });
  for (const line of r.stdout.split('\n')) {
    if (!line.trim()) continue;
    const k = JSON.parse(line) as { prog: string; ok: boolean; err: number; log: string; stage?: string };
    const spec = specs.find((s) => s.prog === k.prog)!;
    // a CO-RE relocation libbpf could not resolve poisons the instruction: libbpf's refusal, not the verifier's
    const verified = (k.ok || /processed \d+ insns/.test(k.log) || /^\d+: \(/m.test(k.log)) && !/failed to resolve CO-RE relocation/.test(k.log);
    const log = k.log;
    out.set(k.prog, {
      verdict: k.ok ? 'accept' : verified ? 'reject' : 'n/a',
      errno: -k.err,
      msg: k.ok ? '' : verified ? kernelErrorText(log).trimEnd() : (k.stage ?? log.trim().split('\n').slice(-2).join('\n')).slice(0, 300),
      msgsMatch: msgsMatch(log, spec.msgs),
    });
  }
  return out;
}

/** Objects of the corpus (sorted), or [] when scripts/corpus/selftests.sh has not been run. */
export function corpusObjects(): string[] {
  if (!existsSync(OBJ_DIR)) return [];
  return readdirSync(OBJ_DIR).filter((f) => f.endsWith('.o')).sort().map((f) => join(OBJ_DIR, f));
}

export interface Outcome {
  file: string;
  prog: string;
  /** tsbpf's verdict; 'unsupported': a `tsbpf:` refusal or an object the loader cannot parse. */
  ours: 'accept' | 'reject' | 'unsupported' | 'skipped';
  feature?: string;
  msg: string;
  /** The __msg patterns found in our log, in order. */
  msgsMatch: boolean;
}

const FEATURES: Array<[RegExp, string]> = [
  [/calling kernel functions|__ksym|kernel symbols|\.ksyms/, 'kfunc/ksym'],
  [/arena|addr_space/, 'arena'],
  [/struct_ops/, 'struct_ops'],
  [/callx/, 'callx'],
  [/64-bit loads of kernel BTF/, 'ksym (BTF id lddw)'],
  [/\((timer|dynptr|kptr|[a-z_]*dynptr[a-z_]*|[a-z_]*kptr[a-z_]*|[a-z_]*timer[a-z_]*)\)/, 'timer/dynptr/kptr helper argument'],
  [/callbacks of/, 'callbacks (other than bpf_loop/for_each_map_elem)'],
  [/spin_lock/, 'bpf_spin_lock (unmodelled form)'],
  [/program type|section/, 'program type / section'],
];

export function featureOf(msg: string): string {
  for (const [re, f] of FEATURES) if (re.test(msg)) return f;
  return 'other: ' + msg.replace(/^tsbpf: /, '').replace(/\d+/g, 'N').slice(0, 60);
}

/**
 * Programs that take tsbpf more than a few seconds (listed in slow.json with the reason):
 * skipped unless TSBPF_SLOW=1, to keep the test's run time low.
 */
export function slowPrograms(): Record<string, string> {
  const p = join(LABELS_DIR, 'slow.json');
  return existsSync(p) ? JSON.parse(readFileSync(p, 'utf8')) as Record<string, string> : {};
}

/** Verify every program of one object with tsbpf. */
export function tsbpfOutcomes(path: string, specs: TestSpec[], slow: Record<string, string> = {}): Outcome[] {
  const file = basename(path);
  let obj: ObjectSpec;
  try {
    obj = parseObject(new Uint8Array(readFileSync(path)), { name: basename(path, '.o'), allowUnknownSections: true, fullMapNames: true, allowUnknownPinning: true });
  } catch (e) {
    const msg = `tsbpf: loader: ${(e as Error).message}`;
    return specs.map((s) => ({ file, prog: s.prog, ours: 'unsupported', feature: featureOf(msg), msg, msgsMatch: false }));
  }
  const maps = new Map(obj.maps.map((m) => [m.name, m]));
  return specs.map((s): Outcome => {
    if (slow[`${file}:${s.prog}`] && !process.env.TSBPF_SLOW) return { file, prog: s.prog, ours: 'skipped', msg: `slow: ${slow[`${file}:${s.prog}`]}`, msgsMatch: false };
    const p = obj.programs.find((q) => q.name === s.prog);
    if (!p || !p.type) {
      const msg = `tsbpf: program type of section '${s.section}' is unknown`;
      return { file, prog: s.prog, ours: 'unsupported', feature: featureOf(msg), msg, msgsMatch: false };
    }
    const level = (s.logLevel & 3) >= 2 ? 2 : 1;
    let r;
    try {
      r = verifyProgram({ ...p, flags: p.flags | s.flags }, maps, { logLevel: level });
    } catch (e) {
      return { file, prog: s.prog, ours: 'reject', msg: `CRASH: ${(e as Error).stack ?? e}`, msgsMatch: false };
    }
    const msg = r.error?.message ?? '';
    if (!r.ok && msg.startsWith('tsbpf:')) return { file, prog: s.prog, ours: 'unsupported', feature: featureOf(msg), msg, msgsMatch: false };
    return { file, prog: s.prog, ours: r.ok ? 'accept' : 'reject', msg, msgsMatch: msgsMatch(r.log + '\n' + msg, s.msgs) };
  });
}

export type Category = 'skipped (slow)' | 'agree' | 'UNSAFE: tsbpf accepts, kernel rejects' | 'tsbpf rejects, kernel accepts' | 'unsupported feature' | 'kernel n/a';

export interface Row { label: Label; out: Outcome; category: Category; msgAgree?: boolean }

export function categorise(label: Label, out: Outcome): Row {
  const k = label.kernel.verdict;
  if (k === 'n/a') return { label, out, category: 'kernel n/a' };
  if (out.ours === 'skipped') return { label, out, category: 'skipped (slow)' };
  if (out.ours === 'unsupported') return { label, out, category: 'unsupported feature' };
  if (out.ours === k) {
    // message agreement: the __msg patterns (when the kernel's own log has them) appear in ours
    const msgAgree = label.msgs.length && label.kernel.msgsMatch ? out.msgsMatch : undefined;
    return { label, out, category: 'agree', msgAgree };
  }
  return { label, out, category: out.ours === 'accept' ? 'UNSAFE: tsbpf accepts, kernel rejects' : 'tsbpf rejects, kernel accepts' };
}

export interface Summary {
  objects: number;
  programs: number;
  /** tests with a privileged mode that are not auxiliary */
  tests: number;
  kernelNa: number;
  /** kernel verdict differs from the 6.12 annotations (the kernel changed since) */
  kernelVsAnnotation: number;
  skippedSlow: number;
  unsupported: number;
  unsupportedByFeature: Record<string, number>;
  compared: number;
  verdictAgree: number;
  unsafe: number;
  falseReject: number;
  /** compared, both reject, with __msg patterns found in the kernel's log */
  msgCompared: number;
  msgAgree: number;
  /** same, for accepted programs with __msg patterns (level-2 log lines) */
  acceptMsgCompared: number;
  acceptMsgAgree: number;
  exactErrorText: number;
}

export function summarise(rows: Row[], objects: number, programs: number): Summary {
  const s: Summary = {
    objects, programs, tests: rows.length, kernelNa: 0, kernelVsAnnotation: 0, skippedSlow: 0, unsupported: 0, unsupportedByFeature: {}, compared: 0, verdictAgree: 0,
    unsafe: 0, falseReject: 0, msgCompared: 0, msgAgree: 0, acceptMsgCompared: 0, acceptMsgAgree: 0, exactErrorText: 0,
  };
  for (const r of rows) {
    if (r.category === 'kernel n/a') { s.kernelNa++; continue; }
    if ((r.label.kernel.verdict === 'accept') !== (r.label.expect === 'success')) s.kernelVsAnnotation++;
    if (r.category === 'skipped (slow)') { s.skippedSlow++; continue; }
    if (r.category === 'unsupported feature') {
      s.unsupported++;
      const f = r.out.feature ?? '?';
      s.unsupportedByFeature[f] = (s.unsupportedByFeature[f] ?? 0) + 1;
      continue;
    }
    s.compared++;
    if (r.category === 'agree') {
      s.verdictAgree++;
      if (r.msgAgree !== undefined) {
        if (r.out.ours === 'reject') { s.msgCompared++; if (r.msgAgree) s.msgAgree++; }
        else { s.acceptMsgCompared++; if (r.msgAgree) s.acceptMsgAgree++; }
      }
      if (r.out.ours === 'reject' && r.out.msg === r.label.kernel.msg) s.exactErrorText++;
    } else if (r.category === 'UNSAFE: tsbpf accepts, kernel rejects') s.unsafe++;
    else s.falseReject++;
  }
  return s;
}

/** Every disagreement (verdict, unsupported feature, or message) as `file:prog` keys. */
export function disagreements(rows: Row[]): Array<{ key: string; kind: string; row: Row }> {
  const out: Array<{ key: string; kind: string; row: Row }> = [];
  for (const r of rows) {
    const key = `${r.label.file}:${r.label.prog}`;
    if (r.category === 'agree') { if (r.msgAgree === false) out.push({ key, kind: 'message', row: r }); }
    else if (r.category !== 'kernel n/a' && r.category !== 'skipped (slow)') out.push({ key, kind: r.category, row: r });
  }
  return out;
}
