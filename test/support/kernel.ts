// The real kernel as an oracle: whether it is usable here, and bpftool / bpffs helpers.
// Differential tests use `describeKernel` so they skip cleanly (with the reason) where
// there is no bpftool, no root, no bpffs, or TSBPF_NO_KERNEL=1.

import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdirSync, rmSync, existsSync } from 'node:fs';
import { describe } from 'vitest';

function probe(): { available: boolean; reason: string } {
  if (process.env.TSBPF_NO_KERNEL) return { available: false, reason: 'TSBPF_NO_KERNEL is set' };
  if (process.platform !== 'linux') return { available: false, reason: 'not Linux' };
  if (process.getuid?.() !== 0) return { available: false, reason: 'not root' };
  const v = spawnSync('bpftool', ['version'], { encoding: 'utf8' });
  if (v.error || v.status !== 0) return { available: false, reason: 'bpftool not found' };
  if (!existsSync('/sys/fs/bpf')) return { available: false, reason: 'no /sys/fs/bpf' };
  const mounted = spawnSync('sh', ['-c', 'mount | grep -q " /sys/fs/bpf type bpf" || mount -t bpf bpf /sys/fs/bpf'], { encoding: 'utf8' });
  if (mounted.status !== 0) return { available: false, reason: 'cannot mount bpffs' };
  const show = spawnSync('bpftool', ['-j', 'prog', 'show'], { encoding: 'utf8' });
  if (show.status !== 0) return { available: false, reason: `bpf() not permitted: ${show.stderr.trim()}` };
  return { available: true, reason: '' };
}

export const kernel = probe();

/** `describe` when the kernel can be used, else `describe.skip` (the name says why). */
export const describeKernel: typeof describe = kernel.available
  ? describe
  : (((name: string, fn: () => void) => describe.skip(`${name} [skipped: ${kernel.reason}]`, fn)) as unknown as typeof describe);

export function bpftool(args: string[], input?: string): SpawnSyncReturns<string> {
  return spawnSync('bpftool', args, { encoding: 'utf8', input });
}

/** bpftool -j …, parsed; throws with bpftool's error text on failure. */
export function bpftoolJson<T = unknown>(args: string[]): T {
  const r = bpftool(['-j', ...args]);
  if (r.status !== 0) throw new Error(`bpftool ${args.join(' ')}: ${r.stderr || r.stdout}`);
  return JSON.parse(r.stdout) as T;
}

/**
 * A fresh directory under /sys/fs/bpf for one test file's pins; remove() unpins everything
 * in it. Call remove() in afterAll: nothing may be left pinned.
 */
export function pinDir(tag: string): { path: string; remove: () => void } {
  const path = `/sys/fs/bpf/tsbpf-${tag}-${process.pid}-${Date.now().toString(36)}`;
  // describe.skip still runs the body to collect tests: without a kernel, create nothing
  if (kernel.available) mkdirSync(path, { recursive: true });
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}
