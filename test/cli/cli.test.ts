// tsbpf prog/map behaviours beyond the bpftool transcripts: handles, aliases, map reuse at
// load, loadall, trace output, damaged pin files, JSON summaries.
import { describe, expect, it, beforeAll } from 'vitest';
import { readFileSync, writeFileSync, rmSync, existsSync } from 'node:fs';
import { tempEnv, tsbpf } from './helpers.js';
import { readCapture } from '../../src/pcap/index.js';

let env: NodeJS.ProcessEnv;
let dir: string;
beforeAll(() => {
  ({ env, dir } = tempEnv('cli'));
  return () => rmSync(dir, { recursive: true, force: true });
});
const run = (args: string) => tsbpf(env, args.split(' '));

describe('tsbpf prog', () => {
  it('loads, and finds programs by pinned path, id, name and tag', async () => {
    expect((await run(`prog load examples/flow_table.o ${dir}/ft pinmaps ${dir}/ftm`)).rc).toBe(0);
    const shown = JSON.parse((await run(`-j prog show pinned ${dir}/ft`)).out);
    expect(shown).toMatchObject({ type: 'xdp', name: 'flow_table', gpl_compatible: true, jited: false });
    for (const h of [`id ${shown.id}`, 'name flow_table', `tag ${shown.tag}`]) {
      expect(JSON.parse((await run(`-j prog show ${h}`)).out)).toMatchObject({ id: shown.id });
    }
    expect((await run('prog show name nosuch')).out).toBe('');
    const bad = await run('prog show tag zz');
    expect(bad.err).toBe("Error: can't parse tag\n");
  });

  it('prog pin adds a second path to the same program; -f lists pinned paths', async () => {
    expect((await run(`prog pin pinned ${dir}/ft ${dir}/ft-again`)).rc).toBe(0);
    const a = JSON.parse((await run(`-j prog show pinned ${dir}/ft`)).out);
    const b = JSON.parse((await run(`-j prog show pinned ${dir}/ft-again`)).out);
    expect(b.id).toBe(a.id);
    const f = JSON.parse((await run(`-j -f prog show pinned ${dir}/ft`)).out);
    expect(f.pinned).toEqual([`${dir}/ft`]);
    expect((await run(`prog pin pinned ${dir}/ft ${dir}/ft-again`)).err).toBe(`Error: can't pin the object (${dir}/ft-again): File exists\n`);
  });

  it('map name NAME MAP at load shares a pinned map between programs', async () => {
    expect((await run(`prog load examples/proto_count.o ${dir}/pc1 pinmaps ${dir}/shared`)).rc).toBe(0);
    expect((await run(`prog load examples/proto_count.o ${dir}/pc2 map name proto_cnt pinned ${dir}/shared/proto_cnt`)).rc).toBe(0);
    const p1 = JSON.parse((await run(`-j prog show pinned ${dir}/pc1`)).out);
    const p2 = JSON.parse((await run(`-j prog show pinned ${dir}/pc2`)).out);
    expect(p2.map_ids).toEqual(p1.map_ids);
    await run(`prog run pinned ${dir}/pc1 data_in testdata/cli/frames/arp.bin`);
    await run(`prog run pinned ${dir}/pc2 data_in testdata/cli/frames/arp.bin`);
    const v = JSON.parse((await run(`-j map lookup pinned ${dir}/shared/proto_cnt key 1 0 0 0`)).out);
    expect(v.formatted.value.packets).toBe(2);
    expect((await run(`prog load examples/proto_count.o ${dir}/pc3 map name nosuch pinned ${dir}/shared/proto_cnt`)).err).toMatch(/^Error: unable to find map 'nosuch'\nWarning: bpftool is now running in libbpf strict mode/);
    expect(existsSync(`${dir}/pc3`)).toBe(false);
  });

  it('loadall pins every program under a directory', async () => {
    expect((await run(`prog loadall examples/tc_rewrite.o ${dir}/all pinmaps ${dir}/allm`)).rc).toBe(0);
    expect(JSON.parse((await run(`-j prog show pinned ${dir}/all/tc_rewrite`)).out)).toMatchObject({ type: 'sched_cls', name: 'tc_rewrite' });
  });

  it('tail calls reach the other programs of the object and their pinned maps', async () => {
    // TSBPF_SKIP_VERIFIER: the object has programs the verifier is not asked about here.
    const skip = { ...env, TSBPF_SKIP_VERIFIER: '1' };
    const r = await tsbpf(skip, `prog loadall testdata/runtime/helpers_rt.o ${dir}/hr pinmaps ${dir}/hrm`.split(' '));
    expect(r.rc).toBe(0);
    expect(r.err).toMatch(/^Warning: TSBPF_SKIP_VERIFIER=1/);
    for (let i = 0; i < 2; i++) {
      expect((await run(`prog run pinned ${dir}/hr/h_tail data_in testdata/cli/frames/arp.bin`)).out).toMatch(/^Return value: 3,/);
    }
    const v = JSON.parse((await run(`-j map lookup pinned ${dir}/hrm/results key 0 0 0 0`)).out);
    expect(v.formatted.value).toBe(2);
    // map_ids lists only the maps the program itself uses.
    const show = JSON.parse((await run(`-j prog show pinned ${dir}/hr/h_tail`)).out);
    expect(show.map_ids.length).toBe(1);
  });

  it('trace prints bpf_printk lines as trace_pipe does', async () => {
    expect((await run(`prog load testdata/cli/printk.o ${dir}/pk`)).rc).toBe(0);
    const t = await run(`prog trace pinned ${dir}/pk data_in testdata/cli/frames/arp.bin`);
    expect(t.rc).toBe(0);
    expect(t.out).toMatch(/^ +\S+-\d+ +\[\d{3}\] \S+ +\d+\.\d{6}: bpf_trace_printk: len 42 proto 0x806\n$/);
    const j = JSON.parse((await run(`-j prog trace pinned ${dir}/pk pcap_in examples/sample.pcap`)).out) as string[];
    expect(j.length).toBe(320);
    const d = await run(`-d prog run pinned ${dir}/pk data_in testdata/cli/frames/arp.bin`);
    expect(d.out).toMatch(/^Return value: 2, duration: \d+ns\n$/);
    expect(d.err).toMatch(/bpf_trace_printk: len 42 proto 0x806/);
  });

  it('pcap_out FILE.pcapng writes pcapng; a pcapng capture reads back as input', async () => {
    const r = await run(`prog run pinned ${dir}/ft pcap_in examples/sample.pcap pcap_out ${dir}/out.pcapng`);
    expect(r.rc).toBe(0);
    const back = readCapture(`${dir}/out.pcapng`);
    expect(back.format).toBe('pcapng');
    expect(back.packets.length).toBe(320);
    const again = JSON.parse((await run(`-j prog run pinned ${dir}/ft pcap_in ${dir}/out.pcapng`)).out);
    expect(again).toMatchObject({ frames: 320, passed: 320 });
  });

  it('run errors: missing input file, bad arguments', async () => {
    expect((await run(`prog run pinned ${dir}/ft data_in /nonexistent`)).err).toBe('Error: failed to open /nonexistent: No such file or directory\n');
    expect((await run(`prog run pinned ${dir}/ft data_in x bogus 1`)).err).toMatch(/^Error: expected no more arguments/);
    expect((await run(`prog run pinned ${dir}/ft pcap_in examples/flow_table.c`)).err).toMatch(/^Error: failed to open examples\/flow_table.c: .*not a pcap or pcapng file/);
    expect((await run(`prog run pinned ${dir}/ft data_in - ctx_in -`)).err).toBe('Error: cannot use standard input for both data_in and ctx_in\n');
  });

  it('dump xlated shows map references by id and source lines', async () => {
    const out = (await run(`prog dump xlated pinned ${dir}/ft`)).out;
    const mapId = JSON.parse((await run(`-j map show pinned ${dir}/ftm/flows`)).out).id;
    expect(out).toMatch(/^int flow_table\(struct xdp_md \* ctx\):\n/);
    expect(out).toContain(`r1 = map[id:${mapId}]`);
    expect(out).toMatch(/call bpf_map_lookup_elem#1/);
    const j = JSON.parse((await run(`-j prog dump xlated pinned ${dir}/ft opcodes`)).out) as Array<{ disasm: string; opcodes: unknown }>;
    expect(j[0]!.opcodes).toBeDefined();
  });
});

describe('pin store damage through the CLI', () => {
  it('reports a corrupted pinned map with its path and does not use it', async () => {
    expect((await run(`map create ${dir}/victim type array key 4 value 4 entries 2 name victim`)).rc).toBe(0);
    const bytes = readFileSync(`${dir}/victim`);
    bytes[bytes.length - 3] ^= 0x55;
    writeFileSync(`${dir}/victim`, bytes);
    const r = await run(`map dump pinned ${dir}/victim`);
    expect(r.rc).toBe(255);
    expect(r.err).toBe(`Error: bpf obj get (${dir}/victim): ${dir}/victim: corrupted pinned object: checksum mismatch\n`);
    writeFileSync(`${dir}/foreign`, 'not a pin\n');
    expect((await run(`-j map show pinned ${dir}/foreign`)).out).toBe(`{"error":"bpf obj get (${dir}/foreign): ${dir}/foreign: not a tsbpf pinned object (no TSBPFPIN header)"}\n`);
    expect((await run(`map show pinned ${dir}/ft`)).err).toBe('Error: incorrect object type: prog\n');
    // `map show` lists the rest and skips the damaged one.
    const all = JSON.parse((await run('-j map show')).out) as Array<{ name: string }>;
    expect(all.map((m) => m.name)).not.toContain('victim');
  });

  it('forgets objects whose pin file was removed', async () => {
    expect((await run(`map create ${dir}/gone type array key 4 value 4 entries 2 name gone`)).rc).toBe(0);
    const id = JSON.parse((await run(`-j map show pinned ${dir}/gone`)).out).id;
    rmSync(`${dir}/gone`);
    expect((await run(`map show id ${id}`)).err).toBe(`Error: get map by id (${id}): No such file or directory\n`);
  });
});
