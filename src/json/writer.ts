// A streaming JSON writer with bpftool's exact output shape.
//
// bpftool prints JSON through a small streaming writer (json_writer.c); scripts written
// against bpftool compare its output byte for byte, so ours reproduces its layout:
//  - compact mode: no whitespace at all;
//  - pretty mode (-p): four-space indentation where a member *name* starts a new line;
//    array elements and object openings inside arrays do not, so arrays of objects come
//    out as `[{ ... },{ ... }\n]` and arrays of numbers as `[1,2,3\n    ]`;
//  - strings escape \t \n \r \f \b " and ' with a backslash; a backslash itself comes out
//    as `\n` (a long-standing bpftool quirk, kept so outputs match); other bytes pass
//    through unchanged;
//  - `finish()` ends the document with a newline (jsonw_destroy).
// The writer only produces text; callers decide where it goes.

export class JsonWriter {
  private readonly chunks: string[] = [];
  private depth = 0;
  /** Separator to print before the next element: '' at the start of a collection, else ','. */
  private sep = '';

  constructor(public pretty = false, private readonly sink?: (text: string) => void) {}

  private put(s: string): void {
    if (this.sink) this.sink(s);
    else this.chunks.push(s);
  }

  /** The text written so far (when no sink was given). */
  text(): string {
    return this.chunks.join('');
  }

  get nesting(): number {
    return this.depth;
  }

  private indent(): void {
    if (this.depth) this.put('    '.repeat(this.depth));
  }

  private eol(): void {
    if (!this.pretty) return;
    this.put('\n');
    this.indent();
  }

  private eor(): void {
    if (this.sep) this.put(this.sep);
    this.sep = ',';
  }

  private quoted(str: string): string {
    let out = '"';
    for (const ch of str) {
      switch (ch) {
        case '\t': out += '\\t'; break;
        case '\n': out += '\\n'; break;
        case '\r': out += '\\r'; break;
        case '\f': out += '\\f'; break;
        case '\b': out += '\\b'; break;
        case '\\': out += '\\n'; break; // sic: bpftool's writer
        case '"': out += '\\"'; break;
        case "'": out += "\\'"; break;
        default: out += ch;
      }
    }
    return out + '"';
  }

  private begin(c: string): void {
    this.eor();
    this.put(c);
    this.depth++;
    this.sep = '';
  }

  private end(c: string): void {
    if (this.depth === 0) throw new Error('JsonWriter: unbalanced end');
    this.depth--;
    if (this.sep) this.eol();
    this.put(c);
    this.sep = ',';
  }

  startObject(): this { this.begin('{'); return this; }
  endObject(): this { this.end('}'); return this; }
  startArray(): this { this.begin('['); return this; }
  endArray(): this { this.end(']'); return this; }

  /** A member name; the next call writes its value. */
  name(n: string): this {
    this.eor();
    this.eol();
    this.sep = '';
    this.put(this.quoted(n));
    this.put(this.pretty ? ': ' : ':');
    return this;
  }

  /** A value written verbatim (jsonw_printf). */
  raw(text: string): this {
    this.eor();
    this.put(text);
    return this;
  }

  string(v: string): this {
    this.eor();
    this.put(this.quoted(v));
    return this;
  }

  uint(v: number | bigint): this {
    return this.raw(BigInt.asUintN(64, BigInt(v)).toString());
  }

  int(v: number | bigint): this {
    return this.raw(BigInt.asIntN(64, BigInt(v)).toString());
  }

  bool(v: boolean): this {
    return this.raw(v ? 'true' : 'false');
  }

  null(): this {
    return this.raw('null');
  }

  stringField(n: string, v: string): this { return this.name(n).string(v); }
  uintField(n: string, v: number | bigint): this { return this.name(n).uint(v); }
  intField(n: string, v: number | bigint): this { return this.name(n).int(v); }
  boolField(n: string, v: boolean): this { return this.name(n).bool(v); }
  nullField(n: string): this { return this.name(n).null(); }

  /** Bytes as an array of `"0xNN"` strings (print_hex_data_json). */
  hexBytes(data: Uint8Array): this {
    this.startArray();
    for (const b of data) this.raw(`"0x${b.toString(16).padStart(2, '0')}"`);
    return this.endArray();
  }

  /** Bytes as an array of decimal numbers (print_data_json). */
  decBytes(data: Uint8Array): this {
    this.startArray();
    for (const b of data) this.raw(String(b));
    return this.endArray();
  }

  /** Write any JSON-like JS value (objects keep insertion order; bigint as a number). */
  value(v: unknown): this {
    if (v === null || v === undefined) return this.null();
    if (typeof v === 'boolean') return this.bool(v);
    if (typeof v === 'bigint') return this.raw(v.toString());
    if (typeof v === 'number') return this.raw(Number.isFinite(v) ? String(v) : 'null');
    if (typeof v === 'string') return this.string(v);
    if (Array.isArray(v)) {
      this.startArray();
      for (const e of v) this.value(e);
      return this.endArray();
    }
    if (typeof v === 'object') {
      this.startObject();
      for (const [k, e] of Object.entries(v as Record<string, unknown>)) this.name(k).value(e);
      return this.endObject();
    }
    return this.string(String(v));
  }

  /** Start a new top-level value after a finished one (jsonw_reset). */
  reset(): void {
    this.sep = '';
  }

  /** End of document: the trailing newline (jsonw_destroy). */
  finish(): void {
    this.put('\n');
  }
}
