// The soundness campaign: generated programs (generator.ts) and mutated real programs
// (mutator.ts over the committed clang objects) through the oracle (oracle.ts), and, where
// the kernel can be asked, the kernel's verdict on every program tsbpf accepts (privileged
// rules, as the kernel oracle runs as root). Used by src/verifier/soundness.test.ts (a
// fixed-seed sample) and scripts/verifier-soundness.mjs (large runs).

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encode, type Insn } from '../../isa/insn.js';
import { disassemble } from '../../asm/disasm.js';
import { parseObject } from '../../loader/index.js';
import type { ProgramSpec } from '../../loader/types.js';
import type { MapSpec } from '../../maps/types.js';
import { Runtime } from '../../runtime/runtime.js';
import { type KernelVerdict, kernelErrorText, kernelLoad } from '../testing.js';
import { generate } from './generator.js';
import { mutate } from './mutator.js';
import { checkProgram, type Finding, hasLoop } from './oracle.js';
import { Rng } from './rng.js';

export interface Seedling {
  /** Where it comes from: `file:prog`. */
  name: string;
  prog: ProgramSpec;
  maps: Map<string, MapSpec>;
}

/** Every program of the committed clang objects under `dirs` that tsbpf's verifier can start on. */
export function loadSeedlings(dirs: readonly string[]): Seedling[] {
  const out: Seedling[] = [];
  const files: string[] = [];
  const walk = (d: string): void => {
    let names: string[];
    try { names = readdirSync(d).sort(); } catch { return; }
    for (const f of names) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (f.endsWith('.o')) files.push(p);
    }
  };
  for (const d of dirs) walk(d);
  for (const f of files) {
    let spec;
    try { spec = parseObject(new Uint8Array(readFileSync(f)), { name: 'x', allowUnknownSections: true }); } catch { continue; }
    const maps = new Map(spec.maps.map((m) => [m.name, m]));
    for (const p of spec.programs) if (p.type) out.push({ name: `${f}:${p.name}`, prog: p, maps });
  }
  return out;
}

const HERE = dirname(fileURLToPath(import.meta.url));
const HARNESS = [join(HERE, '../../../scripts/verifier-kload.py'), join(HERE, '../../scripts/verifier-kload.py'), join(process.cwd(), 'scripts/verifier-kload.py')].find((p) => existsSync(p));

/** The kernel's verdicts on many programs through one harness process (its batch mode); per program when that is missing. */
export function kernelLoadMany(items: ReadonlyArray<{ prog: ProgramSpec; maps: ReadonlyMap<string, MapSpec> }>, logLevel = 1): Array<KernelVerdict | undefined> {
  if (!items.length) return [];
  if (!HARNESS) return items.map(() => undefined);
  const reqs = items.map(({ prog, maps }) => {
    const list = [...maps.values()];
    const index = new Map(list.map((m, i) => [m.name, i]));
    return {
      insns: Buffer.from(encode(prog.insns as Insn[])).toString('hex'),
      progType: prog.type, expectedAttachType: prog.expectedAttachType, logLevel, license: prog.license, progFlags: prog.flags,
      maps: list.map((m) => {
        const v = m.contents?.[0]?.value;
        return {
          type: m.type, keySize: m.keySize, valueSize: m.valueSize, maxEntries: m.maxEntries, flags: m.flags, name: m.name,
          ...(v instanceof Uint8Array ? { value: Buffer.from(v).toString('hex') } : {}), ...(m.freeze ? { freeze: true } : {}),
        };
      }),
      mapRefs: prog.mapRefs.map((r) => ({ insn: r.insn, map: index.get(r.map) ?? 0, kind: r.kind, offset: r.kind === 'map_value' ? r.offset : 0 })),
    };
  });
  // one python process for the whole batch: the harness's main() run once per request on
  // its own stdin/stdout (works whether or not the harness has a batch mode)
  const driver = [
    'import io, json, sys',
    'src = open(sys.argv[1]).read().rstrip()',
    'src = src[:-len("main()")] if src.endswith("main()") else src',
    'g = {"__name__": "kload"}',
    'exec(compile(src, sys.argv[1], "exec"), g)',
    'reqs = json.load(sys.stdin)',
    'out = []',
    'for q in reqs:',
    '    sys.stdin = io.StringIO(json.dumps(q)); buf = io.StringIO(); so = sys.stdout; sys.stdout = buf',
    '    try:',
    '        g["main"]()',
    '    except Exception as e:',
    '        buf = io.StringIO(json.dumps({"ok": False, "errno": -1, "log": "harness: %s" % e}))',
    '    finally:',
    '        sys.stdout = so',
    '    try: out.append(json.loads(buf.getvalue()))',
    '    except Exception: out.append(None)',
    'print(json.dumps(out))',
  ].join('\n');
  const r = spawnSync('python3', ['-c', driver, HARNESS], { input: JSON.stringify(reqs), encoding: 'utf8', maxBuffer: 1 << 30 });
  try {
    const out = JSON.parse(r.stdout) as unknown;
    if (Array.isArray(out) && out.length === items.length) return out.map((v) => (v && typeof v === 'object' && 'ok' in v ? v as KernelVerdict : undefined));
  } catch { /* fall back to one process per program */ }
  return items.map(({ prog, maps }) => kernelLoad(prog, maps, logLevel));
}

export type KernelReason = 'safety' | 'limit' | 'unsupported' | 'no-answer';

/** Why the kernel refused a program: a safety rule, a limit of its own (complexity, sizes), or a form it wants otherwise (BTF, attach targets). */
export function kernelReason(errno: number, log: string): KernelReason {
  const text = kernelErrorText(log) || log;
  if (/too complex|program is too large|too many states|combined stack size|jump sequence of \d+ is too long|infinite loop detected|back-edge|loop detected|the call stack of \d+ frames is too deep/.test(text)) return 'limit';
  if (errno === 7 /* E2BIG */) return 'limit';
  if (/BTF|func_info|attach|unknown func|cannot call GPL|kfunc|not supported|unsupported|Invalid argument/.test(text) || (!log && errno === 22)) return 'unsupported';
  return 'safety';
}

export interface CampaignOptions {
  runs: number;
  seed: number;
  /** Share of mutated real programs (rest generated); default 0.5 when seedlings are given. */
  mutatedShare?: number;
  seedlings?: Seedling[];
  /** Ask the kernel about every n-th program tsbpf accepts (0: never). */
  kernelEvery?: number;
  /** Also ask the kernel about programs tsbpf rejects (completeness counts), every n-th. */
  kernelRejectEvery?: number;
  /** Write reproducers here. */
  outDir?: string;
  /** Runs per accepted program (default 4). */
  inputs?: number;
  progress?: (done: number) => void;
}

export interface Failure {
  index: number;
  origin: string;
  kind: string;
  mode: string;
  detail: string;
  text: string;
  maps: MapSpec[];
}

export interface CampaignCounts {
  programs: number;
  generated: number;
  mutated: number;
  acceptedPriv: number;
  acceptedUnpriv: number;
  runs: number;
  refusedRuns: number;
  findings: Record<string, number>;
  verifierCrashes: number;
  /** Programs of a known open finding, not run (see the docs). */
  skippedKnownHang: number;
  kernel: { asked: number; bothAccept: number; weAcceptKernelRejects: Record<KernelReason, number>; askedRejected: number; kernelAcceptsWeReject: number };
}

function listing(p: ProgramSpec): string {
  try { return disassemble(p.insns, { pcs: true }); } catch { return p.insns.map((i) => JSON.stringify({ ...i, form: undefined })).join('\n'); }
}

export function runCampaign(o: CampaignOptions): { counts: CampaignCounts; failures: Failure[] } {
  const master = new Rng(o.seed);
  const fresh = (): Runtime => { const r = new Runtime({ ncpus: 1 }); r.cpu.budget = 200_000; return r; };
  // a fresh runtime now and then: what programs leave behind (trace logs, ring buffers,
  // ids) must not pile up over a long campaign
  let rt = fresh();
  const c: CampaignCounts = {
    programs: 0, generated: 0, mutated: 0, acceptedPriv: 0, acceptedUnpriv: 0, runs: 0, refusedRuns: 0, findings: {}, verifierCrashes: 0, skippedKnownHang: 0,
    kernel: { asked: 0, bothAccept: 0, weAcceptKernelRejects: { safety: 0, limit: 0, unsupported: 0, 'no-answer': 0 }, askedRejected: 0, kernelAcceptsWeReject: 0 },
  };
  const failures: Failure[] = [];
  const seeds = o.seedlings ?? [];
  const share = seeds.length ? o.mutatedShare ?? 0.5 : 0;
  const record = (f: Failure): void => {
    failures.push(f);
    c.findings[f.kind] = (c.findings[f.kind] ?? 0) + 1;
    if (o.outDir) {
      mkdirSync(o.outDir, { recursive: true });
      writeFileSync(join(o.outDir, `${String(f.index).padStart(6, '0')}-${f.kind}.txt`),
        `# seed ${o.seed} program ${f.index} (${f.origin})\n# ${f.kind} [${f.mode}]: ${f.detail.split('\n')[0]}\n# maps: ${JSON.stringify(f.maps.map((m) => ({ name: m.name, type: m.type, keySize: m.keySize, valueSize: m.valueSize, maxEntries: m.maxEntries, flags: m.flags })))}\n${f.text}\n`);
    }
  };
  let accepted = 0, rejected = 0;
  const queue: Array<{ prog: ProgramSpec; maps: Map<string, MapSpec>; index: number; origin: string; text: string; accept: boolean }> = [];
  const flush = (): void => {
    const batch = queue.splice(0);
    const verdicts = kernelLoadMany(batch, 1);
    batch.forEach((q, n) => {
      const k = verdicts[n];
      if (!q.accept) {
        c.kernel.askedRejected++;
        if (k?.ok) c.kernel.kernelAcceptsWeReject++;
        return;
      }
      c.kernel.asked++;
      if (!k) c.kernel.weAcceptKernelRejects['no-answer']++;
      else if (k.ok) c.kernel.bothAccept++;
      else {
        const why = kernelReason(k.errno, k.log);
        c.kernel.weAcceptKernelRejects[why]++;
        record({ index: q.index, origin: q.origin, kind: `kernel-${why}`, mode: 'priv', detail: `errno ${k.errno}: ${kernelErrorText(k.log) || k.log.slice(-400)}`, text: q.text || listing(q.prog), maps: [...q.maps.values()] });
      }
    });
  };
  for (let i = 0; i < o.runs; i++) {
    const r = master.fork();
    if (i % 250 === 249) rt = fresh();
    let prog: ProgramSpec, maps: Map<string, MapSpec>, text: string, origin: string, loops: boolean;
    if (r.chance(share)) {
      const s = r.pick(seeds);
      const m = mutate(s.prog, r);
      prog = m.prog; maps = s.maps; origin = `${s.name} ${m.edits.join(' ')}`; loops = true; text = '';
      c.mutated++;
    } else {
      const g = generate(r);
      prog = g.prog; maps = g.maps; text = g.text; origin = 'generated'; loops = g.loops;
      c.generated++;
    }
    loops = loops || hasLoop(prog);
    c.programs++;
    // known open finding (reported, not fixed here): a backward `if rX op rX` keeps the
    // verifier refining the same register state by state until memory runs out
    if (prog.insns.some((x) => ((x.opcode & 0x0f) === 0x0d || (x.opcode & 0x0f) === 0x0e) && (x.opcode & 0xf0) !== 0x80 && (x.opcode & 0xf0) !== 0x90 && x.src === x.dst && x.off < 0)) {
      c.skippedKnownHang++;
      continue;
    }
    const res = checkProgram(rt, prog, maps, r, { loops, runs: o.inputs ?? 4 });
    const txt = (): string => text || listing(prog);
    if (res.verifierCrash) {
      c.verifierCrashes++;
      record({ index: i, origin, kind: 'verifier-crash', mode: '', detail: res.verifierCrash, text: txt(), maps: [...maps.values()] });
      continue;
    }
    if (res.priv?.ok) c.acceptedPriv++;
    if (res.unpriv?.ok) c.acceptedUnpriv++;
    c.runs += res.runs;
    c.refusedRuns += res.refused;
    for (const f of res.findings) record({ index: i, origin, kind: f.kind, mode: f.mode, detail: f.detail, text: txt(), maps: [...maps.values()] });
    if (res.priv?.ok && o.kernelEvery && accepted++ % o.kernelEvery === 0) {
      queue.push({ prog, maps, index: i, origin, text: txt(), accept: true });
    } else if (res.priv && !res.priv.ok && o.kernelRejectEvery && rejected++ % o.kernelRejectEvery === 0) {
      queue.push({ prog, maps, index: i, origin, text: '', accept: false });
    }
    if (queue.length >= 100) flush();
    o.progress?.(i + 1);
  }
  flush();
  return { counts: c, failures };
}

export type { Finding };
