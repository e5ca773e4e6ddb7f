#!/usr/bin/env node
// The verifier's soundness campaign at scale (src/verifier/soundness/): generated programs
// (XDP, tc, socket filter, kprobe, raw tracepoint) and mutated programs of the committed
// clang objects; every program tsbpf accepts runs in checked mode on random inputs (no
// out-of-bounds access, no uninitialised stack read, no pointer leak, no helper misuse);
// with --kernel, the kernel's verdict on the programs tsbpf accepts (every n-th with
// --kernel-every n) and, with --kernel-rejects n, on every n-th program tsbpf refuses.
//
//   npm run build   (or npx tsc -p . --outDir DIR and TSBPF_DIST=DIR)
//   node scripts/verifier-soundness.mjs [--runs N] [--seed S] [--kernel] [--kernel-every N]
//        [--kernel-rejects N] [--mutated-share F] [--out DIR] [--json]
//
// Prints the counts; writes one reproducer per failure into --out (default
// $TMPDIR/tsbpf-soundness-seed-S). Exit status 1 when any soundness failure (a fault, a leak, or a kernel
// refusal for a safety reason) was found.
import { tmpdir } from 'node:os';
import { resolve, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = resolve(process.env.TSBPF_DIST ?? join(root, 'dist'));
const { runCampaign, loadSeedlings } = await import(pathToFileURL(join(dist, 'verifier/soundness/campaign.js')).href);

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : dflt;
};
const runs = Number(opt('--runs', 10000));
const seed = Number(opt('--seed', 1));
const kernel = args.includes('--kernel');
const kernelEvery = kernel ? Number(opt('--kernel-every', 1)) : 0;
const kernelRejectEvery = kernel ? Number(opt('--kernel-rejects', 0)) : 0;
const out = resolve(opt('--out', join(tmpdir(), `tsbpf-soundness-seed-${seed}`)));
if (!Number.isInteger(runs) || runs <= 0 || !Number.isFinite(seed)) {
  console.error('usage: node scripts/verifier-soundness.mjs [--runs N] [--seed S] [--kernel] [--kernel-every N] [--kernel-rejects N] [--mutated-share F] [--out DIR] [--json]');
  process.exit(2);
}

const seedlings = loadSeedlings([join(root, 'testdata'), join(root, 'examples')]);
const t0 = Date.now();
let last = 0;
const { counts, failures } = runCampaign({
  runs, seed, seedlings, kernelEvery, kernelRejectEvery, outDir: out,
  mutatedShare: Number(opt('--mutated-share', 0.5)),
  progress: (n) => {
    if (process.stderr.isTTY && Date.now() - last > 1000) { last = Date.now(); process.stderr.write(`\r${n}/${runs}`); }
  },
});
if (process.stderr.isTTY) process.stderr.write('\r');
const secs = ((Date.now() - t0) / 1000).toFixed(1);
const unsound = failures.filter((f) => f.kind !== 'kernel-limit' && f.kind !== 'kernel-unsupported');
if (args.includes('--json')) {
  console.log(JSON.stringify({ runs, seed, seconds: Number(secs), seedlings: seedlings.length, counts, failures: failures.length, unsound: unsound.length, out }, null, 2));
} else {
  const k = counts.kernel;
  console.log(`soundness campaign: seed ${seed}, ${runs} programs, ${secs} s (${seedlings.length} programs of committed objects to mutate)`);
  console.log(`  generated ${counts.generated}, mutated ${counts.mutated}`);
  console.log(`  accepted by tsbpf: ${counts.acceptedPriv} (privileged rules), ${counts.acceptedUnpriv} (unprivileged rules)`);
  console.log(`  checked runs ${counts.runs} (${counts.refusedRuns} refused by test-run input rules or types without test-run)`);
  const f = counts.findings;
  const n = (x) => f[x] ?? 0;
  console.log(`  faults: out-of-bounds ${n('oob')}, uninitialised stack ${n('uninit')}, helper misuse ${n('helper')}, budget (no loop) ${n('budget')}, call depth ${n('stack')}, crashes ${n('crash')}`);
  console.log(`  leaks: return value ${n('leak-ret')}, stores outside the stack ${n('leak-mem')}, pointers in map values ${n('leak-map')}`);
  console.log(`  verifier crashes ${counts.verifierCrashes}; skipped (known open hang) ${counts.skippedKnownHang}`);
  if (kernel) {
    console.log(`  kernel: asked ${k.asked}, both accept ${k.bothAccept}; kernel rejects what tsbpf accepts: safety ${k.weAcceptKernelRejects.safety}, limit ${k.weAcceptKernelRejects.limit}, unsupported ${k.weAcceptKernelRejects.unsupported}, no answer ${k.weAcceptKernelRejects['no-answer']}`);
    if (kernelRejectEvery) console.log(`  kernel accepts what tsbpf rejects: ${k.kernelAcceptsWeReject} of ${k.askedRejected} asked (completeness)`);
  }
  console.log(`  failures ${failures.length} (${unsound.length} soundness)${failures.length ? `, reproducers in ${out}` : ''}`);
}
process.exit(unsound.length ? 1 : 0);
