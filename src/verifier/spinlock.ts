// bpf_spin_lock in map values: where the lock is (MapSpec.spinLockOffset, else a top-level
// `struct bpf_spin_lock` member of the value's BTF struct), and the kernel's rule that the
// lock word is never accessed by loads/stores (check_map_access on special fields).

import type { Btf } from '../btf/btf.js';
import { BtfKind } from '../btf/types.js';
import type { MapSpec } from '../maps/types.js';
import { type Env, fail } from './env.js';
import type { RegState } from './regstate.js';

const CACHE = new WeakMap<MapSpec, number | null>();

/** Offset of the value's struct bpf_spin_lock, or undefined (none, or no BTF to tell). */
export function spinLockOffset(spec: MapSpec): number | undefined {
  if (spec.spinLockOffset !== undefined) return spec.spinLockOffset;
  let off = CACHE.get(spec);
  if (off === undefined) {
    off = null;
    try {
      const btf = spec.btf as Btf | undefined;
      if (btf && spec.btfValueTypeId) {
        const t = btf.type(btf.skipModsAndTypedefs(spec.btfValueTypeId));
        if (t.kind === BtfKind.STRUCT) {
          for (const m of t.members) {
            const mt = btf.type(btf.skipModsAndTypedefs(m.type));
            if (mt.kind === BtfKind.STRUCT && mt.name === 'bpf_spin_lock' && m.bitOffset % 32 === 0) {
              off = m.bitOffset / 8;
              break;
            }
          }
        }
      }
    } catch {
      off = null;
    }
    CACHE.set(spec, off);
  }
  return off ?? undefined;
}

/** A load/store (or helper access) of map value bytes [off+var, +size) must not touch the lock. */
export function checkLockOverlap(env: Env, r: RegState, off: number, size: number): void {
  const lock = r.map ? spinLockOffset(r.map.spec) : undefined;
  if (lock === undefined) return;
  const lo = Number(r.b.smin) + off;
  const hi = Number(r.b.umax) + off + size;
  if (lo < lock + 4 && lock < hi) fail(env, 'SPIN_LOCK_ACCESS', 'bpf_spin_lock cannot be accessed directly by load/store', 22);
}
