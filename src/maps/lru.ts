// The kernel's LRU for LRU_HASH / LRU_PERCPU_HASH (kernel/bpf/bpf_lru_list.c), so that
// which elements survive when a full map evicts is the kernel's:
//
// - common LRU (default): one global list set (active, inactive, free) plus per-CPU local
//   lists (free, pending). A new element takes a node from its CPU's local free list; when
//   that is empty, the CPU flushes its pending nodes into the global active (referenced) /
//   inactive lists, rotates them, and moves up to target_free nodes
//   (clamp(max_entries / ncpus / 2, 1, 128)) to its local free list, shrinking the inactive
//   list (evicting unreferenced elements from the tail) when the global free list runs dry;
//   failing that it steals from other CPUs' local lists.
// - per-CPU LRU (BPF_F_NO_COMMON_LRU): one list set per CPU, nodes distributed evenly,
//   shrink target 4.
//
// Free nodes are indistinguishable, so free lists are counts here; list order of the
// elements (which decides eviction) follows the kernel's list operations exactly, with
// sentinel-headed circular lists as in <linux/list.h>.

export const LOCAL_FREE_TARGET = 128;
export const LOCAL_NR_SCANS = LOCAL_FREE_TARGET;
export const PERCPU_FREE_TARGET = 4;

const enum T { ACTIVE = 0, INACTIVE = 1, FREE = 2, LOCAL_FREE = 3, LOCAL_PENDING = 4 }

/** A list link; the sentinel of a list has no `item`. */
class Link<E> {
  prev: Link<E> = this;
  next: Link<E> = this;
  constructor(readonly item?: E) {}
}

function listDel<E>(n: Link<E>): void {
  n.prev.next = n.next;
  n.next.prev = n.prev;
  n.prev = n.next = n;
}

/** list_move: delete, then add at the head of `head`. */
function listMove<E>(n: Link<E>, head: Link<E>): void {
  listDel(n);
  n.next = head.next;
  n.prev = head;
  head.next.prev = n;
  head.next = n;
}

const empty = <E>(h: Link<E>): boolean => h.next === h;

/** What the LRU knows of an element. */
export interface LruNode {
  lruLink: Link<LruNode>;
  lruType: number;
  lruRef: number;
  lruCpu: number;
}

interface LruListState {
  active: Array<[number, number, number]>;
  inactive: Array<[number, number, number]>;
  free: number;
  nir: number;
}

/** Serialisable LRU state: lists of [element index, ref bit, cpu]. */
export interface LruState {
  lists: LruListState[];
  locals: Array<{ free: number; pending: Array<[number, number, number]>; nextSteal: number }>;
}

export function newLruNode(): LruNode {
  const n = { lruType: T.FREE, lruRef: 0, lruCpu: 0 } as LruNode;
  n.lruLink = new Link<LruNode>(n);
  return n;
}

class LruList {
  readonly active = new Link<LruNode>();
  readonly inactive = new Link<LruNode>();
  counts = [0, 0];
  free = 0;
  nextInactiveRotation: Link<LruNode> = this.inactive;

  head(t: number): Link<LruNode> {
    return t === T.ACTIVE ? this.active : this.inactive;
  }
}

class LocalList {
  free = 0;
  readonly pending = new Link<LruNode>();
  constructor(public nextSteal: number) {}
}

export class KernelLru {
  readonly percpu: boolean;
  readonly ncpus: number;
  readonly targetFree: number;
  private readonly common: LruList;
  private readonly locals: LocalList[];
  private readonly lists: LruList[];

  /**
   * `nrElems` nodes; `delFromHtab(node)` removes an element the LRU evicts from the hash
   * table (and returns true when it was there).
   */
  constructor(nrElems: number, ncpus: number, percpu: boolean, private readonly delFromHtab: (n: LruNode) => boolean) {
    this.percpu = percpu;
    this.ncpus = ncpus;
    this.common = new LruList();
    this.locals = Array.from({ length: ncpus }, (_, c) => new LocalList(c));
    this.lists = percpu ? Array.from({ length: ncpus }, () => new LruList()) : [];
    if (percpu) {
      // bpf_percpu_lru_populate: round robin, pcpu_entries = nr_elems / ncpus each
      const per = Math.floor(nrElems / ncpus);
      for (let c = 0; c < ncpus; c++) this.lists[c]!.free = per;
      this.targetFree = PERCPU_FREE_TARGET;
    } else {
      this.common.free = nrElems;
      this.targetFree = Math.min(Math.max(Math.floor(Math.floor(nrElems / ncpus) / 2), 1), LOCAL_FREE_TARGET);
    }
  }

  // ---- list primitives (with the kernel's rotation-pointer fix-ups) ----------------------

  private moveToFree(l: LruList, n: LruNode, toLocal: LocalList | null): void {
    if (n.lruLink === l.nextInactiveRotation) l.nextInactiveRotation = l.nextInactiveRotation.prev;
    if (n.lruType < 2) l.counts[n.lruType]!--;
    n.lruType = toLocal ? T.LOCAL_FREE : T.FREE;
    listDel(n.lruLink);
    if (toLocal) toLocal.free++; else l.free++;
  }

  private moveIn(l: LruList, n: LruNode, t: number): void {
    l.counts[t]!++;
    n.lruType = t;
    n.lruRef = 0;
    listMove(n.lruLink, l.head(t));
  }

  private move(l: LruList, n: LruNode, t: number): void {
    if (n.lruType !== t) {
      if (n.lruType < 2) l.counts[n.lruType]!--;
      if (t < 2) l.counts[t]!++;
      n.lruType = t;
    }
    n.lruRef = 0;
    if (n.lruLink === l.nextInactiveRotation) l.nextInactiveRotation = l.nextInactiveRotation.prev;
    if (t === T.FREE) { listDel(n.lruLink); l.free++; } else listMove(n.lruLink, l.head(t));
  }

  private rotateActive(l: LruList): void {
    const head = l.active;
    if (empty(head)) return;
    const first = head.next;
    let i = 0;
    for (let cur = head.prev, tmp = cur.prev; cur !== head; cur = tmp, tmp = cur.prev) {
      const n = cur.item!;
      this.move(l, n, n.lruRef ? T.ACTIVE : T.INACTIVE);
      if (++i === LOCAL_NR_SCANS || cur === first) break;
    }
  }

  private rotateInactive(l: LruList): void {
    const inactive = l.inactive;
    if (empty(inactive)) return;
    let last = l.nextInactiveRotation.next;
    if (last === inactive) last = last.next;
    let cur = l.nextInactiveRotation;
    let next = cur;
    let i = 0;
    while (i < LOCAL_NR_SCANS) {
      if (cur === inactive) { cur = cur.prev; continue; }
      const n = cur.item!;
      next = cur.prev;
      if (n.lruRef) this.move(l, n, T.ACTIVE);
      if (cur === last) break;
      cur = next;
      i++;
    }
    l.nextInactiveRotation = next;
  }

  private rotate(l: LruList): void {
    if (l.counts[T.INACTIVE]! < l.counts[T.ACTIVE]!) this.rotateActive(l);
    this.rotateInactive(l);
  }

  private shrinkInactive(l: LruList, tgt: number, toLocal: LocalList | null): number {
    const head = l.inactive;
    let done = 0;
    let i = 0;
    for (let cur = head.prev, tmp = cur.prev; cur !== head; cur = tmp, tmp = cur.prev) {
      const n = cur.item!;
      if (n.lruRef) {
        this.move(l, n, T.ACTIVE);
      } else if (this.delFromHtab(n)) {
        this.moveToFree(l, n, toLocal);
        if (++done === tgt) break;
      }
      if (++i === LOCAL_NR_SCANS) break;
    }
    return done;
  }

  private shrink(l: LruList, tgt: number, toLocal: LocalList | null): number {
    const n = this.shrinkInactive(l, tgt, toLocal);
    if (n) return n;
    const force = !empty(l.inactive) ? l.inactive : l.active;
    for (let cur = force.prev, tmp = cur.prev; cur !== force; cur = tmp, tmp = cur.prev) {
      if (this.delFromHtab(cur.item!)) {
        this.moveToFree(l, cur.item!, toLocal);
        return 1;
      }
    }
    return 0;
  }

  private flush(l: LruList, loc: LocalList): void {
    const head = loc.pending;
    for (let cur = head.prev, tmp = cur.prev; cur !== head; cur = tmp, tmp = cur.prev) {
      const n = cur.item!;
      this.moveIn(l, n, n.lruRef ? T.ACTIVE : T.INACTIVE);
    }
  }

  private popFreeToLocal(loc: LocalList): void {
    const l = this.common;
    this.flush(l, loc);
    this.rotate(l);
    const nfree = Math.min(l.free, this.targetFree);
    l.free -= nfree;
    loc.free += nfree;
    if (nfree < this.targetFree) this.shrink(l, this.targetFree - nfree, loc);
  }

  private popPending(loc: LocalList): boolean {
    for (const force of [false, true]) {
      const head = loc.pending;
      for (let cur = head.prev; cur !== head; cur = cur.prev) {
        const n = cur.item!;
        if ((!n.lruRef || force) && this.delFromHtab(n)) {
          listDel(cur);
          n.lruType = T.FREE;
          return true;
        }
      }
    }
    return false;
  }

  // ---- the interface used by the hash table ----------------------------------------------

  /**
   * bpf_lru_pop_free: take a free node for a new element on `cpu` (evicting elements as the
   * kernel does). False: no node (the update fails with ENOMEM).
   */
  pop(cpu: number): boolean {
    if (this.percpu) {
      const l = this.lists[cpu]!;
      this.rotate(l);
      if (!l.free) this.shrink(l, PERCPU_FREE_TARGET, null);
      if (!l.free) return false;
      l.free--;
      return true;
    }
    const loc = this.locals[cpu]!;
    if (!loc.free) this.popFreeToLocal(loc);
    if (loc.free) { loc.free--; return true; }
    const first = loc.nextSteal;
    let steal = first;
    let got = false;
    do {
      const s = this.locals[steal]!;
      if (s.free) { s.free--; got = true; } else got = this.popPending(s);
      steal = (steal + 1) % this.ncpus;
    } while (!got && steal !== first);
    loc.nextSteal = steal;
    return got;
  }

  /** The popped node now carries element `n` (placed where the kernel puts a fresh node). */
  attach(n: LruNode, cpu: number): void {
    n.lruRef = 0;
    n.lruCpu = cpu;
    if (this.percpu) {
      const l = this.lists[cpu]!;
      n.lruType = T.FREE; // it comes from the free list (already counted out by pop)
      this.move(l, n, T.INACTIVE);
      return;
    }
    n.lruType = T.LOCAL_PENDING;
    listMove(n.lruLink, this.locals[cpu]!.pending);
  }

  /** A popped node that was not used (the update failed): back to the free list it came from. */
  unpop(cpu: number): void {
    if (this.percpu) this.lists[cpu]!.free++;
    else this.locals[cpu]!.free++;
  }

  /** bpf_lru_push_free: element `n` left the hash table. */
  release(n: LruNode): void {
    if (this.percpu) {
      this.move(this.lists[n.lruCpu]!, n, T.FREE);
      return;
    }
    if (n.lruType === T.LOCAL_PENDING) {
      listDel(n.lruLink);
      n.lruType = T.LOCAL_FREE;
      n.lruRef = 0;
      this.locals[n.lruCpu]!.free++;
      return;
    }
    this.move(this.common, n, T.FREE);
  }

  /** bpf_lru_node_set_ref. */
  ref(n: LruNode): void {
    n.lruRef = 1;
  }

  /** The complete list state, elements named by `indexOf` (snapshots). */
  exportState(indexOf: (n: LruNode) => number): LruState {
    const walk = (h: Link<LruNode>): Array<[number, number, number]> => {
      const out: Array<[number, number, number]> = [];
      for (let c = h.next; c !== h; c = c.next) out.push([indexOf(c.item!), c.item!.lruRef, c.item!.lruCpu]);
      return out;
    };
    const list = (l: LruList): LruListState => ({
      active: walk(l.active), inactive: walk(l.inactive), free: l.free,
      nir: l.nextInactiveRotation === l.inactive ? -1 : indexOf(l.nextInactiveRotation.item!),
    });
    return {
      lists: this.percpu ? this.lists.map(list) : [list(this.common)],
      locals: this.locals.map((loc) => ({ free: loc.free, pending: walk(loc.pending), nextSteal: loc.nextSteal })),
    };
  }

  /** Restore exportState's result; `nodeOf(i)` gives the node of element i. False when it does not fit this map. */
  importState(s: LruState, nodeOf: (i: number) => LruNode | undefined): boolean {
    const lists = this.percpu ? this.lists : [this.common];
    if (!s || !Array.isArray(s.lists) || s.lists.length !== lists.length || !Array.isArray(s.locals) || s.locals.length !== this.locals.length) return false;
    const fill = (h: Link<LruNode>, items: Array<[number, number, number]>, type: number): boolean => {
      for (const [i, ref, cpu] of items) {
        const n = nodeOf(i);
        if (!n || n.lruLink.next !== n.lruLink) return false; // unknown or already placed
        n.lruRef = ref ? 1 : 0;
        n.lruCpu = cpu;
        n.lruType = type;
        listDel(n.lruLink);
        n.lruLink.prev = h.prev; n.lruLink.next = h; h.prev.next = n.lruLink; h.prev = n.lruLink; // add at the tail: keeps the order
      }
      return true;
    };
    for (let i = 0; i < lists.length; i++) {
      const l = lists[i]!, st = s.lists[i]!;
      if (!fill(l.active, st.active, T.ACTIVE) || !fill(l.inactive, st.inactive, T.INACTIVE)) return false;
      l.counts = [st.active.length, st.inactive.length];
      l.free = st.free;
      l.nextInactiveRotation = st.nir < 0 ? l.inactive : nodeOf(st.nir)?.lruLink ?? l.inactive;
    }
    for (let c = 0; c < this.locals.length; c++) {
      const loc = this.locals[c]!, st = s.locals[c]!;
      if (!fill(loc.pending, st.pending, T.LOCAL_PENDING)) return false;
      loc.free = st.free;
      loc.nextSteal = st.nextSteal;
    }
    return true;
  }

  /** Elements from the most to the least likely to be kept (for snapshots): a best-effort order. */
  order(): LruNode[] {
    const out: LruNode[] = [];
    const walk = (h: Link<LruNode>): void => { for (let c = h.next; c !== h; c = c.next) out.push(c.item!); };
    for (const loc of this.locals) walk(loc.pending);
    for (const l of this.percpu ? this.lists : [this.common]) { walk(l.active); walk(l.inactive); }
    return out;
  }
}
