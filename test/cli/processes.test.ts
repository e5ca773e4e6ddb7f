// The CLI as separate processes sharing one pin store: concurrent `map update` and
// `prog run` processes lose no update, and a run killed mid-way leaves the pinned state
// consistent and its lock breakable. Uses the built CLI (dist/cli/main.js); skipped when
// it has not been built (npm run build).
import { describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const CLI = resolve('dist/cli/main.js');
const built = existsSync(CLI);
const d = built ? describe : describe.skip;

function cli(env: NodeJS.ProcessEnv, args: string[]): { rc: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { env, encoding: 'utf8' });
  return { rc: r.status ?? -1, out: r.stdout, err: r.stderr };
}

function cliAsync(env: NodeJS.ProcessEnv, args: string[]): Promise<number> {
  return new Promise((res, rej) => {
    const c = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    c.stderr.on('data', (x) => { err += x; });
    c.on('error', rej);
    c.on('exit', (code) => (code === 0 ? res(0) : rej(new Error(`tsbpf ${args.join(' ')}: ${code}: ${err}`))));
  });
}

d(`tsbpf processes sharing a pin store${built ? '' : ' [skipped: dist/cli/main.js not built]'}`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsbpf-procs-'));
  const env = { ...process.env, TSBPF_STATE_DIR: join(dir, 'state'), TSBPF_NCPUS: '2' };

  it('concurrent map updates from several processes all land', async () => {
    expect(cli(env, ['map', 'create', join(dir, 'h'), 'type', 'hash', 'key', '4', 'value', '4', 'entries', '64', 'name', 'conc']).rc).toBe(0);
    const N = 3, M = 4;
    await Promise.all(Array.from({ length: N }, async (_, p) => {
      for (let i = 0; i < M; i++) {
        await cliAsync(env, ['map', 'update', 'pinned', join(dir, 'h'), 'key', String(p), String(i), '0', '0', 'value', String(p), String(i), '1', '1']);
      }
    }));
    const dump = JSON.parse(cli(env, ['-j', 'map', 'dump', 'pinned', join(dir, 'h')]).out) as unknown[];
    expect(dump.length).toBe(N * M);
  });

  it('concurrent prog runs over a capture add up exactly', async () => {
    expect(cli(env, ['prog', 'load', 'examples/proto_count.o', join(dir, 'pc'), 'pinmaps', join(dir, 'pcm')]).rc).toBe(0);
    const N = 3;
    await Promise.all(Array.from({ length: N }, () => cliAsync(env, ['prog', 'run', 'pinned', join(dir, 'pc'), 'pcap_in', 'examples/sample.pcap'])));
    const dump = JSON.parse(cli(env, ['-j', 'map', 'dump', 'pinned', join(dir, 'pcm', 'proto_cnt')]).out) as Array<{ formatted: { value: { packets: number } } }>;
    expect(dump.reduce((n, e) => n + e.formatted.value.packets, 0)).toBe(N * 320);
  });

  it('a run killed mid-way commits nothing and does not block the next one', async () => {
    expect(cli(env, ['prog', 'load', 'testdata/cli/printk.o', join(dir, 'pk'), 'pinmaps', join(dir, 'pkm')]).rc).toBe(0);
    // -d prints each frame's bpf_printk line as it runs: kill after a few frames.
    const lines = await new Promise<number>((res, rej) => {
      const c = spawn(process.execPath, [CLI, '-d', 'prog', 'run', 'pinned', join(dir, 'pk'), 'pcap_in', 'examples/sample.pcap'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
      let n = 0;
      c.stderr.on('data', (x: Buffer) => {
        n += x.toString().split('\n').length - 1;
        if (n >= 20) c.kill('SIGKILL');
      });
      c.on('error', rej);
      c.on('exit', (_code, sig) => (sig === 'SIGKILL' ? res(n) : rej(new Error(`run ended before the kill (${sig})`))));
    });
    expect(lines).toBeGreaterThanOrEqual(20);
    const count = () => {
      const r = cli(env, ['-j', 'map', 'lookup', 'pinned', join(dir, 'pkm', 'frames'), 'key', '0', '0', '0', '0']);
      expect(r.rc).toBe(0);
      return (JSON.parse(r.out) as { formatted: { value: number } }).formatted.value;
    };
    expect(count()).toBe(0);
    const r = cli(env, ['prog', 'run', 'pinned', join(dir, 'pk'), 'pcap_in', 'examples/sample.pcap']);
    expect(r.rc).toBe(0);
    expect(count()).toBe(320);
  });

  it('cleans up', () => { rmSync(dir, { recursive: true, force: true }); });
});
