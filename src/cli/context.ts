// What every CLI command gets: the global options and the output streams.
// Commands print through `out` (stdout) and `err` (stderr) so tests can capture them.

import { BpfError } from '../errors.js';

export interface CliContext {
  /** -j / --json */
  json: boolean;
  /** -p / --pretty (implies json) */
  pretty: boolean;
  /** -d / --debug: print load / verifier logs */
  debug: boolean;
  /** -f / --bpffs: show pinned paths */
  bpffs: boolean;
  out: (text: string) => void;
  err: (text: string) => void;
  /** True when stdout is a terminal (progress bars only then). */
  isTTY: boolean;
  cwd: string;
  env: NodeJS.ProcessEnv;
}

/**
 * A failure the CLI reports as `Error: <message>` (or {"error": ...} with -j) and exits
 * with the status bpftool would: the negative errno truncated to 8 bits (254 for ENOENT),
 * or 255 when there is no errno.
 */
export class CliError extends BpfError {
  /** Text printed on stderr after the error line (plain output only). */
  after?: string;
  constructor(message: string, errno?: number, after?: string) {
    super('CLI', message, errno);
    if (after) this.after = after;
  }
}

export type CommandFn = (ctx: CliContext, args: string[]) => Promise<number | void> | number | void;

export interface CliObject {
  /** Keyword on the command line (`prog`, `map`, `btf`, `asm`, ...); abbreviable to a unique prefix. */
  readonly name: string;
  /** One line for `tsbpf help`. */
  readonly summary: string;
  readonly run: CommandFn;
}

/**
 * A failure bpftool reports with no message: a handle (`name NAME`, `tag TAG`) that matches
 * no object where exactly one is needed (map_parse_fd / prog_parse_fd print nothing then).
 * Exit status 255; with -j only the empty line jsonw_destroy ends the output with.
 */
export class QuietError extends CliError {
  constructor(what: string) {
    super(what);
  }
}

/** bpftool's usage(): the object's help on stderr (`null` with -j) and exit status 255. */
export class UsageError extends CliError {
  constructor() {
    super('usage');
  }
}
