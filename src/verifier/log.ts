// The verifier log in the kernel's format (instructions come from asm/disasm.ts formatInsnKernel): register states after each instruction aligned at column 40, `from N to M:`
// lines, source lines from line info, and the closing statistics.

import type { LineInfo } from '../loader/types.js';

/** Fake kernel address of map `index` as the log shows a resolved map pointer. */
export function mapAddr(index: number): bigint {
  return 0xffff888100000000n + BigInt(index) * 0x1000n;
}

/** Log buffer with the kernel's rewinding rules. */
export class VLog {
  // The text as chunks (one per write), so that the rewinds of print_insn_state and of level 1
  // cost what they remove, not the whole buffer (40000-instruction paths were quadratic).
  private chunks: string[] = [];
  private len = 0;
  private joined: string | undefined = '';
  /** Position after the last instruction text (print_insn_state appends the state there). */
  prevLogPos = 0;
  prevInsnPrintPos = 0;
  private prevLinfo: LineInfo | undefined;

  constructor(readonly level: number, private readonly lineInfo: readonly LineInfo[]) {}

  get enabled(): boolean {
    return this.level > 0;
  }

  /** The kernel's log buffers are bounded; past this the log is cut (the verdict is unaffected). */
  static readonly LIMIT = 16 << 20;
  truncated = false;

  /** The log text. */
  get buf(): string {
    if (this.joined === undefined) {
      this.joined = this.chunks.join('');
      this.chunks = this.joined ? [this.joined] : [];
    }
    return this.joined;
  }

  /** Length of the log text (cheap, unlike buf.length). */
  get size(): number {
    return this.len;
  }

  write(s: string): void {
    if (this.level <= 0 || !s) return;
    if (this.len + s.length > VLog.LIMIT) { this.truncated = true; return; }
    this.chunks.push(s);
    this.len += s.length;
    this.joined = undefined;
  }

  reset(pos: number): void {
    if (pos < 0) pos = 0;
    if (pos < this.len) {
      while (this.len > pos) {
        const c = this.chunks.pop()!;
        this.len -= c.length;
        if (this.len < pos) {
          this.chunks.push(c.slice(0, pos - this.len));
          this.len = pos;
        }
      }
      this.joined = undefined;
    }
    if (this.prevLogPos > this.len) this.prevLogPos = 0;
  }

  /** `; source line @ file:line` when insn starts a new line-info entry. */
  linfo(pc: number, prefix = '; '): void {
    if (!this.level || !this.lineInfo.length) return;
    let found: LineInfo | undefined;
    for (const li of this.lineInfo) {
      if (li.insnOff <= pc) found = li;
      else break;
    }
    if (!found || found === this.prevLinfo) return;
    const prev = this.prevLinfo;
    if (prev && prev.line === found.line && prev.file === found.file && prev.text === found.text) { this.prevLinfo = found; return; }
    const file = found.file.slice(found.file.lastIndexOf('/') + 1);
    this.write(`${prefix}${found.text.replace(/^\s+/, '')} @ ${file}:${found.line}\n`);
    this.prevLinfo = found;
  }

  /** The line info entry covering pc (for explain). */
  lineFor(pc: number): LineInfo | undefined {
    let found: LineInfo | undefined;
    for (const li of this.lineInfo) {
      if (li.insnOff <= pc) found = li;
      else break;
    }
    return found;
  }

  /** Append `    ; R1=...` after the previous instruction, or start `N:` — print_insn_state. */
  insnState(pc: number, state: string): void {
    if (this.prevLogPos && this.prevLogPos === this.len) {
      this.reset(this.prevLogPos - 1);
      const pos = this.prevInsnPrintPos;
      const align = Math.ceil(Math.max(pos + 4, 40) / 8) * 8 - pos - 1;
      this.write(' '.repeat(Math.max(align - 1, 0)) + ' ;');
    } else {
      this.write(`${pc}:`);
    }
    this.write(state + '\n');
  }

  insn(pc: number, text: string): void {
    this.prevLogPos = this.len;
    const line = `${pc}: ${text}`;
    this.write(line + '\n');
    this.prevInsnPrintPos = line.length + 1;
    this.prevLogPos = this.len;
  }
}
