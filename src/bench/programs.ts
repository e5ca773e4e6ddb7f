// The benchmark programs (XDP, llvm assembly syntax) and the packet they run on.

import { assemble } from '../asm/assemble.js';

export interface BenchCase {
  name: string;
  /** Assembly text (llvm dialect). */
  text: string;
  /** Expected XDP return value on the bench packet (u32). */
  expect: number;
}

/** A 300-byte Ethernet / IPv4 / UDP (dst port 53) frame; the payload is a byte ramp. */
export function benchPacket(): Uint8Array {
  const p = new Uint8Array(300);
  p.set([0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2, 0x08, 0x00], 0); // eth: dst, src, IPv4
  p.set([0x45, 0, 0x01, 0x1e, 0, 0, 0x40, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2], 14); // ipv4, proto UDP
  p.set([0x30, 0x39, 0x00, 0x35, 0x01, 0x0a, 0, 0], 34); // udp 12345 → 53, length 266
  for (let i = 42; i < p.length; i++) p[i] = (i * 7) & 0xff;
  return p;
}

export const BENCH_CASES: readonly BenchCase[] = [
  {
    name: 'const return',
    text: 'r0 = 2\nexit\n',
    expect: 2,
  },
  {
    name: 'eth/ipv4/udp parse',
    text: `
      r2 = *(u32 *)(r1 + 4)
      r1 = *(u32 *)(r1 + 0)
      r0 = 1
      r3 = r1
      r3 += 42
      if r3 > r2 goto out
      r4 = *(u16 *)(r1 + 12)
      if r4 != 8 goto out
      r4 = *(u8 *)(r1 + 14)
      r5 = r4
      r5 &= 240
      if r5 != 64 goto out
      r4 &= 15
      r4 <<= 2
      if r4 < 20 goto out
      r5 = *(u8 *)(r1 + 23)
      if r5 != 17 goto out
      r3 = r1
      r3 += r4
      r3 += 14
      r5 = r3
      r5 += 8
      if r5 > r2 goto out
      r4 = *(u16 *)(r3 + 2)
      r4 = be16 r4
      r0 = 2
      if r4 != 53 goto out
      r0 = 3
    out:
      exit
    `,
    expect: 3,
  },
  {
    name: 'checksum loop x128',
    text: `
      r2 = *(u32 *)(r1 + 4)
      r1 = *(u32 *)(r1 + 0)
      r0 = 0
      r3 = r1
      r3 += 256
      if r3 > r2 goto out
      r4 = 0
    loop:
      r5 = r1
      r5 += r4
      r6 = *(u16 *)(r5 + 0)
      r0 += r6
      r4 += 2
      if r4 < 256 goto loop
      r6 = r0
      r6 >>= 16
      r0 &= 65535
      r0 += r6
      r6 = r0
      r6 >>= 16
      r0 += r6
      r0 &= 65535
    out:
      exit
    `,
    expect: -1,
  },
  {
    name: 'hash mix x1000',
    text: `
      r0 = -7046029254386353131 ll
      r1 = 0
      r3 = 1099511628211 ll
    loop:
      r0 ^= r1
      r0 *= r3
      r2 = r0
      r2 >>= 29
      r0 ^= r2
      r1 += 1
      if r1 < 1000 goto loop
      r2 = r0
      r2 >>= 32
      r0 ^= r2
      exit
    `,
    expect: -1,
  },
];

/** Bytecode of a case. */
export function benchCode(c: BenchCase): Uint8Array {
  return assemble(c.text, { dialect: 'llvm', file: c.name }).bytes;
}

/** Reference results computed in plain TypeScript (BigInt), independent of the engines. */
export function referenceResult(name: string, packet: Uint8Array): number {
  switch (name) {
    case 'checksum loop x128': {
      let s = 0;
      for (let i = 0; i < 256; i += 2) s += packet[i]! | (packet[i + 1]! << 8);
      s = (s & 0xffff) + (s >>> 16);
      s += s >>> 16;
      return s & 0xffff;
    }
    case 'hash mix x1000': {
      const M = (1n << 64n) - 1n;
      let h = BigInt.asUintN(64, -7046029254386353131n);
      for (let i = 0n; i < 1000n; i++) {
        h ^= i;
        h = (h * 1099511628211n) & M;
        h ^= h >> 29n;
      }
      h ^= h >> 32n;
      return Number(h & 0xffffffffn);
    }
    default: {
      const c = BENCH_CASES.find((x) => x.name === name);
      return c ? c.expect : -1;
    }
  }
}
