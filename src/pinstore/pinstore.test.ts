import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { PinStore, PinStoreError, decodeRecord, encodeRecord, newUuid, type PinnedMapRecord } from './index.js';

const here = dirname(fileURLToPath(import.meta.url));

/** Transpile the pin store (and what it imports) to plain JS so child processes can run it. */
function buildChildModules(outDir: string): void {
  const files = ['pinstore/errors.ts', 'pinstore/fsutil.ts', 'pinstore/lock.ts', 'pinstore/format.ts', 'pinstore/store.ts', 'pinstore/index.ts', 'errors.ts', 'uapi/errno.ts'];
  for (const f of files) {
    const src = readFileSync(join(here, '..', f), 'utf8');
    const js = ts.transpileModule(src, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
    const out = join(outDir, f.replace(/\.ts$/, '.js'));
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, js);
  }
  writeFileSync(join(outDir, 'package.json'), '{"type":"module"}');
  // A writer: increments the u64 counter at key 0 of the pinned map, M times (or forever),
  // printing each committed value.
  writeFileSync(join(outDir, 'writer.js'), `
import { PinStore } from './pinstore/index.js';
const [state, path, countText] = process.argv.slice(2);
const store = new PinStore(state);
const count = Number(countText);
for (let i = 0; count < 0 || i < count; i++) {
  const v = store.transact([path], ([r]) => {
    const rec = r.record;
    const val = Buffer.from(rec.entries[0][1], 'hex');
    const next = val.readBigUInt64LE(0) + 1n;
    val.writeBigUInt64LE(next, 0);
    rec.entries[0][1] = val.toString('hex');
    return { result: next, write: [{ path: r.path, record: rec }] };
  });
  if (count < 0) process.stdout.write(v + '\\n');
}
`);
}

function counterRecord(filler: number): PinnedMapRecord {
  const entries: Array<[string, string]> = [['00000000', '0000000000000000']];
  // Extra entries make each write large, so a kill is likely to land mid-write.
  for (let i = 1; i <= filler; i++) entries.push([i.toString(16).padStart(8, '0'), 'ab'.repeat(8)]);
  return {
    kind: 'map', uuid: newUuid(), frozen: false, ncpus: 1, entries, createdAt: 0, uid: 0,
    spec: { name: 'counter', type: 1, keySize: 4, valueSize: 8, maxEntries: filler + 1, flags: 0 },
  };
}

function counterValue(store: PinStore, path: string): bigint {
  const { record } = store.readMap(path);
  return Buffer.from(record.entries[0]![1], 'hex').readBigUInt64LE(0);
}

let work: string;
let jsDir: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'tsbpf-pinstore-'));
  jsDir = join(work, 'js');
  buildChildModules(jsDir);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('pin store records', () => {
  it('round-trips a map record and assigns stable ids', () => {
    const store = new PinStore(join(work, 'state-rt'));
    const p = join(work, 'rt-map');
    const rec = counterRecord(3);
    store.create(p, rec);
    expect(store.readMap(p).record).toEqual(rec);
    const id = store.idOf('map', p, rec.uuid);
    expect(new PinStore(join(work, 'state-rt')).idOf('map', p, rec.uuid)).toBe(id);
    expect(store.list('map').map((o) => o.id)).toEqual([id]);
    expect(() => store.create(p, rec)).toThrow(/File exists/);
    rmSync(p);
    expect(store.list('map')).toEqual([]);
    // A new object at the same path is a new object: new id.
    const rec2 = counterRecord(0);
    store.create(p, rec2);
    expect(store.idOf('map', p, rec2.uuid)).toBe(id + 1);
  });

  it('reports foreign, truncated and corrupted files with their path', () => {
    const store = new PinStore(join(work, 'state-bad'));
    const foreign = join(work, 'foreign');
    writeFileSync(foreign, 'hello world\n');
    expect(() => store.read(foreign)).toThrow(PinStoreError);
    expect(() => store.read(foreign)).toThrow(`${foreign}: not a tsbpf pinned object`);

    const good = encodeRecord(counterRecord(2));
    const truncated = join(work, 'truncated');
    writeFileSync(truncated, good.subarray(0, good.length - 5));
    expect(() => store.read(truncated)).toThrow(/truncated: corrupted pinned object: body is/);

    const flipped = Buffer.from(good);
    flipped[flipped.length - 10] ^= 1;
    const corrupt = join(work, 'corrupt');
    writeFileSync(corrupt, flipped);
    expect(() => store.read(corrupt)).toThrow(/corrupt: corrupted pinned object: checksum mismatch/);

    // A correct checksum over a nonsensical body is still rejected.
    const body = Buffer.from(JSON.stringify({ kind: 'map', uuid: 'x', spec: { name: 1 } }));
    const forged = join(work, 'forged');
    writeFileSync(forged, Buffer.concat([Buffer.from(`TSBPFPIN 1 map ${body.length} ${createHash('sha256').update(body).digest('hex')}\n`), body]));
    expect(() => store.read(forged)).toThrow(/forged: corrupted pinned object: map name/);

    expect(() => store.read(join(work, 'missing'))).toThrow(/missing: No such file or directory/);
    try { store.read(join(work, 'missing')); } catch (e) { expect((e as PinStoreError).errno).toBe(2); }
  });
});

describe('pin store records under mutation', () => {
  it('any damaged file is rejected with a PinStoreError naming it', () => {
    const good = encodeRecord(counterRecord(4));
    fc.assert(fc.property(
      fc.oneof(
        fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
        fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
        fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
      ),
      (m) => {
        const b = Buffer.from(good);
        let bad: Buffer;
        if (m.kind === 'flip') { const i = m.at % b.length; b[i] ^= 1 << m.bit; bad = b; }
        else if (m.kind === 'cut') bad = b.subarray(0, m.at % b.length);
        else { const i = m.at % (b.length + 1); bad = Buffer.concat([b.subarray(0, i), Buffer.from([m.byte]), b.subarray(i)]); }
        try {
          decodeRecord(bad, '/pins/x');
        } catch (e) {
          expect(e).toBeInstanceOf(PinStoreError);
          expect((e as Error).message.startsWith('/pins/x: ')).toBe(true);
          return;
        }
        throw new Error('a damaged record was accepted');
      },
    ), { numRuns: 500, seed: 7 });
  });
});

describe('pin store under concurrency and crashes', () => {
  it('N concurrent writers each incrementing M times end at N*M', async () => {
    const state = join(work, 'state-conc');
    const store = new PinStore(state);
    const p = join(work, 'conc-map');
    store.create(p, counterRecord(50));
    const N = 4, M = 40;
    const procs = Array.from({ length: N }, () => new Promise<number>((res, rej) => {
      const c = spawn(process.execPath, [join(jsDir, 'writer.js'), state, p, String(M)], { stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      c.stderr.on('data', (d) => { err += d; });
      c.on('error', rej);
      c.on('exit', (code) => (code === 0 ? res(0) : rej(new Error(`writer exited ${code}: ${err}`))));
    }));
    await Promise.all(procs);
    expect(counterValue(store, p)).toBe(BigInt(N * M));
    // No lock file is left behind.
    expect(readdirSync(work).filter((f) => f.startsWith('.conc-map.lock'))).toEqual([]);
  });

  it('a writer killed with SIGKILL mid-way leaves a consistent store and no stuck lock', async () => {
    const state = join(work, 'state-kill');
    const store = new PinStore(state);
    const p = join(work, 'kill-map');
    store.create(p, counterRecord(3000));
    for (let round = 0; round < 3; round++) {
      const lastSeen = await new Promise<bigint>((res, rej) => {
        const c = spawn(process.execPath, [join(jsDir, 'writer.js'), state, p, '-1'], { stdio: ['ignore', 'pipe', 'pipe'] });
        let buf = '';
        let last = -1n;
        let lines = 0;
        c.stdout.on('data', (d) => {
          buf += d;
          const parts = buf.split('\n');
          buf = parts.pop()!;
          for (const l of parts) { last = BigInt(l); lines++; }
          if (lines >= 15 + round * 7) c.kill('SIGKILL');
        });
        c.on('error', rej);
        c.on('exit', (_code, sig) => (sig === 'SIGKILL' ? res(last) : rej(new Error(`writer ended without SIGKILL (${sig})`))));
      });
      // The file verifies, and holds either the last value the writer reported or the one
      // it was committing when it died.
      const v = counterValue(store, p);
      expect(v === lastSeen || v === lastSeen + 1n).toBe(true);
      // The dead writer's lock (if it held one) is broken: a new transaction goes through.
      const after = store.transact([p], ([r]) => {
        const rec = r.record as PinnedMapRecord;
        const val = Buffer.from(rec.entries[0]![1], 'hex');
        val.writeBigUInt64LE(val.readBigUInt64LE(0) + 1n, 0);
        rec.entries[0]![1] = val.toString('hex');
        return { result: val.readBigUInt64LE(0), write: [{ path: r.path, record: rec }] };
      });
      expect(after).toBe(v + 1n);
      expect(store.readMap(p).record.entries.length).toBe(3001);
    }
    expect(existsSync(join(work, '.kill-map.lock'))).toBe(false);
    // Temporary files of killed writers are cleaned up by the next write.
    expect(readdirSync(work).filter((f) => f.startsWith('.kill-map.tmp-'))).toEqual([]);
  });
});
