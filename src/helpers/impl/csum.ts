// Internet checksum arithmetic as the kernel does it on a little-endian machine (x86-64):
// 16/32-bit ones' complement sums over words loaded in host order, which is byte-order
// neutral, so values read from packets can be used as they are.

/** csum_partial: 32-bit ones' complement sum of `bytes` (length a multiple of 4 here, or any), plus `seed`. */
export function csumPartial(bytes: Uint8Array, seed: number): number {
  let acc = seed >>> 0;
  const n = bytes.length;
  let i = 0;
  for (; i + 4 <= n; i += 4) acc += (bytes[i]! | bytes[i + 1]! << 8 | bytes[i + 2]! << 16 | bytes[i + 3]! << 24) >>> 0;
  if (i + 2 <= n) { acc += bytes[i]! | bytes[i + 1]! << 8; i += 2; }
  if (i < n) acc += bytes[i]!;
  return fold32(acc);
}

/** Fold a non-negative sum (< 2^53) into 32 bits with end-around carry. */
export function fold32(acc: number): number {
  while (acc > 0xffffffff) acc = (acc % 4294967296) + Math.floor(acc / 4294967296);
  return acc >>> 0;
}

export function csumAdd(a: number, b: number): number {
  return fold32((a >>> 0) + (b >>> 0));
}

export function csumSub(a: number, b: number): number {
  return csumAdd(a, ~b >>> 0);
}

/** csum_fold: 32-bit partial sum → 16-bit checksum (complemented). */
export function csumFold(sum: number): number {
  let s = sum >>> 0;
  s = (s & 0xffff) + (s >>> 16);
  s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}

/** csum_from32to16: fold without complement. */
export function csumFrom32to16(sum: number): number {
  let s = sum >>> 0;
  s = (s & 0xffff) + (s >>> 16);
  s = (s & 0xffff) + (s >>> 16);
  return s & 0xffff;
}

function u32le(v: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v >>> 0, true);
  return b;
}

/** inet_proto_csum_replace4 / csum_replace4 (not CHECKSUM_PARTIAL): the new 16-bit checksum. */
export function csumReplace4(sum16: number, from: number, to: number): number {
  const diff = new Uint8Array(8);
  diff.set(u32le(~from), 0);
  diff.set(u32le(to), 4);
  return csumFold(csumPartial(diff, ~sum16 >>> 0));
}

/** csum_replace_by_diff / inet_proto_csum_replace_by_diff. */
export function csumReplaceByDiff(sum16: number, diff: number): number {
  return csumFold(csumAdd(diff, ~sum16 >>> 0));
}
