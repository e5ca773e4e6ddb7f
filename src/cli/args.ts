// Command-line helpers shared by the bpftool-compatible commands: bpftool's keyword
// matching (an argument matches a keyword it is a prefix of), its byte syntax, hex
// printing, number parsing (strtoul base 0) and type names (libbpf 1.1's tables).

import { CliError } from './context.js';
import { MapType, ProgType } from '../uapi/bpf.js';

/** bpftool's is_prefix(): `arg` is a prefix of `keyword`. */
export function isPrefix(arg: string | undefined, keyword: string): boolean {
  return arg !== undefined && keyword.startsWith(arg);
}

/** A cursor over argv, in the style of bpftool's NEXT_ARG / REQ_ARGS. */
export class Args {
  constructor(private readonly argv: string[], private pos = 0) {}
  get count(): number { return this.argv.length - this.pos; }
  peek(i = 0): string | undefined { return this.argv[this.pos + i]; }
  next(): string {
    const a = this.argv[this.pos];
    if (a === undefined) throw new CliError(`'${this.argv[this.pos - 1] ?? ''}' needs at least 1 arguments, 0 found`);
    this.pos++;
    return a;
  }
  /** REQ_ARGS(n): bpftool's message names the word before the remaining arguments. */
  require(n: number): void {
    if (this.count < n) {
      throw new CliError(`'${this.argv[this.pos - 1] ?? ''}' needs at least ${n} arguments, ${this.count} found`);
    }
  }
  rest(): string[] { return this.argv.slice(this.pos); }
  done(): boolean { return this.count === 0; }
}

/** First command whose keyword the argument is a prefix of (bpftool's cmd_select). */
export function selectCommand<T>(word: string, table: ReadonlyArray<[string, T]>): T | undefined {
  for (const [k, v] of table) if (isPrefix(word, k)) return v;
  return undefined;
}

/** strtoul(s, &end, base) with the whole string required; undefined when it does not parse. */
export function parseUlong(s: string, base = 0): number | undefined {
  let t = s.trim();
  if (t !== s.replace(/^\s+/, '')) return undefined;
  let neg = false;
  if (t.startsWith('-') || t.startsWith('+')) { neg = t[0] === '-'; t = t.slice(1); }
  let b = base;
  if ((b === 0 || b === 16) && /^0x/i.test(t)) { t = t.slice(2); b = 16; }
  else if (b === 0 && t.startsWith('0') && t.length > 1) { t = t.slice(1); b = 8; }
  else if (b === 0) b = 10;
  if (t === '') return undefined;
  const digits = '0123456789abcdefghijklmnopqrstuvwxyz'.slice(0, b);
  let v = 0n;
  for (const ch of t.toLowerCase()) {
    const d = digits.indexOf(ch);
    if (d < 0) return undefined;
    v = v * BigInt(b) + BigInt(d);
  }
  if (neg) v = -v;
  return Number(BigInt.asUintN(64, v) & 0xffffffffffffn);
}

/** A u32 argument like bpftool's parse_u32_arg (strtoul base 0). */
export function parseU32(s: string, what: string): number {
  const v = parseUlong(s, 0);
  if (v === undefined) throw new CliError(`can't parse ${s} as ${what}`);
  return v >>> 0;
}

/**
 * bpftool's parse_bytes: `[hex] B B ...`, exactly n bytes (each strtoul, base 0 or 16 after
 * `hex`). Returns the bytes and the remaining arguments.
 */
export function parseBytes(args: string[], name: string, n: number): { bytes: Uint8Array; rest: string[] } {
  let base = 0;
  let i = 0;
  let a = args;
  if (a.length && isPrefix(a[0], 'hex')) { base = 16; a = a.slice(1); }
  const out = new Uint8Array(n);
  while (i < n && a[i] !== undefined) {
    const v = parseUlong(a[i]!, base);
    if (v === undefined) throw new CliError(`error parsing byte: ${a[i]}`);
    out[i] = v & 0xff;
    i++;
  }
  if (i !== n) throw new CliError(`${name} expected ${n} bytes got ${i}`);
  return { bytes: out, rest: a.slice(i) };
}

/** fprint_hex(..., " "): bytes as `01 02 ff`. */
export function hexBytes(b: Uint8Array, sep = ' '): string {
  let out = '';
  for (let i = 0; i < b.length; i++) {
    let pfx = '';
    if (!i) pfx = '';
    else if (!(i % 16)) out += '\n';
    else if (!(i % 8)) out += '  ';
    else pfx = sep;
    out += pfx + b[i]!.toString(16).padStart(2, '0');
  }
  return out;
}

export function toHex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

export function fromHex(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, 'hex'));
}

// ---- type names (libbpf 1.1: what bpftool 7.1 prints) ---------------------------------------

const MAP_TYPE_NAMES: Array<[number, string]> = [
  [MapType.UNSPEC, 'unspec'], [MapType.HASH, 'hash'], [MapType.ARRAY, 'array'], [MapType.PROG_ARRAY, 'prog_array'],
  [MapType.PERF_EVENT_ARRAY, 'perf_event_array'], [MapType.PERCPU_HASH, 'percpu_hash'], [MapType.PERCPU_ARRAY, 'percpu_array'],
  [MapType.STACK_TRACE, 'stack_trace'], [MapType.CGROUP_ARRAY, 'cgroup_array'], [MapType.LRU_HASH, 'lru_hash'],
  [MapType.LRU_PERCPU_HASH, 'lru_percpu_hash'], [MapType.LPM_TRIE, 'lpm_trie'], [MapType.ARRAY_OF_MAPS, 'array_of_maps'],
  [MapType.HASH_OF_MAPS, 'hash_of_maps'], [MapType.DEVMAP, 'devmap'], [MapType.SOCKMAP, 'sockmap'], [MapType.CPUMAP, 'cpumap'],
  [MapType.XSKMAP, 'xskmap'], [MapType.SOCKHASH, 'sockhash'], [MapType.CGROUP_STORAGE, 'cgroup_storage'],
  [MapType.REUSEPORT_SOCKARRAY, 'reuseport_sockarray'], [MapType.PERCPU_CGROUP_STORAGE, 'percpu_cgroup_storage'],
  [MapType.QUEUE, 'queue'], [MapType.STACK, 'stack'], [MapType.SK_STORAGE, 'sk_storage'], [MapType.DEVMAP_HASH, 'devmap_hash'],
  [MapType.STRUCT_OPS, 'struct_ops'], [MapType.RINGBUF, 'ringbuf'], [MapType.INODE_STORAGE, 'inode_storage'],
  [MapType.TASK_STORAGE, 'task_storage'], [MapType.BLOOM_FILTER, 'bloom_filter'], [MapType.USER_RINGBUF, 'user_ringbuf'],
  [MapType.CGRP_STORAGE, 'cgrp_storage'],
];

const PROG_TYPE_NAMES: Array<[number, string]> = [
  [ProgType.UNSPEC, 'unspec'], [ProgType.SOCKET_FILTER, 'socket_filter'], [ProgType.KPROBE, 'kprobe'],
  [ProgType.SCHED_CLS, 'sched_cls'], [ProgType.SCHED_ACT, 'sched_act'], [ProgType.TRACEPOINT, 'tracepoint'],
  [ProgType.XDP, 'xdp'], [ProgType.PERF_EVENT, 'perf_event'], [ProgType.CGROUP_SKB, 'cgroup_skb'],
  [ProgType.CGROUP_SOCK, 'cgroup_sock'], [ProgType.LWT_IN, 'lwt_in'], [ProgType.LWT_OUT, 'lwt_out'],
  [ProgType.LWT_XMIT, 'lwt_xmit'], [ProgType.SOCK_OPS, 'sock_ops'], [ProgType.SK_SKB, 'sk_skb'],
  [ProgType.CGROUP_DEVICE, 'cgroup_device'], [ProgType.SK_MSG, 'sk_msg'], [ProgType.RAW_TRACEPOINT, 'raw_tracepoint'],
  [ProgType.CGROUP_SOCK_ADDR, 'cgroup_sock_addr'], [ProgType.LWT_SEG6LOCAL, 'lwt_seg6local'], [ProgType.LIRC_MODE2, 'lirc_mode2'],
  [ProgType.SK_REUSEPORT, 'sk_reuseport'], [ProgType.FLOW_DISSECTOR, 'flow_dissector'], [ProgType.CGROUP_SYSCTL, 'cgroup_sysctl'],
  [ProgType.RAW_TRACEPOINT_WRITABLE, 'raw_tracepoint_writable'], [ProgType.CGROUP_SOCKOPT, 'cgroup_sockopt'],
  [ProgType.TRACING, 'tracing'], [ProgType.STRUCT_OPS, 'struct_ops'], [ProgType.EXT, 'ext'], [ProgType.LSM, 'lsm'],
  [ProgType.SK_LOOKUP, 'sk_lookup'], [ProgType.SYSCALL, 'syscall'],
];

export function mapTypeName(t: number): string | undefined {
  return MAP_TYPE_NAMES.find(([v]) => v === t)?.[1];
}

/** map_type_from_str: exact names only (`unspec` is not accepted). */
export function mapTypeFromName(s: string): number | undefined {
  const hit = MAP_TYPE_NAMES.find(([, n]) => n === s);
  return hit && hit[0] !== MapType.UNSPEC ? hit[0] : undefined;
}

export function progTypeName(t: number): string | undefined {
  return PROG_TYPE_NAMES.find(([v]) => v === t)?.[1];
}

export const isPerCpuMap = (t: number): boolean =>
  t === MapType.PERCPU_HASH || t === MapType.PERCPU_ARRAY || t === MapType.LRU_PERCPU_HASH || t === MapType.PERCPU_CGROUP_STORAGE;
export const isQueueStack = (t: number): boolean => t === MapType.QUEUE || t === MapType.STACK || t === MapType.BLOOM_FILTER;
export const isMapOfMaps = (t: number): boolean => t === MapType.ARRAY_OF_MAPS || t === MapType.HASH_OF_MAPS;
export const isMapOfProgs = (t: number): boolean => t === MapType.PROG_ARRAY;
export const roundUp8 = (n: number): number => (n + 7) & ~7;
