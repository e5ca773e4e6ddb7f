// Arbitrary command lines built from tsbpf's own vocabulary end in output or a bpftool-style
// error, never in an internal error, an exception or a stack trace.
import { describe, expect, it, beforeAll } from 'vitest';
import fc from 'fast-check';
import { rmSync } from 'node:fs';
import { tempEnv, tsbpf } from './helpers.js';

let env: NodeJS.ProcessEnv;
let dir: string;
beforeAll(async () => {
  ({ env, dir } = tempEnv('fuzz'));
  await tsbpf(env, ['prog', 'load', 'examples/lpm_firewall.o', `${dir}/fw`, 'pinmaps', `${dir}/m`]);
  await tsbpf(env, ['map', 'create', `${dir}/h`, 'type', 'hash', 'key', '4', 'value', '4', 'entries', '8', 'name', 'h']);
  await tsbpf(env, ['map', 'create', `${dir}/q`, 'type', 'queue', 'key', '0', 'value', '4', 'entries', '8', 'name', 'q']);
  return () => rmSync(dir, { recursive: true, force: true });
});

describe('tsbpf command-line fuzz', () => {
  it('never fails internally', async () => {
    const words = () => [
      'map', 'prog', 'show', 'list', 'dump', 'lookup', 'update', 'delete', 'getnext', 'create', 'pin', 'freeze', 'peek',
      'push', 'pop', 'run', 'trace', 'load', 'loadall', 'xlated', 'jited', 'opcodes', 'key', 'value', 'hex', 'any',
      'exist', 'noexist', 'id', 'name', 'tag', 'pinned', 'type', 'hash', 'array', 'queue', 'lpm_trie', 'entries', 'flags',
      'inner_map', 'data_in', 'data_out', 'ctx_in', 'pcap_in', 'pcap_out', 'repeat', 'pinmaps', '-', '-j', '-p', '-d', '-f',
      '0', '1', '4', '8', '16', '255', '256', '-1', '0x10', '0xffffffff', '99999999999', 'zz', '', 'h', 'fw_stats',
      `${dir}/h`, `${dir}/q`, `${dir}/fw`, `${dir}/m/deny_v4`, `${dir}/m/fw_stats`, `${dir}/new`, `${dir}`, '/nonexistent',
      'examples/proto_count.o', 'examples/sample.pcap', 'testdata/cli/frames/arp.bin', 'examples/flow_table.c',
    ];
    const arg = fc.constantFrom(...words());
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('map', 'prog', '-j', 'm', 'p'), fc.array(arg, { maxLength: 12 }), async (first, rest) => {
        const r = await tsbpf(env, [first, ...rest]);
        expect(r.err + r.out).not.toMatch(/internal error|TypeError|RangeError|at .*\.(ts|js):\d+/);
        expect(r.rc).toBeGreaterThanOrEqual(0);
        expect(r.rc).toBeLessThanOrEqual(255);
      }),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 300), seed: process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : 20261130 },
    );
  }, 240_000);
});
