// The shadow bitmaps: range updates (protect, setAccess, markWritten, markUninitialized)
// against a bit-by-bit model, and access tests over them.

import { describe, expect, it } from 'vitest';
import { Memory } from './memory.js';

describe('access bitmaps', () => {
  it('range updates agree with a bit-by-bit model', () => {
    const m = new Memory(1 << 17);
    const base = m.alloc(512, { kind: 'user' });
    const rd = new Uint8Array(m.rd.length), wr = new Uint8Array(m.wr.length);
    rd.set(m.rd); wr.set(m.wr);
    const set = (bm: Uint8Array, a: number, n: number, on: boolean): void => {
      for (let x = a; x < a + n; x++) if (on) bm[x >> 3]! |= 1 << (x & 7); else bm[x >> 3]! &= ~(1 << (x & 7));
    };
    let seed = 7;
    const rnd = (n: number): number => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return seed % n; };
    for (let i = 0; i < 5000; i++) {
      const a = base + rnd(300), n = rnd(90), r = rnd(2) === 1, w = rnd(2) === 1;
      switch (rnd(4)) {
        case 0: m.protect(a, n, { read: r }); set(rd, a, n, r); break;
        case 1: m.setAccess(a, n, r, w); set(rd, a, n, r); set(wr, a, n, w); break;
        case 2: m.markWritten(a, n); set(rd, a, n, true); break;
        default: m.markUninitialized(a, n); set(rd, a, n, false);
      }
    }
    expect(Buffer.from(m.rd).equals(Buffer.from(rd))).toBe(true);
    expect(Buffer.from(m.wr).equals(Buffer.from(wr))).toBe(true);
  });

  it('canRead / canWrite follow the bits at byte granularity', () => {
    const m = new Memory(1 << 17);
    const a = m.alloc(64, { kind: 'user' });
    m.setAccess(a + 3, 10, false, true);
    expect(m.canRead(a, 3)).toBe(true);
    expect(m.canRead(a, 4)).toBe(false);
    expect(m.canRead(a + 13, 51)).toBe(true);
    expect(m.canWrite(a, 64)).toBe(true);
    m.markUninitialized(a + 20, 1);
    expect(m.canRead(a + 13, 51)).toBe(false);
    m.markWritten(a + 20, 1);
    expect(m.canRead(a + 13, 51)).toBe(true);
    m.free(a);
    expect(m.canRead(a, 1)).toBe(false);
    expect(m.canWrite(a + 63, 1)).toBe(false);
  });
});
