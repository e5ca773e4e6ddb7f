// `tsbpf verify`: verdicts, log levels, explain and -j on the verifier's C test objects.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { main } from '../main.js';

const dir = fileURLToPath(new URL('../../../testdata/verifier/', import.meta.url));

async function run(args: string[]): Promise<{ rc: number; out: string; err: string }> {
  let out = '', err = '';
  const rc = await main(args, { out: (t) => { out += t; }, err: (t) => { err += t; }, cwd: dir, isTTY: false });
  return { rc, out, err };
}

describe('tsbpf verify', () => {
  it('accepts a good object (exit 0), prints the log at log_level 2', async () => {
    const r = await run(['verify', `${dir}xdp_parse.o`]);
    expect(r.rc).toBe(0);
    expect(r.out).toMatch(/^xdp_parse \(xdp, xdp\): accepted, processed \d+ insns\n$/);
    const l = await run(['verify', `${dir}xdp_parse.o`, 'log_level', '2']);
    expect(l.out).toContain('Live regs before insn:');
    expect(l.out).toContain('; if (data + 14 > data_end) @ xdp_parse.c:');
  });

  it('rejects with the log tail and explains (exit 1)', async () => {
    const r = await run(['verify', `${dir}bad_pkt.o`, 'explain']);
    expect(r.rc).toBe(1);
    expect(r.out).toContain('invalid access to packet, off=14 size=1, R2(id=0,off=14,r=14)');
    expect(r.out).toContain('fix:');
    expect(r.out).toContain('source: bad_pkt.c:');
  });

  it('-j gives one object per program; unknown program is an error', async () => {
    const r = await run(['-j', 'verify', `${dir}no_null_check.o`]);
    expect(r.rc).toBe(1);
    const rows = JSON.parse(r.out) as Array<Record<string, unknown>>;
    expect(rows).toEqual([{ name: 'no_null_check', section: 'xdp', type: 'xdp', verdict: 'reject', processed_insns: expect.any(Number), message: "R0 invalid mem access 'map_value_or_null'" }]);
    const miss = await run(['verify', `${dir}no_null_check.o`, 'prog', 'nope']);
    expect(miss.rc).not.toBe(0);
  });
});
