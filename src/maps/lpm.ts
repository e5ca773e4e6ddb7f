// LPM_TRIE (kernel/bpf/lpm_trie.c): key = u32 prefixlen (host order) + data (big-endian bit
// order: bit 0 is the MSB of data[0]); lookup is longest-prefix match; the trie has the
// kernel's shape (intermediate nodes with exactly two children), so get_next_key visits
// nodes in the kernel's post-order (more specific prefixes before less specific ones) and a
// key that is not in the trie restarts from the leftmost node. Full: ENOSPC.
// Stored data keeps the bits past the prefix length as given, as the kernel does.

import type { Runtime } from '../runtime/runtime.js';
import { Errno } from '../uapi/errno.js';
import { BATCH_DELETE, BATCH_LOOKUP, BATCH_UPDATE, MapBase, type MapBaseOptions } from './base.js';
import { MapError, type MapSpec } from './types.js';
import { b64, unb64 } from './b64.js';
import { BPF_EXIST, BPF_NOEXIST } from './validate.js';

interface LpmNode {
  prefixlen: number;
  data: Uint8Array;
  /** Intermediate node (no value, not a key). */
  im: boolean;
  child: [LpmNode | null, LpmNode | null];
  /** Value region (0 for a node created as intermediate). */
  valueAddr: number;
}

function extractBit(data: Uint8Array, off: number, index: number): number {
  return (data[off + (index >> 3)]! >> (7 - (index & 7))) & 1;
}

export class LpmTrieMap extends MapBase {
  readonly dataSize: number;
  readonly maxPrefixlen: number;
  count = 0;
  private root: LpmNode | null = null;

  constructor(rt: Runtime, spec: MapSpec, opts: MapBaseOptions = {}) {
    super(rt, spec, opts);
    this.dataSize = spec.keySize - 4;
    this.maxPrefixlen = this.dataSize * 8;
  }

  /** Leading bits of node.data equal to key data (at src[off+4..]), at most min of both prefix lengths. */
  private match(node: LpmNode, src: Uint8Array, off: number, keyPrefixlen: number): number {
    const limit = Math.min(node.prefixlen, keyPrefixlen);
    let n = 0;
    const d = node.data;
    for (let i = 0; i < this.dataSize && n < limit; i++) {
      const x = d[i]! ^ src[off + 4 + i]!;
      if (x) {
        n += Math.clz32(x) - 24;
        break;
      }
      n += 8;
    }
    return Math.min(n, limit);
  }

  private prefixlenOf(src: Uint8Array, off: number): number {
    return (src[off]! | (src[off + 1]! << 8) | (src[off + 2]! << 16) | (src[off + 3]! << 24)) >>> 0;
  }

  private lpmLookup(src: Uint8Array, off: number): LpmNode | null {
    const plen = this.prefixlenOf(src, off);
    let found: LpmNode | null = null;
    let node = this.root;
    while (node) {
      const m = this.match(node, src, off, plen);
      if (m === this.maxPrefixlen) { found = node; break; }
      if (m < node.prefixlen) break;
      if (!node.im) found = node;
      node = node.child[extractBit(src, off + 4, node.prefixlen)];
    }
    return found;
  }

  private newNode(plen: number, data: Uint8Array, im: boolean): LpmNode | null {
    let valueAddr = 0;
    if (!im) {
      valueAddr = this.allocElem(this.spec.valueSize);
      if (!valueAddr) return null;
    }
    return { prefixlen: plen, data: data.slice(0, this.dataSize), im, child: [null, null], valueAddr };
  }

  private checkAdd(flags: number): number {
    if (flags === BPF_EXIST) return -Errno.ENOENT;
    if (this.count >= this.spec.maxEntries) return -Errno.ENOSPC;
    this.count++;
    return 0;
  }

  protected upsert(key: Uint8Array, value: Uint8Array, flags: number): number {
    if (flags > BPF_EXIST) return -Errno.EINVAL;
    const plen = this.prefixlenOf(key, 0);
    if (plen > this.maxPrefixlen) return -Errno.EINVAL;
    const data = key.subarray(4, 4 + this.dataSize);
    let parent: LpmNode | null = null;
    let side = 0;
    let node = this.root;
    let m = 0;
    while (node) {
      m = this.match(node, key, 0, plen);
      if (node.prefixlen !== m || node.prefixlen === plen) break;
      parent = node;
      side = extractBit(key, 4, node.prefixlen);
      node = node.child[side];
    }
    const setSlot = (n: LpmNode): void => {
      if (parent) parent.child[side] = n; else this.root = n;
    };
    if (!node) {
      const r = this.checkAdd(flags);
      if (r) return r;
      const n = this.newNode(plen, data, false);
      if (!n) { this.count--; return -Errno.ENOMEM; }
      this.storeValue(n.valueAddr, value, 0, this.spec.valueSize);
      setSlot(n);
      return 0;
    }
    if (node.prefixlen === m) {
      // replace the node in place (the kernel swaps in a new node with the key's data)
      if (!node.im) {
        if (flags === BPF_NOEXIST) return -Errno.EEXIST;
      } else {
        const r = this.checkAdd(flags);
        if (r) return r;
        if (!node.valueAddr) {
          node.valueAddr = this.allocElem(this.spec.valueSize);
          if (!node.valueAddr) { this.count--; return -Errno.ENOMEM; }
        }
      }
      node.im = false;
      node.data = data.slice();
      this.storeValue(node.valueAddr, value, 0, this.spec.valueSize);
      return 0;
    }
    const r = this.checkAdd(flags);
    if (r) return r;
    const n = this.newNode(plen, data, false);
    if (!n) { this.count--; return -Errno.ENOMEM; }
    this.storeValue(n.valueAddr, value, 0, this.spec.valueSize);
    if (m === plen) {
      // the new node is an ancestor of node
      n.child[extractBit(node.data, 0, m)] = node;
      setSlot(n);
      return 0;
    }
    const im: LpmNode = { prefixlen: m, data: node.data.slice(), im: true, child: [null, null], valueAddr: 0 };
    if (extractBit(key, 4, m)) { im.child[0] = node; im.child[1] = n; } else { im.child[0] = n; im.child[1] = node; }
    setSlot(im);
    return 0;
  }

  protected remove(src: Uint8Array, off: number): number {
    const plen = this.prefixlenOf(src, off);
    if (plen > this.maxPrefixlen) return -Errno.EINVAL;
    // path: grandparent slot (trim2) and parent slot (trim)
    let parent: LpmNode | null = null;
    let gparent: LpmNode | null = null;
    let pside = 0; // side of parent in gparent
    let side = 0; // side of node in parent
    let node = this.root;
    let m = 0;
    while (node) {
      m = this.match(node, src, off, plen);
      if (node.prefixlen !== m || node.prefixlen === plen) break;
      gparent = parent; pside = side;
      parent = node;
      side = extractBit(src, off + 4, node.prefixlen);
      node = node.child[side];
    }
    if (!node || node.prefixlen !== plen || node.prefixlen !== m || node.im) return -Errno.ENOENT;
    this.count--;
    if (node.child[0] && node.child[1]) {
      node.im = true; // keeps its value region, like the kernel keeps the node
      return 0;
    }
    const setIn = (p: LpmNode | null, s: number, n: LpmNode | null): void => {
      if (p) p.child[s] = n; else this.root = n;
    };
    if (parent && parent.im && !node.child[0] && !node.child[1]) {
      setIn(gparent, pside, node === parent.child[0] ? parent.child[1] : parent.child[0]);
      if (parent.valueAddr) this.freeElem(parent.valueAddr);
      this.freeElem(node.valueAddr);
      return 0;
    }
    setIn(parent, side, node.child[0] ?? node.child[1] ?? null);
    this.freeElem(node.valueAddr);
    return 0;
  }

  private keyBytes(n: LpmNode): Uint8Array {
    const k = new Uint8Array(this.spec.keySize);
    new DataView(k.buffer).setUint32(0, n.prefixlen, true);
    k.set(n.data, 4);
    return k;
  }

  protected nextNode(key: Uint8Array | null): LpmNode | null {
    let searchRoot = this.root;
    if (!searchRoot) return null;
    leftmost: {
      if (!key) break leftmost;
      const plen = this.prefixlenOf(key, 0);
      if (plen > this.maxPrefixlen) break leftmost;
      const stack: LpmNode[] = [];
      let node: LpmNode | null = searchRoot;
      let m = 0;
      while (node) {
        stack.push(node);
        m = this.match(node, key, 0, plen);
        if (node.prefixlen !== m || node.prefixlen === plen) break;
        node = node.child[extractBit(key, 4, node.prefixlen)];
      }
      if (!node || node.prefixlen !== m || node.im) break leftmost;
      let sp = stack.length - 1;
      node = stack[sp]!;
      while (sp > 0) {
        const p: LpmNode = stack[sp - 1]!;
        if (p.child[0] === node && p.child[1]) {
          searchRoot = p.child[1];
          break leftmost;
        }
        if (!p.im) return p;
        node = p;
        sp--;
      }
      return null;
    }
    let next: LpmNode | null = null;
    let node: LpmNode | null = searchRoot;
    while (node) {
      if (node.im) {
        node = node.child[0];
      } else {
        next = node;
        node = node.child[0] ?? next.child[1];
      }
    }
    return next;
  }

  override exportState(): unknown {
    const out: Array<[string, string]> = [];
    for (let n = this.nextNode(null); n; n = this.nextNode(this.keyBytes(n))) out.push([b64(this.keyBytes(n)), b64(this.loadValue(n.valueAddr, this.spec.valueSize))]);
    return { entries: out };
  }

  override importState(state: unknown): void {
    for (const [k, v] of (state as { entries: Array<[string, string]> }).entries) {
      const r = this.upsert(unb64(k), unb64(v), 0);
      if (r < 0) throw new MapError(-r, 'restore');
    }
  }

  // ---- program side ----------------------------------------------------------------------

  lookupAddr(keyAddr: number): number {
    if (!this.inMem(keyAddr, this.spec.keySize)) return 0;
    return this.lpmLookup(this.rt.mem.u8, keyAddr)?.valueAddr ?? 0;
  }

  updateAddr(keyAddr: number, valueAddr: number, flags: number): number {
    return this.upsert(this.readMem(keyAddr, this.spec.keySize), this.readMem(valueAddr, this.spec.valueSize), flags);
  }

  deleteAddr(keyAddr: number): number {
    return this.remove(this.readMem(keyAddr, this.spec.keySize), 0);
  }

  // ---- user side -------------------------------------------------------------------------

  protected override batchOps(): number {
    return BATCH_LOOKUP | BATCH_UPDATE | BATCH_DELETE; // the generic batch ops
  }

  protected userLookup(key: Uint8Array): Uint8Array | number {
    const n = this.lpmLookup(key, 0);
    return n ? this.loadValue(n.valueAddr, this.spec.valueSize) : -Errno.ENOENT;
  }

  protected userUpdate(key: Uint8Array, value: Uint8Array, flags: number): number {
    return this.upsert(key, value, flags);
  }

  protected userDelete(key: Uint8Array): number {
    return this.remove(key, 0);
  }

  protected userNextKey(key: Uint8Array | null): Uint8Array | number {
    const n = this.nextNode(key);
    return n ? this.keyBytes(n) : -Errno.ENOENT;
  }
}
