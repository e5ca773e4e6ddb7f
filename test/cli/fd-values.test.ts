// `map update MAP key K value { pinned FILE | id N | name NAME }` on prog arrays and maps of
// maps, beyond what the golden transcript (testdata/cli/map-fd-values.cmds) shows:
//  - the value bpftool prints for a slot is the id `prog show` / `map show` give the object;
//  - a slot keeps its object after the object's pin is removed (the kernel's reference): the
//    tail call still runs, the id still shows, `id N` still finds it; emptying the slot frees it;
//  - the same scenario on the kernel through bpftool, compared step by step;
//  - separate tsbpf processes (the built CLI) fill a prog array and run through it.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { decodeRecord, type PinnedMapRecord } from '../../src/pinstore/index.js';
import { describeKernel, pinDir } from '../support/kernel.js';
import { bpftoolRunner, type Runner, tsbpfRunner } from './helpers.js';

const TD = resolve('testdata/cli');
const OBJ = join(TD, 'tailcall.o');
const FRAME = join(TD, 'frames', 'tcp443.bin');



async function ok(run: Runner, args: string[]): Promise<string> {
  const r = await run(args);
  if (r.rc !== 0) throw new Error(`${args.join(' ')}: rc ${r.rc}: ${r.err}${r.out}`);
  return r.out;
}

async function idOf(run: Runner, kind: 'prog' | 'map', handle: string[]): Promise<number> {
  return (JSON.parse(await ok(run, ['-j', kind, 'show', ...handle])) as { id: number }).id;
}

/** The u32 a slot holds, as `map lookup` prints it (JSON bytes). */
async function slot(run: Runner, map: string, key: number): Promise<number | undefined> {
  const r = await run(['-j', 'map', 'lookup', 'pinned', map, 'key', String(key), '0', '0', '0']);
  if (r.rc !== 0) return undefined;
  const v = (JSON.parse(r.out) as { value: string[] }).value.map((b) => Number(b));
  return (v[0]! | (v[1]! << 8) | (v[2]! << 16) | (v[3]! << 24)) >>> 0;
}

async function retval(run: Runner, prog: string): Promise<number> {
  return (JSON.parse(await ok(run, ['-j', 'prog', 'run', 'pinned', prog, 'data_in', FRAME])) as { retval: number }).retval;
}

/** Whether `id N` finds the object. The kernel frees an object after an RCU grace period: poll it a bounded number of times. */
async function exists(run: Runner, kind: 'prog' | 'map', id: number, wantGone: boolean): Promise<boolean> {
  let there = true;
  for (let i = 0; i < 200; i++) {
    there = (await run(['-j', kind, 'show', 'id', String(id)])).rc === 0;
    if (there !== wantGone || run !== bpftoolRunner) break;
    spawnSync('sleep', ['0.01']);
  }
  return there;
}

interface Observed {
  slotIsProgId: boolean;
  slotIsMapId: boolean;
  runsBefore: number;
  emptyRun: number;
  afterUnpin: { run: number; slotSame: boolean; listed: boolean };
  afterDelete: { listed: boolean; run: number };
  innerAfterUnpin: { run: number; listed: boolean; updatedRun: number };
  innerAfterDelete: { listed: boolean; run: number };
  /** `prog load` (first program pinned) of an object whose pinned prog array it fills itself. */
  initHeld: { name: string; run: number };
}

async function scenario(run: Runner, pin: string): Promise<Observed> {
  const tc = join(pin, 'tc');
  const m = join(pin, 'm');
  await ok(run, ['prog', 'loadall', OBJ, tc, 'pinmaps', m]);
  const emptyRun = await retval(run, join(tc, 'tc_entry'));
  await ok(run, ['map', 'update', 'pinned', join(m, 'jmp'), 'key', '0', '0', '0', '0', 'value', 'pinned', join(tc, 'tc_target')]);
  const targetId = await idOf(run, 'prog', ['pinned', join(tc, 'tc_target')]);
  const slotIsProgId = (await slot(run, join(m, 'jmp'), 0)) === targetId;
  const runsBefore = await retval(run, join(tc, 'tc_entry'));

  // Inner map: filled by id, read by mim_read through `outer`.
  await ok(run, ['map', 'create', join(pin, 'in'), 'type', 'array', 'key', '4', 'value', '4', 'entries', '1', 'name', 'in']);
  await ok(run, ['map', 'update', 'pinned', join(pin, 'in'), 'key', '0', '0', '0', '0', 'value', '2', '0', '0', '0']);
  const innerId = await idOf(run, 'map', ['pinned', join(pin, 'in')]);
  await ok(run, ['map', 'update', 'pinned', join(m, 'outer'), 'key', '0', '0', '0', '0', 'value', 'id', String(innerId)]);
  const slotIsMapId = (await slot(run, join(m, 'outer'), 0)) === innerId;

  // Remove the target program's pin: the prog array still holds it. (The object's own
  // jmp_init holds it too: emptied first, so that jmp is the last holder.)
  await ok(run, ['map', 'delete', 'pinned', join(m, 'jmp_init'), 'key', '1', '0', '0', '0']);
  rmSync(join(tc, 'tc_target'));
  const afterUnpin = {
    run: await retval(run, join(tc, 'tc_entry')),
    slotSame: (await slot(run, join(m, 'jmp'), 0)) === targetId,
    listed: await exists(run, 'prog', targetId, false),
  };
  await ok(run, ['map', 'delete', 'pinned', join(m, 'jmp'), 'key', '0', '0', '0', '0']);
  const afterDelete = { listed: await exists(run, 'prog', targetId, true), run: await retval(run, join(tc, 'tc_entry')) };

  // Remove the inner map's pin: the outer map still holds it, reachable by id.
  rmSync(join(pin, 'in'));
  const innerAfterUnpin = {
    run: await retval(run, join(tc, 'mim_read')),
    listed: await exists(run, 'map', innerId, false),
    updatedRun: 0,
  };
  await ok(run, ['map', 'update', 'id', String(innerId), 'key', '0', '0', '0', '0', 'value', '3', '0', '0', '0']);
  innerAfterUnpin.updatedRun = await retval(run, join(tc, 'mim_read'));
  await ok(run, ['map', 'delete', 'pinned', join(m, 'outer'), 'key', '0', '0', '0', '0']);
  const innerAfterDelete = { listed: await exists(run, 'map', innerId, true), run: await retval(run, join(tc, 'mim_read')) };

  // The object's own `.values` slot holds tc_target, which only the slot keeps alive.
  await ok(run, ['prog', 'load', OBJ, join(pin, 'one'), 'pinmaps', join(pin, 'onem')]);
  const heldId = (await slot(run, join(pin, 'onem', 'jmp_init'), 1))!;
  const initHeld = {
    name: (JSON.parse(await ok(run, ['-j', 'prog', 'show', 'id', String(heldId)])) as { name: string }).name,
    run: (JSON.parse(await ok(run, ['-j', 'prog', 'run', 'id', String(heldId), 'data_in', FRAME])) as { retval: number }).retval,
  };
  return { slotIsProgId, slotIsMapId, runsBefore, emptyRun, afterUnpin, afterDelete, innerAfterUnpin, innerAfterDelete, initHeld };
}

const EXPECTED: Observed = {
  slotIsProgId: true,
  slotIsMapId: true,
  runsBefore: 3, // XDP_TX from tc_target
  emptyRun: 1, // XDP_DROP: the tail call fell through
  afterUnpin: { run: 3, slotSame: true, listed: true },
  afterDelete: { listed: false, run: 1 },
  innerAfterUnpin: { run: 2, listed: true, updatedRun: 3 },
  innerAfterDelete: { listed: false, run: 0 }, // XDP_ABORTED: no inner map
  initHeld: { name: 'tc_target', run: 3 },
};

describe('prog array / map-of-maps slots in tsbpf', () => {
  it('hold their objects by id, across commands, after unpinning, until emptied', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsbpf-fdv-'));
    try {
      mkdirSync(join(dir, 'pins'));
      expect(await scenario(tsbpfRunner(join(dir, 'state')), join(dir, 'pins'))).toEqual(EXPECTED);
      // Nothing is left held once no slot refers to it (the last holder: onem/jmp_init).
      rmSync(join(dir, 'pins', 'onem'), { recursive: true });
      const run = tsbpfRunner(join(dir, 'state'));
      await ok(run, ['prog', 'show']);
      await ok(run, ['map', 'show']);
      expect(readdirSync(join(dir, 'state', 'objects')).filter((f) => f.startsWith('held-'))).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('a value of the wrong kind or a missing object is refused before anything changes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsbpf-fdv-'));
    const run = tsbpfRunner(join(dir, 'state'));
    try {
      await ok(run, ['prog', 'loadall', OBJ, join(dir, 'tc'), 'pinmaps', join(dir, 'm')]);
      const before = await ok(run, ['map', 'dump', 'pinned', join(dir, 'm', 'jmp')]);
      expect(await run(['map', 'update', 'pinned', join(dir, 'm', 'jmp'), 'key', '0', '0', '0', '0', 'value', 'id', '999'])).toMatchObject({
        rc: 255,
        err: 'Warning: updating program array via MAP_ID, make sure this map is kept open\n' +
          '         by some process or pinned otherwise update will be lost\nError: get by id (999): No such file or directory\n',
      });
      expect(await run(['map', 'update', 'pinned', join(dir, 'm', 'jmp'), 'key', '0', '0', '0', '0', 'value', 'pinned', join(dir, 'm', 'hits')])).toMatchObject({ rc: 255, err: 'Error: incorrect object type: map\n' });
      expect(await run(['map', 'update', 'pinned', join(dir, 'm', 'outer'), 'key', '0', '0', '0', '0', 'value', 'pinned', join(dir, 'm', 'hits')])).toMatchObject({ rc: 234, err: 'Error: update failed: Invalid argument\n' });
      expect(await run(['map', 'update', 'pinned', join(dir, 'm', 'jmp'), 'key', '0', '0', '0', '0', 'value', 'pinned'])).toMatchObject({ rc: 255, err: 'Error: not enough value arguments for map of progs\n' });
      expect(await ok(run, ['map', 'dump', 'pinned', join(dir, 'm', 'jmp')])).toBe(before);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

/** A prog array only a program holds (no pin) is emptied when the updating command exits; pinned, it keeps the update. */
async function unpinnedArray(run: Runner, pin: string): Promise<{ dumpUnpinned: string; runUnpinned: number; dumpPinned: string; runPinned: number }> {
  await ok(run, ['prog', 'loadall', OBJ, join(pin, 't'), 'pinmaps', join(pin, 'm')]);
  await ok(run, ['prog', 'load', OBJ, join(pin, 'x')]);
  const jmp = (JSON.parse(await ok(run, ['-j', 'prog', 'show', 'pinned', join(pin, 'x')])) as { map_ids: number[] }).map_ids[0]!;
  const update = ['map', 'update', 'id', String(jmp), 'key', '0', '0', '0', '0', 'value', 'pinned', join(pin, 't', 'tc_target')];
  await ok(run, update);
  // The kernel empties the array from a work item once bpftool has exited: poll a bounded number of times.
  let dumpUnpinned = '';
  for (let i = 0; i < 200; i++) {
    dumpUnpinned = await ok(run, ['map', 'dump', 'id', String(jmp)]);
    if (dumpUnpinned.startsWith('Found 0') || run !== bpftoolRunner) break;
    spawnSync('sleep', ['0.01']);
  }
  const runUnpinned = await retval(run, join(pin, 'x'));
  await ok(run, ['map', 'pin', 'id', String(jmp), join(pin, 'jmp')]);
  await ok(run, update);
  const dumpPinned = (await ok(run, ['map', 'dump', 'pinned', join(pin, 'jmp')])).replace(/value: .*/, 'value: ID');
  const runPinned = await retval(run, join(pin, 'x'));
  return { dumpUnpinned, runUnpinned, dumpPinned, runPinned };
}

const UNPINNED = { dumpUnpinned: 'Found 0 elements\n', runUnpinned: 1, dumpPinned: 'key: 00 00 00 00  value: ID\nFound 1 element\n', runPinned: 3 };

describe('an unpinned prog array (tsbpf)', () => {
  it('loses a command-line update when the command exits, keeps it once pinned', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsbpf-fdv-'));
    try {
      mkdirSync(join(dir, 'pins'));
      expect(await unpinnedArray(tsbpfRunner(join(dir, 'state')), join(dir, 'pins'))).toEqual(UNPINNED);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('a slot whose program cannot be re-created (tsbpf only)', () => {
  it('runs as empty in that process and keeps its ref until deleted', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsbpf-fdv-'));
    const run = tsbpfRunner(join(dir, 'state'));
    const refsOf = (p: string) => (decodeRecord(readFileSync(p), p) as PinnedMapRecord).refs ?? [];
    try {
      await ok(run, ['prog', 'load', resolve('examples/proto_count.o'), join(dir, 'pc'), 'pinmaps', join(dir, 'pcm')]);
      await ok(run, ['map', 'create', join(dir, 'pa'), 'type', 'prog_array', 'key', '4', 'value', '4', 'entries', '4', 'name', 'pa']);
      await ok(run, ['prog', 'loadall', OBJ, join(dir, 'tc'), 'map', 'name', 'jmp', 'pinned', join(dir, 'pa'), 'pinmaps', join(dir, 'm')]);
      await ok(run, ['map', 'update', 'pinned', join(dir, 'pa'), 'key', '0', '0', '0', '0', 'value', 'pinned', join(dir, 'pc')]);
      expect(await retval(run, join(dir, 'tc', 'tc_entry'))).toBe(2); // proto_count passes the frame
      // The kernel would keep proto_cnt alive through the program; tsbpf needs its pin.
      rmSync(join(dir, 'pcm', 'proto_cnt'));
      expect(await retval(run, join(dir, 'tc', 'tc_entry'))).toBe(1);
      expect(refsOf(join(dir, 'pa')).map((r) => r.key)).toEqual(['00000000']);
      await ok(run, ['map', 'delete', 'pinned', join(dir, 'pa'), 'key', '0', '0', '0', '0']);
      expect(refsOf(join(dir, 'pa'))).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describeKernel('prog array / map-of-maps slots on the kernel (bpftool)', () => {
  it('behave as in tsbpf, step by step', async () => {
    const k = pinDir('fdv');
    try {
      expect(await scenario(bpftoolRunner, k.path)).toEqual(EXPECTED);
    } finally {
      k.remove();
    }
  }, 120_000);

  it('an unpinned prog array loses a command-line update, as in tsbpf', async () => {
    const k = pinDir('fdvu');
    try {
      expect(await unpinnedArray(bpftoolRunner, k.path)).toEqual(UNPINNED);
    } finally {
      k.remove();
    }
  }, 60_000);
});

const CLI = resolve('dist/cli/main.js');
const built = existsSync(CLI);
(built ? describe : describe.skip)(`separate tsbpf processes${built ? '' : ' [skipped: dist/cli/main.js not built]'}`, () => {
  it('fill a prog array and a map of maps and run through them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsbpf-fdvp-'));
    const env = { ...process.env, TSBPF_STATE_DIR: join(dir, 'state'), TSBPF_NCPUS: '2' };
    const cli = (args: string[]) => {
      const r = spawnSync(process.execPath, [CLI, ...args], { env, encoding: 'utf8' });
      return { rc: r.status ?? -1, out: r.stdout, err: r.stderr };
    };
    try {
      expect(cli(['prog', 'load', resolve('examples/proto_count.o'), join(dir, 'pc')]).rc).toBe(0);
      expect(cli(['map', 'create', join(dir, 'pa'), 'type', 'prog_array', 'key', '4', 'value', '4', 'entries', '4', 'name', 'pa']).rc).toBe(0);
      expect(cli(['map', 'update', 'pinned', join(dir, 'pa'), 'key', '0', '0', '0', '0', 'value', 'pinned', join(dir, 'pc')])).toMatchObject({ rc: 0, err: '' });
      const pcId = (JSON.parse(cli(['-j', 'prog', 'show', 'pinned', join(dir, 'pc')]).out) as { id: number }).id;
      expect(cli(['map', 'dump', 'pinned', join(dir, 'pa')]).out).toBe(`key: 00 00 00 00  value: ${pcId.toString(16).padStart(2, '0')} 00 00 00\nFound 1 element\n`);
      // tc_entry of a second object tail-calls through the pinned prog array (map replaced at load)
      expect(cli(['map', 'create', join(dir, 'pa2'), 'type', 'prog_array', 'key', '4', 'value', '4', 'entries', '4', 'name', 'pa2']).rc).toBe(0);
      expect(cli(['prog', 'loadall', OBJ, join(dir, 'tc'), 'map', 'name', 'jmp', 'pinned', join(dir, 'pa2'), 'pinmaps', join(dir, 'm')]).rc).toBe(0);
      expect(cli(['map', 'update', 'pinned', join(dir, 'pa2'), 'key', '0', '0', '0', '0', 'value', 'name', 'tc_target']).rc).toBe(0);
      expect(cli(['prog', 'run', 'pinned', join(dir, 'tc', 'tc_entry'), 'data_in', FRAME]).out).toMatch(/^Return value: 3, /);
      expect(cli(['map', 'create', join(dir, 'in'), 'type', 'array', 'key', '4', 'value', '4', 'entries', '1', 'name', 'in']).rc).toBe(0);
      expect(cli(['map', 'update', 'pinned', join(dir, 'in'), 'key', '0', '0', '0', '0', 'value', '2', '0', '0', '0']).rc).toBe(0);
      expect(cli(['map', 'update', 'pinned', join(dir, 'm', 'outer'), 'key', '0', '0', '0', '0', 'value', 'name', 'in']).rc).toBe(0);
      expect(cli(['prog', 'run', 'pinned', join(dir, 'tc', 'mim_read'), 'data_in', FRAME]).out).toMatch(/^Return value: 2, /);
      // the tail-called program's own map was written back by the run
      expect((JSON.parse(cli(['-j', 'map', 'lookup', 'pinned', join(dir, 'm', 'hits'), 'key', '0', '0', '0', '0']).out) as { formatted: { value: number } }).formatted.value).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
