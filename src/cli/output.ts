// The JSON side of a command's output: one bpftool-layout writer per invocation (compact
// with -j, indented with -p), ended with a newline like jsonw_destroy.

import { JsonWriter } from '../json/writer.js';
import type { CliContext } from './context.js';

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
