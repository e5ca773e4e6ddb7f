// The kernel's bpf_bprintf_prepare + bstr_printf, for bpf_trace_printk, bpf_trace_vprintk,
// bpf_snprintf and bpf_seq_printf: the format is checked as the kernel checks it (printable
// ASCII, NUL-terminated, at most `maxArgs` conversions, only %d %i %u %x %X with l / ll,
// %c, %s, %p, %pK %px %pks %pus %pi4 %pI4 %pi6 %pI6, optional [0 +-] flags and a width),
// then formatted like the kernel's vsnprintf.

export interface FormatIo {
  /** Read a NUL-terminated string at a 64-bit address (kernel or user), at most max bytes; undefined = fault. */
  readString(addr: bigint, max: number, user: boolean): string | undefined;
  /** Read n bytes at a 64-bit address; undefined = fault. */
  readBytes(addr: bigint, n: number): Uint8Array | undefined;
}

const isPrint = (c: number): boolean => c >= 0x20 && c < 0x7f;
const isSpace = (c: number): boolean => c === 0x20 || (c >= 0x09 && c <= 0x0d);
const isPunct = (c: number): boolean => isPrint(c) && !isSpace(c) && !/[0-9A-Za-z]/.test(String.fromCharCode(c));

function pad(s: string, width: number, left: boolean, zero: boolean): string {
  if (s.length >= width) return s;
  if (left) return s + ' '.repeat(width - s.length);
  if (zero) {
    const neg = s.startsWith('-') || s.startsWith('+') || s.startsWith(' ');
    return neg ? s[0] + '0'.repeat(width - s.length) + s.slice(1) : '0'.repeat(width - s.length) + s;
  }
  return ' '.repeat(width - s.length) + s;
}

function ip6(b: Uint8Array, compress: boolean): string {
  const words: number[] = [];
  for (let i = 0; i < 16; i += 2) words.push((b[i]! << 8) | b[i + 1]!);
  if (!compress) return words.map((w) => w.toString(16).padStart(4, '0')).join(':');
  // longest run of zeros (length ≥ 2) becomes ::
  let best = -1, bestLen = 0;
  for (let i = 0; i < 8;) {
    if (words[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen && j - i > 1) { best = i; bestLen = j - i; }
    i = j;
  }
  const hex = words.map((w) => w.toString(16));
  if (best < 0) return hex.join(':');
  return hex.slice(0, best).join(':') + '::' + hex.slice(best + bestLen).join(':');
}

/** Format, or return -EINVAL (-22) when the kernel would refuse the format. */
export function bprintf(fmtBytes: Uint8Array, args: readonly bigint[], maxArgs: number, io: FormatIo): string | number {
  const nul = fmtBytes.indexOf(0);
  if (nul < 0) return -22;
  const fmt = fmtBytes.subarray(0, nul);
  const at = (i: number): number => (i < fmt.length ? fmt[i]! : 0);
  let out = '';
  let argi = 0;
  for (let i = 0; i < fmt.length; i++) {
    const c = fmt[i]!;
    if ((!isPrint(c) && !isSpace(c)) || c > 0x7f) return -22;
    if (c !== 0x25) { out += String.fromCharCode(c); continue; }
    if (at(i + 1) === 0x25) { out += '%'; i++; continue; }
    if (argi >= maxArgs) return -22;
    i++;
    let left = false, zero = false, plus = false, space = false;
    for (;;) {
      const f = at(i);
      if (f === 0x30) zero = true; else if (f === 0x2d) left = true; else if (f === 0x2b) plus = true; else if (f === 0x20) space = true; else break;
      i++;
    }
    let width = 0;
    if (at(i) >= 0x31 && at(i) <= 0x39) {
      while (at(i) >= 0x30 && at(i) <= 0x39) { width = width * 10 + (at(i) - 0x30); i++; }
    }
    const arg = args[argi] ?? 0n;
    argi++;
    const ch = at(i);
    if (ch === 0x70) { // p
      const n1 = at(i + 1), n2 = at(i + 2);
      if ((n1 === 0x6b || n1 === 0x75) && n2 === 0x73) { // %pks %pus
        i += 2;
        if (at(i + 1) !== 0 && !isSpace(at(i + 1)) && !isPunct(at(i + 1))) return -22;
        const s = io.readString(arg, 1024, n1 === 0x75);
        out += pad(s ?? '', width, left, false);
        continue;
      }
      if (n1 === 0 || isSpace(n1) || isPunct(n1) || n1 === 0x4b || n1 === 0x78 || n1 === 0x73 || n1 === 0x53) {
        if (n1 === 0x4b || n1 === 0x78 || n1 === 0x73 || n1 === 0x53) i++;
        const v = BigInt.asUintN(64, arg);
        out += pad(n1 === 0x4b ? '0'.repeat(16) : v.toString(16).padStart(16, '0'), width, left, zero);
        continue;
      }
      if (n1 === 0x42) { i++; out += pad('0x' + BigInt.asUintN(64, arg).toString(16), width, left, false); continue; }
      if ((n1 !== 0x69 && n1 !== 0x49) || (n2 !== 0x34 && n2 !== 0x36)) return -22;
      i += 2;
      const n = n2 === 0x34 ? 4 : 16;
      const b = io.readBytes(arg, n) ?? new Uint8Array(n);
      let s: string;
      if (n === 4) s = n1 === 0x49 ? [...b].join('.') : [...b].map((x) => x.toString().padStart(3, '0')).join('.');
      else s = n1 === 0x49 ? ip6(b, false) : [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
      out += pad(s, width, left, false);
      continue;
    }
    if (ch === 0x73) { // s
      if (at(i + 1) !== 0 && !isSpace(at(i + 1)) && !isPunct(at(i + 1))) return -22;
      const s = io.readString(arg, 1024, false);
      out += pad(s === undefined ? '(efault)' : s, width, left, false);
      continue;
    }
    if (ch === 0x63) { // c
      out += pad(String.fromCharCode(Number(arg & 0xffn)), width, left, false);
      continue;
    }
    let size = 4;
    if (at(i) === 0x6c) { size = 8; i++; }
    if (at(i) === 0x6c) { size = 8; i++; }
    const conv = at(i);
    if (conv !== 0x69 && conv !== 0x64 && conv !== 0x75 && conv !== 0x78 && conv !== 0x58) return -22;
    const bits = size * 8;
    let s: string;
    if (conv === 0x64 || conv === 0x69) {
      const v = BigInt.asIntN(bits, arg);
      s = v.toString();
      if (v >= 0n && plus) s = '+' + s; else if (v >= 0n && space) s = ' ' + s;
    } else {
      const v = BigInt.asUintN(bits, arg);
      s = conv === 0x75 ? v.toString() : conv === 0x78 ? v.toString(16) : v.toString(16).toUpperCase();
    }
    out += pad(s, width, left, zero && !left);
  }
  return out;
}
