// tsbpf's verifier over the real-world objects of vbpf/ebpf-samples (Cilium, Linux samples,
// cilium/ebpf examples...), fetched by scripts/corpus/ebpf-samples.sh into
// .corpus/ebpf-samples (skipped cleanly when absent; the objects are third-party and never
// committed). The kernel's verdicts were recorded on this machine's kernel into
// testdata/verifier/corpus/ebpf-samples/labels.json by
//   scripts/verifier-corpus.sh .corpus/ebpf-samples --labels testdata/verifier/corpus/ebpf-samples/labels.json --relabel --kernel-only
// Asserted: verdict agreement >= 97 %, tsbpf accepts nothing the kernel rejected, and every
// disagreement is listed in KNOWN-DIFFERENCES.md. Programs the kernel needed more than
// FAST_LIMIT instructions for are verified only with TSBPF_SLOW=1 (all 177 take ~50 s); with a live kernel, a few small programs are re-labelled.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { objectNameFromPath, parseObject } from '../../src/loader/index.js';
import type { MapSpec } from '../../src/maps/types.js';
import type { ObjectSpec } from '../../src/loader/types.js';
import { verifyProgram } from '../../src/verifier/index.js';
import { CORPUS_PARSE_OPTIONS, guessProgType, kernelAvailable, kernelLoad, linkLegacyInnerMaps } from '../../src/verifier/testing.js';

const ROOT = join(process.env.TSBPF_CORPUS_DIR ?? '.corpus', 'ebpf-samples');
const DATA = 'testdata/verifier/corpus/ebpf-samples';
const FAST_LIMIT = 20000;
const slow = !!process.env.TSBPF_SLOW;

interface Label {
  file: string; name: string; section: string; type: number; guessedType?: boolean;
  verdict: 'accept' | 'reject' | 'skip'; message?: string; processed?: number; reason?: string;
}
const labels = JSON.parse(readFileSync(join(DATA, 'labels.json'), 'utf8')) as { kernel: string; programs: Label[] };
const known = readFileSync(join(DATA, 'KNOWN-DIFFERENCES.md'), 'utf8');
const present = existsSync(ROOT);

const specs = new Map<string, ObjectSpec>();
function specOf(file: string): ObjectSpec {
  let s = specs.get(file);
  if (!s) {
    s = parseObject(new Uint8Array(readFileSync(join(ROOT, file))), { name: objectNameFromPath(file), ...CORPUS_PARSE_OPTIONS });
    linkLegacyInnerMaps(s);
    specs.set(file, s);
  }
  return s;
}
function programOf(l: Label) {
  const spec = specOf(l.file);
  const p = spec.programs.find((x) => x.name === l.name);
  if (!p) throw new Error(`${l.file}: no program ${l.name}`);
  const prog = { ...p, type: guessProgType(p, spec, l.file) as typeof p.type };
  return { spec, prog, maps: new Map<string, MapSpec>(spec.maps.map((m) => [m.name, m])) };
}

describe.skipIf(!present)('ebpf-samples corpus: tsbpf verdicts against the kernel', () => {
  const compared = labels.programs.filter((l) => l.verdict !== 'skip' && (slow || (l.processed ?? 0) <= FAST_LIMIT));
  const rows: Array<{ key: string; kernel: boolean; ours: boolean; ourMsg: string; kernelMsg: string }> = [];

  it('labels name the programs the corpus holds, with the type the rule guesses', () => {
    for (const l of labels.programs) {
      const { prog } = programOf(l);
      expect(prog.type, `${l.file}:${l.name}`).toBe(l.type);
    }
  });

  it(`verdicts: >= 97 % agree, nothing the kernel rejects is accepted (${slow ? 'all' : `kernel processed <= ${FAST_LIMIT}`})`, () => {
    for (const l of compared) {
      const { prog, maps } = programOf(l);
      const r = verifyProgram(prog, maps, { logLevel: 0 });
      rows.push({ key: `${l.file}:${l.name}`, kernel: l.verdict === 'accept', ours: r.ok, ourMsg: r.error?.message.split('\n')[0] ?? '', kernelMsg: l.message ?? '' });
    }
    const agree = rows.filter((r) => r.ours === r.kernel).length;
    const unsound = rows.filter((r) => r.ours && !r.kernel).map((r) => `${r.key}: kernel says ${r.kernelMsg}`);
    expect(unsound).toEqual([]);
    expect(rows.length).toBeGreaterThanOrEqual(slow ? 150 : 100);
    expect(agree / rows.length).toBeGreaterThanOrEqual(0.97);
  }, 600_000);

  it('every disagreement is listed in KNOWN-DIFFERENCES.md', () => {
    const missing = rows.filter((r) => r.ours !== r.kernel && !known.includes(`\`${r.key}\``)).map((r) => `${r.key}: ours ${r.ourMsg}`);
    expect(missing).toEqual([]);
  });

  it.skipIf(!kernelAvailable())('the running kernel still gives the recorded verdicts (a few small programs)', () => {
    const few = labels.programs.filter((l) => l.verdict !== 'skip' && (l.processed ?? 0) <= 200).filter((_, i) => i % 8 === 0).slice(0, 6);
    expect(few.length).toBeGreaterThan(0);
    for (const l of few) {
      const { spec, prog, maps } = programOf(l);
      const k = kernelLoad(prog, maps, 1, { btf: spec.btf });
      expect(k?.ok, `${l.file}:${l.name}`).toBe(l.verdict === 'accept');
    }
  }, 120_000);
});
