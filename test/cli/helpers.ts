// Run the tsbpf CLI in-process with captured output and a private state directory.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';

export interface CliResult { rc: number; out: string; err: string }

export function tempEnv(tag: string): { dir: string; env: NodeJS.ProcessEnv } {
  const dir = mkdtempSync(join(tmpdir(), `tsbpf-${tag}-`));
  return { dir, env: { ...process.env, TSBPF_STATE_DIR: join(dir, 'state'), TSBPF_NCPUS: '2' } };
}

export async function tsbpf(env: NodeJS.ProcessEnv, args: string[]): Promise<CliResult> {
  let out = '';
  let err = '';
  const rc = await main(args, { out: (t) => { out += t; }, err: (t) => { err += t; }, env, isTTY: false });
  return { rc, out, err };
}

/** A CLI to run a command line through: tsbpf in-process, or the real bpftool. */
export type Runner = (args: string[]) => Promise<CliResult>;

/** tsbpf in-process with its own state directory. */
export function tsbpfRunner(state: string, ncpus = 2): Runner {
  const env = { ...process.env, TSBPF_STATE_DIR: state, TSBPF_NCPUS: String(ncpus) };
  return (args) => tsbpf(env, args);
}

/** bpftool against the running kernel. */
export const bpftoolRunner: Runner = async (args) => {
  const r = spawnSync('bpftool', args, { encoding: 'utf8' });
  return { rc: r.status ?? 255, out: r.stdout, err: r.stderr };
};
