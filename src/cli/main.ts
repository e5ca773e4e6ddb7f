#!/usr/bin/env node
// The tsbpf command: bpftool's grammar (`tsbpf [OPTIONS] OBJECT COMMAND ...`), with objects
// abbreviable to any unambiguous prefix, plus objects for offline work (asm, disasm, verify).

import { isBpfError } from '../errors.js';
import { CliError, QuietError, type CliContext, type CliObject } from './context.js';
import { OBJECTS } from './commands/index.js';

const VERSION = '0.1.0';

function usage(): string {
  const lines = [
    'Usage: tsbpf [OPTIONS] OBJECT { COMMAND | help }',
    '       tsbpf version',
    '',
    '       OBJECT := { ' + OBJECTS.map((o) => o.name).join(' | ') + ' }',
    '       OPTIONS := { {-j|--json} [{-p|--pretty}] | {-d|--debug} | {-f|--bpffs} }',
    '',
    ...OBJECTS.map((o) => `       ${o.name.padEnd(8)} ${o.summary}`),
  ];
  return lines.join('\n') + '\n';
}

/** Resolve a keyword against candidates by unique prefix (bpftool's is_prefix matching). */
export function matchKeyword(word: string, candidates: readonly string[]): string | undefined {
  if (candidates.includes(word)) return word;
  const hits = candidates.filter((c) => c.startsWith(word));
  return hits.length === 1 ? hits[0] : undefined;
}

export async function main(argv: string[], io?: Partial<CliContext>): Promise<number> {
  const ctx: CliContext = {
    json: false, pretty: false, debug: false, bpffs: false,
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    isTTY: Boolean(process.stdout.isTTY),
    cwd: process.cwd(),
    env: process.env,
    ...io,
  };
  const args = [...argv];
  while (args.length && args[0]!.startsWith('-') && args[0] !== '-') {
    const a = args.shift()!;
    if (a === '-j' || a === '--json') ctx.json = true;
    else if (a === '-p' || a === '--pretty') { ctx.json = true; ctx.pretty = true; }
    else if (a === '-d' || a === '--debug') ctx.debug = true;
    else if (a === '-f' || a === '--bpffs') ctx.bpffs = true;
    else if (a === '-V' || a === '--version') { args.unshift('version'); break; }
    else if (a === '-h' || a === '--help') { args.unshift('help'); break; }
    else if (a === '--') break;
    else return fail(ctx, new CliError(`unrecognized option '${a}'`));
  }
  const word = args.shift();
  if (word === undefined || word === 'help') { ctx.out(usage()); return word === undefined ? 255 : 0; }
  if (word === 'version') {
    if (ctx.json) ctx.out(JSON.stringify({ version: VERSION }) + '\n');
    else ctx.out(`tsbpf v${VERSION}\n`);
    return 0;
  }
  const name = matchKeyword(word, OBJECTS.map((o) => o.name));
  const obj: CliObject | undefined = OBJECTS.find((o) => o.name === name);
  if (!obj) return fail(ctx, new CliError(`object '${word}' is unknown, have you tried 'tsbpf help'?`));
  try {
    const rc = await obj.run(ctx, args);
    return rc ?? 0;
  } catch (e) {
    return fail(ctx, e);
  }
}

/** Print an error as bpftool does and return the exit status. */
export function fail(ctx: CliContext, e: unknown): number {
  if (e instanceof QuietError) {
    if (ctx.json) ctx.out('\n');
    return 255;
  }
  let message: string;
  let errno: number | undefined;
  if (isBpfError(e)) { message = e.message; errno = e.errno; }
  else if (e instanceof Error) message = `internal error: ${e.message}`;
  else message = String(e);
  if (ctx.json) ctx.out(JSON.stringify({ error: message }, null, ctx.pretty ? 4 : undefined) + '\n');
  else {
    ctx.err(`Error: ${message}\n`);
    if (e instanceof CliError && e.after) ctx.err(e.after);
  }
  return errno ? (256 - errno) & 0xff : 255;
}

// Run when executed directly (not when imported by tests).
const invokedAs = process.argv[1] ?? '';
if (/(?:^|[\\/])(?:main\.js|tsbpf)$/.test(invokedAs)) {
  // A closed pipe (`tsbpf ... | head`) ends the output quietly, as it does for C tools.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => { if (e.code === 'EPIPE') process.exit(0); throw e; });
  }
  main(process.argv.slice(2)).then((rc) => { process.exitCode = rc; }, (e) => { process.exitCode = fail({
    json: false, pretty: false, debug: false, bpffs: false, out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t), isTTY: false, cwd: process.cwd(), env: process.env }, e); });
}
