// The bpf_conformance test-file format (`tests/*.data`), read and written.
//
//   -- asm        assembly in the conformance syntax (labels, `#` comments)
//   -- raw        instead of asm: one 64-bit instruction word per line (0x… little-endian slot)
//   -- mem        the memory r1 points to (r2 = its length): hex bytes, whitespace separated
//   -- result     the expected r0 (0x… hex or decimal)
//   -- error      instead of a result: the program must be refused or fail (text: why)
//   -- no register offset, -- c   recorded, otherwise ignored (as the suite's runner does)
//
// tsbpf adds one optional header, ignored by the suite's own parser:
//   -- program_type socket_filter   `mem` is also the packet LD_ABS / LD_IND read.

import { BpfError } from '../errors.js';
import { assemble } from '../asm/assemble.js';

export interface DataCase {
  /** File name (or a caller-given name). */
  name: string;
  asm?: string;
  /** Raw instruction words when the file has `-- raw`. */
  raw?: bigint[];
  mem: Uint8Array;
  /** Expected r0; undefined when the case expects an error. */
  result?: bigint;
  /** Expected error text (may be empty). */
  error?: string;
  programType?: 'socket_filter';
  noRegisterOffset: boolean;
}

export class DataFileError extends BpfError {
  constructor(readonly file: string, readonly line: number, reason: string) {
    super('DATA_SYNTAX', `${file}:${line}: ${reason}`);
  }
}

type Section = 'none' | 'asm' | 'raw' | 'mem' | 'result' | 'error' | 'c' | 'other';

function parseNumber(text: string): bigint | undefined {
  const t = text.trim();
  if (/^0[xX][0-9a-fA-F]+$/.test(t)) return BigInt(t.toLowerCase());
  if (/^\d+$/.test(t)) return BigInt(t);
  return undefined;
}

/** Parse one `.data` file. Throws DataFileError naming the line for malformed content. */
export function parseDataFile(text: string, name = '<data>'): DataCase {
  let section: Section = 'none';
  const asm: string[] = [];
  const raw: bigint[] = [];
  const mem: number[] = [];
  let result: bigint | undefined;
  let error: string | undefined;
  let sawRaw = false, sawAsm = false, sawResult = false;
  let programType: DataCase['programType'];
  let noRegisterOffset = false;
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const ln = i + 1;
    const full = lines[i]!;
    if (/^--\s/.test(full) || full.trim() === '--') {
      const h = full.slice(2).trim();
      if (h === 'asm') { section = 'asm'; sawAsm = true; }
      else if (h === 'raw') { section = 'raw'; sawRaw = true; }
      else if (h === 'mem') section = 'mem';
      else if (h === 'result') { section = 'result'; sawResult = true; }
      else if (h === 'error') { section = 'error'; error ??= ''; }
      else if (h === 'c') section = 'c';
      else if (h === 'no register offset') { noRegisterOffset = true; section = 'other'; }
      else if (/^program_type\s+/.test(h)) {
        const t = h.replace(/^program_type\s+/, '');
        if (t !== 'socket_filter') throw new DataFileError(name, ln, `unknown program_type '${t}'`);
        programType = t;
        section = 'other';
      } else throw new DataFileError(name, ln, `unknown section '-- ${h}'`);
      continue;
    }
    // `#` starts a comment everywhere (the suite's parser strips it before anything else)
    const line = section === 'asm' ? full : full.replace(/#.*/, '');
    switch (section) {
      case 'asm': asm.push(full); break;
      case 'raw':
        for (const w of line.trim().split(/\s+/).filter(Boolean)) {
          const v = parseNumber(w);
          if (v === undefined || v >= 1n << 64n) throw new DataFileError(name, ln, `bad instruction word '${w}'`);
          raw.push(v);
        }
        break;
      case 'mem':
        for (const w of line.trim().split(/\s+/).filter(Boolean)) {
          if (!/^[0-9a-fA-F]{2}$/.test(w)) throw new DataFileError(name, ln, `bad memory byte '${w}' (two hex digits expected)`);
          mem.push(parseInt(w, 16));
        }
        break;
      case 'result': {
        if (!line.trim()) break;
        if (result !== undefined) throw new DataFileError(name, ln, 'more than one result');
        const v = parseNumber(line);
        if (v === undefined || v >= 1n << 64n) throw new DataFileError(name, ln, `bad result '${line.trim()}'`);
        result = v;
        break;
      }
      case 'error':
        if (line.trim()) error = (error ? error + '\n' : '') + line.trim();
        break;
      case 'none':
        if (line.trim()) throw new DataFileError(name, ln, 'text before the first section');
        break;
      default: break;
    }
  }
  if (!sawAsm && !sawRaw) throw new DataFileError(name, lines.length, 'no -- asm or -- raw section');
  if (!sawResult && error === undefined) throw new DataFileError(name, lines.length, 'no -- result or -- error section');
  return {
    name,
    asm: sawAsm ? asm.join('\n') : undefined,
    raw: sawRaw ? raw : undefined,
    mem: Uint8Array.from(mem),
    result: error === undefined ? result ?? 0n : undefined,
    error,
    programType,
    noRegisterOffset,
  };
}

/** The bytecode of a case: its raw words, else its assembly (conformance syntax). */
export function caseProgram(c: DataCase): Uint8Array {
  if (c.raw) {
    const out = new Uint8Array(c.raw.length * 8);
    const dv = new DataView(out.buffer);
    c.raw.forEach((w, i) => dv.setBigUint64(i * 8, w, true));
    return out;
  }
  // The asm section starts after its header: line numbers in errors count from there.
  return assemble(c.asm ?? '', { dialect: 'conformance', file: `${c.name} (asm section)` }).bytes;
}

/** Write a case back in the format (asm form). */
export function formatDataFile(c: DataCase): string {
  const out: string[] = [];
  if (c.programType) out.push(`-- program_type ${c.programType}`);
  out.push('-- asm', (c.asm ?? '').replace(/\n+$/, ''));
  if (c.mem.length) {
    out.push('-- mem');
    for (let i = 0; i < c.mem.length; i += 16) out.push(Array.from(c.mem.subarray(i, i + 16), (b) => b.toString(16).padStart(2, '0')).join(' '));
  }
  if (c.error !== undefined) out.push('-- error', c.error);
  else out.push('-- result', `0x${(c.result ?? 0n).toString(16)}`);
  return out.join('\n') + '\n';
}
