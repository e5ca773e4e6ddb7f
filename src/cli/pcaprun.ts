// `prog run PROG pcap_in FILE [pcap_out FILE]`: every frame of a capture through one
// program, in order, maps carrying over between frames as on a live interface. Frames the
// program lets through (XDP_PASS / XDP_TX, TC_ACT_OK, a socket filter's kept bytes) go to
// pcap_out with the program's modifications.

import { statSync } from 'node:fs';
import cliProgress from 'cli-progress';
import { openCapture, createCaptureWriter, LinkType, type CaptureWriter } from '../pcap/index.js';
import { ProgType } from '../uapi/bpf.js';
import { isBpfError } from '../errors.js';
import type { LoadedProgram } from '../runtime/types.js';
import type { Runtime } from '../runtime/runtime.js';
import { CliError } from './context.js';

const XDP_NAMES = ['XDP_ABORTED', 'XDP_DROP', 'XDP_PASS', 'XDP_TX', 'XDP_REDIRECT'];
const TC_NAMES: Record<number, string> = {
  [-1]: 'TC_ACT_UNSPEC', 0: 'TC_ACT_OK', 1: 'TC_ACT_RECLASSIFY', 2: 'TC_ACT_SHOT', 3: 'TC_ACT_PIPE',
  4: 'TC_ACT_STOLEN', 5: 'TC_ACT_QUEUED', 6: 'TC_ACT_REPEAT', 7: 'TC_ACT_REDIRECT', 8: 'TC_ACT_TRAP',
};

/** The name of a program's return value, by program type. */
export function actionName(progType: number, retval: number): string {
  const r = retval | 0;
  switch (progType) {
    case ProgType.XDP: return XDP_NAMES[retval >>> 0] ?? `retval ${retval >>> 0}`;
    case ProgType.SCHED_CLS:
    case ProgType.SCHED_ACT: return TC_NAMES[r] ?? `retval ${r}`;
    case ProgType.SOCKET_FILTER: return (retval >>> 0) === 0 ? 'DROP' : 'KEEP';
    case ProgType.CGROUP_SKB: return (retval & 1) ? 'SK_PASS' : 'SK_DROP';
    default: return `retval ${retval >>> 0}`;
  }
}

/** How many bytes of the frame (after the run) pass, or -1 for a dropped frame. */
export function passedBytes(progType: number, retval: number, len: number): number {
  switch (progType) {
    case ProgType.XDP: return retval === 2 || retval === 3 ? len : -1;
    case ProgType.SCHED_CLS:
    case ProgType.SCHED_ACT: return (retval | 0) === 0 ? len : -1;
    case ProgType.SOCKET_FILTER: return (retval >>> 0) === 0 ? -1 : Math.min(retval >>> 0, len);
    case ProgType.CGROUP_SKB: return retval & 1 ? len : -1;
    default: return retval === 0 ? -1 : len;
  }
}

export interface PcapRunSummary {
  frames: number;
  bytes: number;
  passed: number;
  passedBytes: number;
  actions: Map<string, number>;
  /** Wall-clock time of the whole run, nanoseconds. */
  elapsedNs: bigint;
  /** Sum of per-run durations the runtime reported. */
  runNs: number;
  errors: number;
  firstError?: string;
  trace: string[];
}

export interface PcapRunOptions {
  input: string;
  output?: string;
  progType: number;
  progress: boolean;
  /** Called with trace_pipe lines as they appear (for -d). */
  onTrace?: (line: string) => void;
}

export function runPcap(prog: LoadedProgram, rt: Runtime, o: PcapRunOptions): PcapRunSummary {
  let reader;
  try {
    reader = openCapture(o.input);
  } catch (e) {
    if (isBpfError(e)) throw new CliError(`failed to open ${o.input}: ${e.message}`);
    throw new CliError(`failed to open ${o.input}: ${(e as Error).message}`);
  }
  const sum: PcapRunSummary = { frames: 0, bytes: 0, passed: 0, passedBytes: 0, actions: new Map(), elapsedNs: 0n, runNs: 0, errors: 0, trace: [] };
  let writer: CaptureWriter | undefined;
  let bar: cliProgress.SingleBar | undefined;
  const total = (() => { try { return statSync(o.input).size; } catch { return 0; } })();
  if (o.progress && total > 0) {
    bar = new cliProgress.SingleBar({ format: 'running {bar} {percentage}% | {frames} frames', hideCursor: true, clearOnComplete: true }, cliProgress.Presets.shades_classic);
    bar.start(total, 0, { frames: 0 });
  }
  if (o.output) {
    // Fail before running anything when the output cannot be written.
    try {
      writer = createCaptureWriter(o.output, { linkType: reader.interfaces[0]?.linkType ?? LinkType.ETHERNET, nanosecond: true });
    } catch (e) {
      reader.close();
      bar?.stop();
      throw new CliError(`failed to open ${o.output}: ${isBpfError(e) || e instanceof Error ? e.message : String(e)}`);
    }
  }
  const start = process.hrtime.bigint();
  let readBytes = 24;
  try {
    for (;;) {
      let pkt;
      try {
        pkt = reader.next();
      } catch (e) {
        if (isBpfError(e)) throw new CliError(e.message.startsWith(o.input) ? e.message : `${o.input}: ${e.message}`);
        throw e;
      }
      if (!pkt) break;
      sum.frames++;
      sum.bytes += pkt.data.length;
      readBytes += pkt.data.length + 16;
      const traceBefore = rt.trace.length;
      let retval: number;
      let out: Uint8Array;
      try {
        const r = prog.run({ data: pkt.data });
        retval = r.retval;
        out = r.data;
        sum.runNs += r.durationNs;
      } catch (e) {
        if (!isBpfError(e)) throw e;
        sum.errors++;
        sum.firstError ??= `frame ${sum.frames}: ${e.message}`;
        const k = 'error';
        sum.actions.set(k, (sum.actions.get(k) ?? 0) + 1);
        continue;
      }
      for (let i = traceBefore; i < rt.trace.length; i++) {
        sum.trace.push(rt.trace[i]!);
        o.onTrace?.(rt.trace[i]!);
      }
      if (rt.trace.length > 10000) rt.trace.splice(0, rt.trace.length);
      const name = actionName(o.progType, retval);
      sum.actions.set(name, (sum.actions.get(name) ?? 0) + 1);
      const keep = passedBytes(o.progType, retval, out.length);
      if (keep >= 0) {
        sum.passed++;
        sum.passedBytes += keep;
        if (o.output) {
          if (!writer) {
            const iface = reader.interfaces[pkt.interfaceId ?? 0] ?? reader.interfaces[0];
            writer = createCaptureWriter(o.output, { linkType: iface?.linkType ?? LinkType.ETHERNET, nanosecond: true });
          }
          const data = out.subarray(0, keep);
          writer.write({ timestampNs: pkt.timestampNs, data, origLen: o.progType === ProgType.SOCKET_FILTER ? out.length : data.length });
        }
      }
      if (bar && (sum.frames & 255) === 0) bar.update(Math.min(readBytes, total), { frames: sum.frames });
    }
  } finally {
    reader.close();
    bar?.stop();
  }
  if (o.output && !writer) {
    writer = createCaptureWriter(o.output, { linkType: reader.interfaces[0]?.linkType ?? LinkType.ETHERNET, nanosecond: true });
  }
  writer?.close(true);
  sum.elapsedNs = process.hrtime.bigint() - start;
  return sum;
}

export function summaryPlain(s: PcapRunSummary, output?: string): string {
  const secs = Number(s.elapsedNs) / 1e9;
  const fps = secs > 0 ? Math.round(s.frames / secs) : 0;
  let out = `Frames: ${s.frames}, bytes: ${s.bytes}, duration: ${secs.toFixed(3)}s (${fps} frames/s)\n`;
  const names = [...s.actions.keys()].sort();
  const w = Math.max(...names.map((n) => n.length), 6);
  for (const n of names) {
    const c = s.actions.get(n)!;
    out += `  ${n.padEnd(w)}  ${String(c).padStart(8)}  ${s.frames ? ((100 * c) / s.frames).toFixed(1).padStart(5) : '  0.0'}%\n`;
  }
  out += `Passed: ${s.passed} frames, ${s.passedBytes} bytes${output ? ` written to ${output}` : ''}\n`;
  if (s.errors) out += `Errors: ${s.errors} (first: ${s.firstError})\n`;
  return out;
}
