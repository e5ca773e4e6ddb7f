// Driver of scripts/verifier-corpus.sh: every program of every .o under the corpus
// directory, verified by tsbpf (dist/) and by the kernel (scripts/verifier-kload.py: the same
// bytecode, maps, BTF and func info, as libbpf would pass them). Programs the kernel cannot
// even start verifying (no program type, attach targets it wants) are counted apart, by reason.
//
//   node scripts/verifier-corpus.mjs CORPUS_DIR [--labels FILE] [--relabel] [--kernel-only]
//        [--only REGEX] [--json FILE] [--max-kernel-insns N]
// --labels FILE: kernel verdicts recorded earlier (labels.json); without --relabel the kernel
//   is not asked again. --relabel: ask the running kernel and (re)write FILE.
// --kernel-only: no tsbpf runs (with --relabel: just record the kernel's verdicts).
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { release } from 'node:os';
import { parseObject, objectNameFromPath } from '../dist/loader/index.js';
import { verifyProgram } from '../dist/verifier/index.js';
import { kernelLoad, kernelErrorText, guessProgType, corpusObjects, linkLegacyInnerMaps, CORPUS_PARSE_OPTIONS } from '../dist/verifier/testing.js';

const args = process.argv.slice(2);
const opt = (name) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
const flag = (name) => args.includes(name);
const root = args.find((a, i) => !a.startsWith('--') && !(i > 0 && ['--labels', '--only', '--json', '--max-kernel-insns'].includes(args[i - 1])));
if (!root) { console.error('usage: verifier-corpus.mjs CORPUS_DIR [--labels FILE] [--relabel] [--kernel-only] [--only REGEX] [--json FILE]'); process.exit(2); }
const labelsPath = opt('--labels');
const relabel = flag('--relabel') || !labelsPath;
const kernelOnly = flag('--kernel-only');
const only = opt('--only') ? new RegExp(opt('--only')) : undefined;
const maxKernelInsns = opt('--max-kernel-insns') ? Number(opt('--max-kernel-insns')) : Infinity;
const jsonOut = opt('--json') ?? process.env.VERIFIER_CORPUS_JSON;

const old = labelsPath && existsSync(labelsPath) ? JSON.parse(readFileSync(labelsPath, 'utf8')) : { programs: [], objects: [] };
const oldByKey = new Map(old.programs.map((l) => [`${l.file}:${l.name}`, l]));
const labels = { kernel: relabel ? release() : old.kernel, recorded: relabel ? new Date().toISOString().slice(0, 10) : old.recorded, objects: [], programs: [] };

const firstLine = (s) => (s ?? '').split('\n').find((l) => l.trim()) ?? '';
const rows = [];
const t = { objects: 0, parseErrors: 0, programs: 0, compared: 0, agree: 0, msgAgree: 0, weAccept: 0, kAccept: 0, oursOnlyReject: 0, oursOnlyAccept: 0, skipped: 0, ourErrors: 0, skipReasons: {} };
const skip = (row, reason) => { row.status = 'skipped'; row.detail = reason; t.skipped++; t.skipReasons[reason] = (t.skipReasons[reason] ?? 0) + 1; };

for (const file of corpusObjects(root)) {
  if (only && !only.test(file)) continue;
  t.objects++;
  let spec;
  try {
    spec = parseObject(new Uint8Array(readFileSync(join(root, file))), { name: objectNameFromPath(file), ...CORPUS_PARSE_OPTIONS });
  } catch (e) {
    t.parseErrors++;
    labels.objects.push({ file, programs: 0, parseError: firstLine(e.message) });
    rows.push({ file, prog: '', status: 'parse-error', detail: e.message });
    continue;
  }
  linkLegacyInnerMaps(spec);
  labels.objects.push({ file, programs: spec.programs.length });
  const maps = new Map(spec.maps.map((m) => [m.name, m]));
  for (const p of spec.programs) {
    t.programs++;
    const row = { file, prog: p.name, section: p.section, type: p.type, insns: p.insns.length };
    const type = guessProgType(p, spec, file);
    if (type !== p.type) { row.guessedType = true; p.type = type; row.type = type; }
    let label;
    if (!type) {
      label = { file, name: p.name, section: p.section, type: 0, verdict: 'skip', reason: 'no program type (section names none, object gives no hint)' };
    } else if (!relabel) {
      label = oldByKey.get(`${file}:${p.name}`);
    } else {
      const k = kernelLoad(p, maps, 1, { btf: spec.btf });
      label = { file, name: p.name, section: p.section, type, ...(row.guessedType ? { guessedType: true } : {}) };
      if (!k) Object.assign(label, { verdict: 'skip', reason: 'kernel unavailable' });
      else if (k.ok || /processed \d+ insns/.test(k.log)) {
        const m = /processed (\d+) insns/.exec(k.log);
        Object.assign(label, { verdict: k.ok ? 'accept' : 'reject', errno: k.errno, message: k.ok ? '' : firstLine(kernelErrorText(k.log)).replace(/processed \d+ insns.*$/, '').trimEnd(), processed: m ? Number(m[1]) : 0, btf: !!k.btf });
      } else {
        const why = k.stage === 'map_create' ? `map_create failed (errno ${k.errno})` : `kernel refused before verifying (errno ${k.errno}): ${firstLine(k.log.trim().split('\n').pop())}`;
        Object.assign(label, { verdict: 'skip', errno: k.errno, reason: why });
      }
    }
    if (!label) { skip(row, 'not in labels'); rows.push(row); continue; }
    labels.programs.push(label);
    if (label.verdict === 'skip') { skip(row, label.reason); rows.push(row); continue; }
    row.kernel = label.verdict === 'accept';
    row.kernelMsg = label.message;
    row.kernelProcessed = label.processed;
    if (!kernelOnly && (label.processed ?? 0) > maxKernelInsns) { skip(row, `kernel processed more than ${maxKernelInsns} insns (--max-kernel-insns)`); rows.push(row); continue; }
    if (kernelOnly) { rows.push(row); console.log(`${label.verdict.padEnd(8)} ${file}:${p.name} ${label.processed} ${label.message}`); continue; }
    let ours;
    const t0 = process.hrtime.bigint();
    try {
      ours = verifyProgram(p, maps, { logLevel: 0 });
    } catch (e) {
      row.status = 'tsbpf-crash'; row.detail = String(e && e.stack || e); t.ourErrors++; rows.push(row); continue;
    }
    row.ms = Number(process.hrtime.bigint() - t0) / 1e6;
    row.processed = ours.stats.processed;
    t.compared++;
    if (ours.ok) t.weAccept++;
    if (row.kernel) t.kAccept++;
    row.ours = ours.ok;
    row.oursMsg = ours.ok ? '' : firstLine(ours.error?.message);
    if (ours.ok === row.kernel) {
      t.agree++;
      if (ours.ok || row.oursMsg === row.kernelMsg) t.msgAgree++;
      row.status = 'agree';
    } else {
      row.status = ours.ok ? 'OURS-ACCEPT-KERNEL-REJECT' : 'ours-reject-kernel-accept';
      if (ours.ok) t.oursOnlyAccept++; else t.oursOnlyReject++;
    }
    rows.push(row);
    console.log(`${row.status.padEnd(26)} ${file}:${p.name} (${row.processed}/${row.kernelProcessed} insns, ${Math.round(row.ms)} ms)${row.status === 'agree' ? '' : ` ours=${JSON.stringify(row.oursMsg)} kernel=${JSON.stringify(row.kernelMsg)}`}`);
  }
}
const pct = (a, b) => (b ? (100 * a / b).toFixed(1) : '-');
console.log(`\nobjects ${t.objects} (${t.parseErrors} do not parse), programs ${t.programs}, compared ${t.compared}, skipped ${t.skipped}, tsbpf crashes ${t.ourErrors}`);
for (const [r, n] of Object.entries(t.skipReasons).sort((a, b) => b[1] - a[1])) console.log(`  skipped ${n}: ${r}`);
if (!kernelOnly) {
  console.log(`verdict agreement ${t.agree}/${t.compared} (${pct(t.agree, t.compared)} %), message agreement ${t.msgAgree}/${t.compared} (${pct(t.msgAgree, t.compared)} %)`);
  console.log(`kernel accepts ${t.kAccept}, tsbpf accepts ${t.weAccept}; tsbpf accepts what the kernel rejects: ${t.oursOnlyAccept}; tsbpf rejects what the kernel accepts: ${t.oursOnlyReject}`);
}
if (relabel && labelsPath && !only) writeFileSync(labelsPath, JSON.stringify(labels, null, 1) + '\n');
if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ totals: t, rows }, null, 1));
