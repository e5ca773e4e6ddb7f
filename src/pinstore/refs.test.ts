// Slot refs of prog arrays / maps of maps in map records, and held copies: old records
// (without refs) still read, malformed refs are corruption, a held copy keeps an object's
// id once its pin is removed.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PinStore, PinStoreError, decodeRecord, encodeRecord, newUuid, type PinnedMapRecord } from './index.js';

function progArray(refs?: PinnedMapRecord['refs']): PinnedMapRecord {
  const r: PinnedMapRecord = {
    kind: 'map', uuid: newUuid(), frozen: false, ncpus: 1, entries: [], createdAt: 0, uid: 0,
    spec: { name: 'pa', type: 3, keySize: 4, valueSize: 4, maxEntries: 4, flags: 0 },
  };
  if (refs) r.refs = refs;
  return r;
}

function corruptWhy(rec: unknown): string {
  try {
    decodeRecord(encodeRecord(rec as { kind: string }), '/x');
  } catch (e) {
    if (e instanceof PinStoreError) return `${e.code}: ${e.message}`;
    throw e;
  }
  return 'ok';
}

describe('map records with slot refs', () => {
  it('round-trip, and records without refs (older) still read', () => {
    const refs = [{ key: '00000000', kind: 'prog' as const, uuid: newUuid(), path: '/p/prog' }];
    expect(decodeRecord<PinnedMapRecord>(encodeRecord(progArray(refs)), '/x').refs).toEqual(refs);
    expect(decodeRecord<PinnedMapRecord>(encodeRecord(progArray()), '/x').refs).toBeUndefined();
  });

  it('malformed refs are corruption', () => {
    const base = { key: '00000000', kind: 'prog', uuid: 'u', path: '/p' };
    for (const bad of [{ ...base, key: 'zz' }, { ...base, kind: 'link' }, { ...base, uuid: 1 }, { ...base, path: null }, 'x']) {
      expect(corruptWhy({ ...progArray(), refs: [bad] })).toMatch(/^PIN_CORRUPT: .*slot refs/);
    }
    expect(corruptWhy({ ...progArray(), refs: {} })).toMatch(/slot refs/);
  });
});

describe('held copies', () => {
  it('keep an object listed with its id after its pin is removed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsbpf-held-'));
    try {
      const store = new PinStore(join(dir, 'state'));
      const rec = progArray();
      store.create(join(dir, 'm'), rec);
      const id = store.idOf('map', join(dir, 'm'), rec.uuid);
      const held = store.hold('map', rec)!;
      expect(store.isHeldPath(held)).toBe(true);
      expect(store.isHeldPath(join(dir, 'm'))).toBe(false);
      store.remove(join(dir, 'm'));
      const listed = store.list<PinnedMapRecord>('map');
      expect(listed.map((o) => [o.id, o.path])).toEqual([[id, held]]);
      store.remove(held);
      expect(store.list('map')).toEqual([]);
      expect(existsSync(held)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('are never made for uuids that are not plain tokens', () => {
    const store = new PinStore('/nonexistent-state');
    expect(store.heldPath('prog', '../../etc/x')).toBeUndefined();
    expect(store.heldPath('prog', '')).toBeUndefined();
    expect(store.heldPath('prog', 'abc-123')).toMatch(/objects\/held-prog-abc-123$/);
  });
});
