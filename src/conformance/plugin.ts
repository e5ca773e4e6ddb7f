#!/usr/bin/env node
// bpf_conformance plugin: the runner starts us with the test memory as base16 text in
// argv[1] (absent when the test has none) followed by plugin options, writes the program
// as base16 text on stdin, and reads r0 in hex from stdout. A non-zero exit means the
// program was refused or failed; stderr then says why.
//
//   tsbpf-conformance-plugin [MEMORY_HEX] [--interpret] [--checked|--unchecked] [--debug]

import { readFileSync } from 'node:fs';
import { isBpfError } from '../errors.js';
import { decode } from '../isa/insn.js';
import { Cpu } from '../vm/cpu.js';
import { run } from '../vm/interpreter.js';
import { Memory } from '../vm/memory.js';
import { prepareProgram } from '../vm/program.js';
import { conformanceHelpers } from './helpers.js';

function parseHex(text: string, what: string): Uint8Array {
  const clean = text.replace(/\s+/g, '');
  if (clean.length % 2 !== 0 || /[^0-9a-fA-F]/.test(clean)) throw new Error(`${what}: not base16 text`);
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function main(argv: string[]): number {
  let memoryHex = '';
  let args = argv;
  if (args.length > 0 && !args[0]!.startsWith('--')) { memoryHex = args[0]!; args = args.slice(1); }
  let checked = true;
  for (const a of args) {
    if (a === '--interpret') continue;
    else if (a === '--checked') checked = true;
    else if (a === '--unchecked') checked = false;
    else if (a === '--debug' || a === '') continue;
    else if (a === '--jit') { process.stderr.write('the JIT engine is not available yet; use --interpret\n'); return 2; }
    else { process.stderr.write(`unknown option ${a}\n`); return 2; }
  }
  const program = parseHex(readFileSync(0, 'utf8'), 'program');
  const memoryBytes = parseHex(memoryHex, 'memory');

  const mem = new Memory();
  const cpu = new Cpu(mem);
  const helperTable = conformanceHelpers();
  cpu.helpers = helperTable.helpers;
  const prog = prepareProgram(decode(program));
  let r1 = 0n;
  if (memoryBytes.length > 0) {
    const a = mem.alloc(memoryBytes.length, { kind: 'user', name: 'test memory' });
    mem.write(a, memoryBytes);
    r1 = Memory.pointer(a);
  }
  const r0 = run(cpu, prog, { args: [r1, BigInt(memoryBytes.length)], checked });
  process.stdout.write(r0.toString(16) + '\n');
  return 0;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (e) {
  process.stderr.write((isBpfError(e) ? e.message : String(e instanceof Error ? e.message : e)) + '\n');
  process.exitCode = 1;
}
