// On-disk format of pinned objects. One file per object:
//
//   TSBPFPIN <version> <kind> <body-length> <sha256-of-body-hex>\n<body: JSON, UTF-8>
//
// The header names the kind and seals the body: a file with another magic is foreign, a
// body whose length or checksum differs (torn, truncated, edited) is corrupt. Either is
// reported with the path and never used.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { PinStoreError } from './errors.js';

export const PIN_MAGIC = 'TSBPFPIN';
export const PIN_VERSION = 1;

/** A map's state: its spec, contents and what is needed to format it (BTF). */
export interface PinnedMapRecord {
  kind: 'map';
  /** Unique per created object: tells a re-created object at the same path from the old one. */
  uuid: string;
  spec: {
    name: string;
    type: number;
    keySize: number;
    valueSize: number;
    maxEntries: number;
    flags: number;
    mapExtra?: string;
    innerMap?: PinnedMapRecord['spec'];
  };
  frozen: boolean;
  /** Number of CPUs the per-CPU values were saved with. */
  ncpus: number;
  /**
   * Contents as hex: [key, value] pairs in iteration order. Queue/stack maps: [ '', value ]
   * from the front (next pop) to the back. Per-CPU maps: the value holds every CPU's value,
   * each rounded up to 8 bytes.
   */
  entries: Array<[string, string]>;
  /**
   * The map's full state as src/maps snapshotMap() writes it (base64): when present it is
   * authoritative (LRU order, queue contents, bloom bits, ring buffer positions) and
   * `entries` is empty.
   */
  snapshot?: string;
  /** Raw BTF of the object the map came from and the key/value type ids, for formatted dumps. */
  btf?: { data: string; keyTypeId: number; valueTypeId: number };
  /** Program uuid owning this map when it is not pinned by the user (prog load without pinmaps). */
  owner?: string;
  /**
   * PROG_ARRAY / ARRAY_OF_MAPS / HASH_OF_MAPS: the object each occupied slot refers to (what
   * a kernel map holds a reference to). The slot bytes of `snapshot`/`entries` are only the
   * ids of the process that wrote them; on re-creation every slot is filled from its ref.
   * Absent in records written before refs existed (their slots keep the raw bytes).
   */
  refs?: SlotRef[];
  /** Further pins of this map made with `map pin` (alias records naming it). */
  aliases?: string[];
  createdAt: number;
  uid: number;
}

/** One occupied slot of a prog array or map of maps and the pinned object it holds. */
export interface SlotRef {
  /** The slot's key, hex. */
  key: string;
  kind: 'map' | 'prog';
  /** The referenced object's uuid (its identity: a new object at the same path is another one). */
  uuid: string;
  /** Where it was pinned when the slot was set (a held copy keeps it after that pin is removed). */
  path: string;
}

/** A loaded program: the object it came from and where the maps it uses are pinned. */
export interface PinnedProgRecord {
  kind: 'prog';
  uuid: string;
  /** Kernel-visible name (function name truncated to 15 characters). */
  name: string;
  /** Function symbol in the object. */
  symbol: string;
  section: string;
  type: number;
  expectedAttachType: number;
  /** The ELF object, base64, and its SHA-256. */
  object: { data: string; sha256: string; file: string };
  /**
   * Object map name → pin path of the map file holding its state: every map of the object,
   * since tail calls reach the object's other programs and their maps.
   */
  maps: Record<string, string>;
  /** Names (keys of `maps`) of the maps the program itself uses, in map_ids order. */
  usedMaps?: string[];
  tag: string;
  gpl: boolean;
  /** Unix seconds. */
  loadedAt: number;
  uid: number;
  /** Number of instruction slots as loaded. */
  insnCount: number;
  /** Program-type override given at load time (`type TYPE`), if any. */
  typeOverride?: string;
  hasBtf: boolean;
  /** Registry key of the object's BTF (shared with its maps' btf_id). */
  btfKey?: string;
}

/** A second pin of an object pinned elsewhere (bpftool `map pin` / `prog pin`). */
export interface PinnedAliasRecord {
  kind: 'alias';
  uuid: string;
  target: string;
  targetKind: 'map' | 'prog';
}

export type PinRecord = PinnedMapRecord | PinnedProgRecord | PinnedAliasRecord;

export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

export function encodeRecord(rec: { kind: string }): Buffer {
  const body = Buffer.from(JSON.stringify(rec), 'utf8');
  const header = `${PIN_MAGIC} ${PIN_VERSION} ${rec.kind} ${body.length} ${sha256Hex(body)}\n`;
  return Buffer.concat([Buffer.from(header, 'ascii'), body]);
}

/** Decode and verify a pin file's bytes; `path` is for messages. */
export function decodeRecord<T extends { kind: string } = PinRecord>(bytes: Uint8Array, path: string): T {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < PIN_MAGIC.length || buf.toString('latin1', 0, PIN_MAGIC.length) !== PIN_MAGIC) {
    throw new PinStoreError('PIN_FOREIGN', path, 'not a tsbpf pinned object (no TSBPFPIN header)', 22);
  }
  const nl = buf.indexOf(0x0a);
  if (nl < 0 || nl > 200) throw new PinStoreError('PIN_CORRUPT', path, 'corrupted pinned object: header line is damaged', 22);
  const m = /^TSBPFPIN (\d{1,6}) ([a-z]{1,16}) (\d{1,15}) ([0-9a-f]{64})$/.exec(buf.toString('latin1', 0, nl));
  if (!m) throw new PinStoreError('PIN_CORRUPT', path, 'corrupted pinned object: header line is damaged', 22);
  const [, ver, kind, lenText, sum] = m as unknown as [string, string, string, string, string];
  const version = Number(ver);
  if (!Number.isInteger(version) || version < 1) throw new PinStoreError('PIN_CORRUPT', path, `corrupted pinned object: bad version '${ver}'`, 22);
  if (version > PIN_VERSION) throw new PinStoreError('PIN_VERSION', path, `pinned object format v${version} is newer than this tsbpf (v${PIN_VERSION})`, 22);
  const len = Number(lenText);
  const body = buf.subarray(nl + 1);
  if (!Number.isInteger(len) || body.length !== len) {
    throw new PinStoreError('PIN_CORRUPT', path, `corrupted pinned object: body is ${body.length} bytes, header says ${lenText}`, 22);
  }
  if (sha256Hex(body) !== sum) throw new PinStoreError('PIN_CORRUPT', path, 'corrupted pinned object: checksum mismatch', 22);
  let rec: unknown;
  try {
    rec = JSON.parse(body.toString('utf8'));
  } catch {
    throw new PinStoreError('PIN_CORRUPT', path, 'corrupted pinned object: body is not JSON', 22);
  }
  if (!rec || typeof rec !== 'object' || (rec as { kind?: unknown }).kind !== kind) {
    throw new PinStoreError('PIN_CORRUPT', path, `corrupted pinned object: body kind does not match header kind '${kind}'`, 22);
  }
  validateShape(rec as { kind: string }, path);
  return rec as T;
}

function need(cond: boolean, path: string, what: string): void {
  if (!cond) throw new PinStoreError('PIN_CORRUPT', path, `corrupted pinned object: ${what}`, 22);
}

const isU32 = (v: unknown): boolean => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffffffff;
const isHex = (v: unknown): boolean => typeof v === 'string' && /^(?:[0-9a-f]{2})*$/.test(v);

function isSlotRef(v: unknown): boolean {
  if (!v || typeof v !== 'object') return false;
  const o = v as Record<string, unknown>;
  return isHex(o.key) && (o.kind === 'map' || o.kind === 'prog') && typeof o.uuid === 'string' && typeof o.path === 'string';
}

function validateMapSpec(s: unknown, path: string): void {
  need(!!s && typeof s === 'object', path, 'map spec missing');
  const spec = s as Record<string, unknown>;
  need(typeof spec.name === 'string', path, 'map name');
  for (const k of ['type', 'keySize', 'valueSize', 'maxEntries', 'flags']) need(isU32(spec[k]), path, `map ${k}`);
  if (spec.innerMap !== undefined) validateMapSpec(spec.innerMap, path);
}

/** Structural checks beyond the checksum (a valid checksum over nonsense is still nonsense). */
function validateShape(rec: { kind: string }, path: string): void {
  const r = rec as unknown as Record<string, unknown>;
  need(typeof r.uuid === 'string', path, 'uuid missing');
  if (rec.kind === 'map') {
    validateMapSpec(r.spec, path);
    need(typeof r.frozen === 'boolean', path, 'frozen flag');
    need(isU32(r.ncpus) && (r.ncpus as number) > 0, path, 'ncpus');
    need(r.snapshot === undefined || (typeof r.snapshot === 'string' && /^[A-Za-z0-9+/]*={0,2}$/.test(r.snapshot)), path, 'snapshot');
    need(Array.isArray(r.entries) && (r.entries as unknown[]).every((e) => Array.isArray(e) && e.length === 2 && isHex(e[0]) && isHex(e[1])), path, 'entries');
    need(r.aliases === undefined || (Array.isArray(r.aliases) && (r.aliases as unknown[]).every((v) => typeof v === 'string')), path, 'aliases');
    need(r.refs === undefined || (Array.isArray(r.refs) && (r.refs as unknown[]).every(isSlotRef)), path, 'slot refs');
  } else if (rec.kind === 'prog') {
    need(typeof r.name === 'string' && typeof r.symbol === 'string', path, 'program name');
    need(isU32(r.type), path, 'program type');
    const o = r.object as Record<string, unknown> | undefined;
    need(!!o && typeof o.data === 'string' && typeof o.sha256 === 'string', path, 'object');
    need(!!r.maps && typeof r.maps === 'object' && Object.values(r.maps as object).every((v) => typeof v === 'string'), path, 'maps');
    need(r.usedMaps === undefined || (Array.isArray(r.usedMaps) && (r.usedMaps as unknown[]).every((v) => typeof v === 'string')), path, 'usedMaps');
    need(typeof r.tag === 'string' && typeof r.insnCount === 'number' && typeof r.loadedAt === 'number', path, 'program info');
    const data = Buffer.from(o!.data as string, 'base64');
    need(sha256Hex(data) === o!.sha256, path, 'object bytes do not match their checksum');
  } else if (rec.kind === 'alias') {
    need(typeof r.target === 'string' && (r.targetKind === 'map' || r.targetKind === 'prog'), path, 'alias target');
  } else if (rec.kind !== 'registry') {
    throw new PinStoreError('PIN_CORRUPT', path, `corrupted pinned object: unknown kind '${rec.kind}'`, 22);
  }
}

/** Read and verify a pin file. ENOENT and other I/O errors come back as PinStoreError with the errno. */
export function readRecordFile<T extends { kind: string } = PinRecord>(path: string): T {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const errno = err.errno !== undefined ? Math.abs(err.errno) : 5;
    throw new PinStoreError('PIN_IO', path, err.code === 'ENOENT' ? 'No such file or directory' : err.code === 'EISDIR' ? 'Is a directory' : err.message, errno);
  }
  return decodeRecord<T>(bytes, path);
}
