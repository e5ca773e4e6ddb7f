// The JSON side of a command's output: one bpftool-layout writer per invocation (compact
// with -j, indented with -p), ended with a newline like jsonw_destroy.

import { JsonWriter } from '../json/writer.js';
import type { Args } from './args.js';
import { CliError, QuietError, type CliContext } from './context.js';

export class Output {
  readonly w: JsonWriter;
  constructor(readonly ctx: CliContext) {
    this.w = new JsonWriter(ctx.pretty);
  }
  get json(): boolean {
    return this.ctx.json;
  }
  /** Plain text to stdout (only meaningful without -j). */
  print(text: string): void {
    this.ctx.out(text);
  }
  /** Write the JSON document (if any) and its final newline. */
  flush(): void {
    const t = this.w.text();
    if (t) this.ctx.out(t + '\n');
  }
}

/** Run a command body with an Output, flushing JSON even when the body returns a status. */
export async function withOutput(ctx: CliContext, fn: (o: Output) => Promise<number | void> | number | void): Promise<number> {
  const o = new Output(ctx);
  try {
    const rc = await fn(o);
    o.flush();
    return rc ?? 0;
  } catch (e) {
    // JSON written before the failure is dropped: the error object replaces it.
    throw e;
  }
}

/**
 * `prog show` / `map show`: the objects named by `args` (exactly one `id N | pinned F | …`
 * pair), or all of them; with -j an array unless exactly one object was named, as bpftool.
 */
export function showObjects<R>(
  o: Output, args: Args, select: { parse(a: Args): R[]; list(): R[] }, json: (r: R) => void, plain: (r: R) => string,
): void {
  let refs: R[];
  let subset = false;
  if (args.count === 2) {
    refs = select.parse(args);
    subset = true;
    if (!refs.length) throw new QuietError('no object found'); // do_show_subset: nothing printed, 255
  } else if (args.count) {
    throw new CliError(`what is '${args.peek()}'?`);
  } else {
    refs = select.list();
  }
  if (o.json) {
    const arr = !subset || refs.length > 1;
    if (arr) o.w.startArray();
    for (const r of refs) json(r);
    if (arr) o.w.endArray();
  } else {
    for (const r of refs) o.print(plain(r));
  }
}
