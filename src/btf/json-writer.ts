// A streaming JSON writer that produces byte-for-byte what bpftool's json_writer.c does,
// quirks included: in pretty mode only object member names start a new line (array elements
// stay on one line, the closing bracket goes on its own line), and strings escape only
// \t \n \r \f \b " ' and write a backslash as "\n" (sic).
// Numbers are written as given text, so 64-bit values keep every digit.

export class JsonWriter {
  private out = '';
  private depth = 0;
  private sep = '';

  constructor(public pretty = false) {}

  /** Everything written so far. */
  text(): string {
    return this.out;
  }

  private indent(): void {
    for (let i = 0; i < this.depth; i++) this.out += '    ';
  }

  private eol(): void {
    if (!this.pretty) return;
    this.out += '\n';
    this.indent();
  }

  private eor(): void {
    if (this.sep) this.out += this.sep;
    this.sep = ',';
  }

  private puts(s: string): void {
    let r = '"';
    for (const ch of s) {
      switch (ch) {
        case '\t': r += '\\t'; break;
        case '\n': r += '\\n'; break;
        case '\r': r += '\\r'; break;
        case '\f': r += '\\f'; break;
        case '\b': r += '\\b'; break;
        case '\\': r += '\\n'; break;
        case '"': r += '\\"'; break;
        case "'": r += "\\'"; break;
        default: r += ch;
      }
    }
    this.out += r + '"';
  }

  private begin(c: string): void {
    this.eor();
    this.out += c;
    this.depth++;
    this.sep = '';
  }

  private end(c: string): void {
    this.depth--;
    if (this.sep) this.eol();
    this.out += c;
    this.sep = ',';
  }

  startObject(): void { this.begin('{'); }
  endObject(): void { this.end('}'); }
  startArray(): void { this.begin('['); }
  endArray(): void { this.end(']'); }

  name(n: string): void {
    this.eor();
    this.eol();
    this.sep = '';
    this.puts(n);
    this.out += ':';
    if (this.pretty) this.out += ' ';
  }

  /** jsonw_printf: raw text as a value. */
  raw(text: string): void {
    this.eor();
    this.out += text;
  }

  string(s: string): void {
    this.eor();
    this.puts(s);
  }

  bool(b: boolean): void { this.raw(b ? 'true' : 'false'); }
  null(): void { this.raw('null'); }
  uint(n: number | bigint): void { this.raw(BigInt(n).toString()); }
  int(n: number | bigint): void { this.raw(BigInt(n).toString()); }

  stringField(n: string, v: string): void { this.name(n); this.string(v); }
  uintField(n: string, v: number | bigint): void { this.name(n); this.uint(v); }
  intField(n: string, v: number | bigint): void { this.name(n); this.int(v); }
  boolField(n: string, v: boolean): void { this.name(n); this.bool(v); }

  /** jsonw_destroy: the final newline. */
  finish(): string {
    this.out += '\n';
    return this.out;
  }
}
