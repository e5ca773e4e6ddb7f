// Driver of scripts/verifier-corpus.sh: every program of every .o under the corpus
// directory, verified by tsbpf (dist/) and by the kernel (scripts/verifier-kload.py, the
// same bytecode and maps). Programs the kernel cannot even start verifying (map types or
// BTF it wants, unknown sections) are counted apart.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseObject, objectNameFromPath } from '../dist/loader/index.js';
import { verifyProgram } from '../dist/verifier/index.js';
import { kernelLoad, kernelErrorText } from '../dist/verifier/testing.js';

const root = process.argv[2];
const files = [];
const walk = (d) => {
  for (const f of readdirSync(d)) {
    const p = join(d, f);
    if (statSync(p).isDirectory()) walk(p);
    else if (f.endsWith('.o')) files.push(p);
  }
};
walk(root);
files.sort();
const rows = [];
const t = { programs: 0, compared: 0, agree: 0, msgAgree: 0, weAccept: 0, kAccept: 0, oursOnlyReject: 0, oursOnlyAccept: 0, skipped: 0, ourErrors: 0 };
for (const f of files) {
  let spec;
  try {
    spec = parseObject(new Uint8Array(readFileSync(f)), { name: objectNameFromPath(f), allowUnknownSections: true, fullMapNames: true, allowUnknownPinning: true });
  } catch (e) {
    rows.push({ file: relative(root, f), prog: '', status: 'parse-error', detail: e.message });
    continue;
  }
  const maps = new Map(spec.maps.map((m) => [m.name, m]));
  for (const p of spec.programs) {
    t.programs++;
    const row = { file: relative(root, f), prog: p.name, section: p.section, type: p.type };
    if (!p.type) {
      // old iproute2 / samples sections, as `tsbpf verify --type` would be told
      const guess = [[/^socket/, 1], [/^xdp/, 6], [/^cgroup\/sock/, 9], [/^classifier|^tc/, 3]].find(([re]) => re.test(p.section));
      if (guess) { p.type = guess[1]; row.type = p.type; row.guessedType = true; }
    }
    if (!p.type) { row.status = 'skipped'; row.detail = 'unknown program type'; t.skipped++; rows.push(row); continue; }
    let ours;
    try {
      ours = verifyProgram(p, maps, { logLevel: 0 });
    } catch (e) {
      row.status = 'tsbpf-crash'; row.detail = String(e && e.stack || e); t.ourErrors++; rows.push(row); continue;
    }
    const k = kernelLoad(p, maps, 1);
    if (!k || (!k.ok && !/processed \d+ insns/.test(k.log))) {
      row.status = 'skipped'; row.detail = k ? `kernel: errno ${k.errno} ${k.log.trim().split('\n').pop() ?? ''}` : 'kernel unavailable';
      row.ours = ours.ok; t.skipped++; rows.push(row); continue;
    }
    t.compared++;
    if (ours.ok) t.weAccept++;
    if (k.ok) t.kAccept++;
    row.ours = ours.ok; row.kernel = k.ok;
    row.oursMsg = ours.error?.message ?? ''; row.kernelMsg = k.ok ? '' : kernelErrorText(k.log).replace(/processed \d+ insns.*$/, '').trimEnd();
    if (ours.ok === k.ok) {
      t.agree++;
      if (ours.ok || row.oursMsg === row.kernelMsg) t.msgAgree++;
      row.status = 'agree';
    } else {
      row.status = ours.ok ? 'OURS-ACCEPT-KERNEL-REJECT' : 'ours-reject-kernel-accept';
      if (ours.ok) t.oursOnlyAccept++; else t.oursOnlyReject++;
    }
    rows.push(row);
    console.log(`${row.status.padEnd(26)} ${row.file}:${row.prog} ${row.status === 'agree' ? '' : `ours=${JSON.stringify(row.oursMsg.split('\n')[0])} kernel=${JSON.stringify(row.kernelMsg.split('\n')[0])}`}`);
  }
}
const pct = (a, b) => (b ? (100 * a / b).toFixed(1) : '-');
console.log(`\nprograms ${t.programs}, compared ${t.compared}, skipped ${t.skipped}, tsbpf crashes ${t.ourErrors}`);
console.log(`verdict agreement ${t.agree}/${t.compared} (${pct(t.agree, t.compared)} %), message agreement ${t.msgAgree}/${t.compared} (${pct(t.msgAgree, t.compared)} %)`);
console.log(`kernel accepts ${t.kAccept}, tsbpf accepts ${t.weAccept}; tsbpf accepts what the kernel rejects: ${t.oursOnlyAccept}; tsbpf rejects what the kernel accepts: ${t.oursOnlyReject}`);
if (process.env.VERIFIER_CORPUS_JSON) writeFileSync(process.env.VERIFIER_CORPUS_JSON, JSON.stringify({ totals: t, rows }, null, 1));
