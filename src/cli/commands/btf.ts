// tsbpf btf dump file FILE [format {raw|c}]
//
// bpftool's `btf dump` for BTF in files: FILE is an ELF object with a .BTF section or a raw
// BTF blob (such as /sys/kernel/btf/vmlinux). Output as bpftool v7.1 prints it: the raw
// listing (`[1] INT 'int' size=4 ...`), its JSON with -j/-p, or C declarations with
// `format c` (not available as JSON, as in bpftool). BTF of loaded programs and maps
// (`btf dump id|prog|map`, `btf show`) is not available: tsbpf keeps no kernel BTF objects.

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { btfEndian, dumpC, dumpRaw, dumpRawJson, parseBtf, type Btf } from '../../btf/index.js';
import { isElf, parseElf } from '../../elf/index.js';
import { isBpfError } from '../../errors.js';
import { CliError, type CliContext, type CliObject } from '../context.js';
import { isPrefix } from '../args.js';

export const BTF_USAGE = `Usage: tsbpf btf dump BTF_SRC [format FORMAT]
       tsbpf btf help

       BTF_SRC := { file FILE }
       FORMAT  := { raw | c }
       OPTIONS := { {-j|--json} [{-p|--pretty}] | {-d|--debug} }
`;

const ENOENT = 2, EINVAL = 22, EOPNOTSUPP = 95;

/** Load BTF from an ELF object's .BTF section or from a raw BTF file (libbpf's btf__parse). */
export function loadBtfFile(path: string, bytes: Uint8Array): Btf {
  const fail = (msg: string, errno: number): never => {
    throw new CliError(`failed to load BTF from ${path}: ${msg}`, errno);
  };
  try {
    if (isElf(bytes)) {
      const elf = parseElf(bytes);
      const sec = elf.section('.BTF');
      if (!sec) return fail('No such file or directory', ENOENT);
      return parseBtf(sec.data, { section: '.BTF' });
    }
    if (btfEndian(bytes)) return parseBtf(bytes, { section: path });
    return fail('not an ELF object or raw BTF (bad magic)', EINVAL);
  } catch (e) {
    if (e instanceof CliError) throw e;
    if (isBpfError(e)) return fail(e.message, e.errno ?? EINVAL);
    throw e;
  }
}

function readFile(ctx: CliContext, file: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(resolve(ctx.cwd, file)));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new CliError(`failed to load BTF from ${file}: No such file or directory`, ENOENT);
    if (code === 'EISDIR') throw new CliError(`failed to load BTF from ${file}: Is a directory`, 21);
    throw new CliError(`failed to load BTF from ${file}: ${(e as Error).message}`, 5);
  }
}

function doDump(ctx: CliContext, args: string[]): number {
  if (args.length < 2) throw new CliError(`'dump' needs at least 2 arguments, ${args.length} found`);
  const [src, value] = [args[0]!, args[1]!];
  let rest = args.slice(2);
  if (isPrefix(src, 'map') || isPrefix(src, 'prog') || isPrefix(src, 'id')) {
    throw new CliError(`BTF of loaded objects ('btf dump ${src}') is not available: tsbpf keeps no kernel BTF; use 'btf dump file FILE'`, EOPNOTSUPP);
  }
  if (!isPrefix(src, 'file')) throw new CliError(`unrecognized BTF source specifier: '${src}'`);
  let format: 'raw' | 'c' = 'raw';
  while (rest.length) {
    const w = rest[0]!;
    if (isPrefix(w, 'format')) {
      const v = rest[1];
      if (v === undefined) throw new CliError("expecting value for 'format' option\n", EINVAL);
      if (v === 'c') format = 'c';
      else if (v === 'raw') format = 'raw';
      else throw new CliError(`unrecognized format specifier: '${v}', possible values: raw, c`, EINVAL);
      rest = rest.slice(2);
    } else {
      throw new CliError(`unrecognized option: '${w}'`, EINVAL);
    }
  }
  const btf = loadBtfFile(value, readFile(ctx, value));
  if (format === 'c') {
    if (ctx.json) throw new CliError('JSON output for C-syntax dump is not supported');
    ctx.out(dumpC(btf));
    return 0;
  }
  ctx.out(ctx.json ? dumpRawJson(btf, { pretty: ctx.pretty }) : dumpRaw(btf));
  return 0;
}

export const btfObject: CliObject = {
  name: 'btf',
  summary: 'dump BTF (bpftool btf dump file OBJ [format raw|c])',
  run(ctx, argv) {
    const cmd = argv[0];
    if (cmd === undefined || isPrefix(cmd, 'help')) {
      ctx.out(BTF_USAGE);
      return 0;
    }
    if (isPrefix(cmd, 'dump')) return doDump(ctx, argv.slice(1));
    if (isPrefix(cmd, 'show') || isPrefix(cmd, 'list')) {
      throw new CliError("'btf show' is not available: tsbpf keeps no kernel BTF objects", EOPNOTSUPP);
    }
    ctx.err(BTF_USAGE);
    return 255;
  },
};
